import { Annotations, Validations } from 'aws-cdk-lib';
import type { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FUNCTIONS } from '../lambdas/catalogue';
import type { FunctionName, RouteDef } from '../lambdas/catalogue';
import { missingEntries } from './constructs/dagy-function';
import type { CodeMode } from './constructs/dagy-function';
import { ApiStack, apiFunctionNames } from './stacks/api-stack';
import { ConsoleStack } from './stacks/console-stack';
import { DataStack } from './stacks/data-stack';
import { EventsStack, eventFunctionNames } from './stacks/events-stack';
import { ORCHESTRATION_FUNCTIONS, OrchestrationStack } from './stacks/orchestration-stack';
import { pascal } from './names';
import { MonitoringStack } from './stacks/monitoring-stack';
import { stageFromContext } from './stage';
import type { StageConfig } from './stage';

/** Context key: synthesize with placeholder code instead of bundling every entry (tests). */
export const SKIP_BUNDLING_CONTEXT = 'dagy:skipBundling';

export interface DagyStacks {
  readonly stage: StageConfig;
  readonly data: DataStack;
  readonly orchestration: OrchestrationStack;
  readonly api: ApiStack;
  readonly events: EventsStack;
  readonly monitoring: MonitoringStack;
  readonly console: ConsoleStack;
}

export interface BuildOptions {
  /** Overrides the routes catalogue (tests). */
  readonly routes?: readonly RouteDef[];
}

/**
 * Builds the five stacks of one stage from the catalogues. The stage comes from `-c stage=...`;
 * `-c dagy:skipBundling=true` swaps bundled code (and the console build) for placeholders and changes nothing else.
 */
export function buildDagyApp(app: App, options: BuildOptions = {}): DagyStacks {
  const stage = stageFromContext(app);
  const codeMode = codeModeFromContext(app);
  checkPlacement();
  if (codeMode === 'bundle') {
    const missing = missingEntries(Object.values(FUNCTIONS));
    if (missing.length > 0) {
      throw new Error(
        `Lambda entry files missing, cannot bundle: ${missing.map((def) => `${def.name} (${def.entry})`).join(', ')}. ` +
          `Synthesize with -c ${SKIP_BUNDLING_CONTEXT}=true for placeholder code (never deploy that).`,
      );
    }
  }

  // Dagy-dev for the default instance; <Instance>-<stage> for another install in the same account.
  const prefix = `${pascal(stage.instance)}-${stage.name}`;
  const description = (what: string): string => `Dagy ${stage.name}: ${what}`;
  const data = new DataStack(app, `${prefix}-Data`, { stage, description: description('tables, secrets key, buckets, event bus') });
  const orchestration = new OrchestrationStack(app, `${prefix}-Orchestration`, {
    stage,
    data,
    codeMode,
    description: description('run state machine, orchestrator and task runner, ECS runner'),
  });
  const api = new ApiStack(app, `${prefix}-Api`, {
    stage,
    data,
    orchestration,
    codeMode,
    routes: options.routes,
    description: description('HTTP API and its domain functions'),
  });
  const events = new EventsStack(app, `${prefix}-Events`, {
    stage,
    data,
    orchestration,
    codeMode,
    description: description('schedules, sensors and their rules'),
  });
  const monitoring = new MonitoringStack(app, `${prefix}-Monitoring`, {
    stage,
    orchestration,
    api,
    events,
    description: description('alarms and the operations dashboard'),
  });
  const consoleStack = new ConsoleStack(app, `${prefix}-Console`, {
    stage,
    api,
    assets: codeMode === 'placeholder' ? 'placeholder' : 'build',
    description: description('web console (S3 + CloudFront, /v1/* to the HTTP API)'),
  });
  if (codeMode === 'placeholder') {
    for (const stack of [orchestration, api, events, consoleStack]) {
      Annotations.of(stack).addInfo(`${SKIP_BUNDLING_CONTEXT}: Lambda code is a placeholder; do not deploy this synth`);
    }
  }
  return { stage, data, orchestration, api, events, monitoring, console: consoleStack };
}

/** cdk-nag's AwsSolutions pack on every synth: a finding that is neither fixed nor acknowledged fails it. */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

function codeModeFromContext(app: App): CodeMode {
  const raw: unknown = app.node.tryGetContext(SKIP_BUNDLING_CONTEXT);
  return raw === true || raw === 'true' ? 'placeholder' : 'bundle';
}

/** Which stack hosts each catalogued function; a new function must find a home or the synth stops. */
export function functionPlacement(): Record<FunctionName, 'orchestration' | 'api' | 'events'> {
  const placement: Partial<Record<FunctionName, 'orchestration' | 'api' | 'events'>> = {};
  const place = (names: readonly FunctionName[], stack: 'orchestration' | 'api' | 'events'): void => {
    for (const name of names) {
      const existing = placement[name];
      if (existing) throw new Error(`function ${name} is hosted by both the ${existing} and the ${stack} stack`);
      placement[name] = stack;
    }
  };
  place(ORCHESTRATION_FUNCTIONS, 'orchestration');
  place(apiFunctionNames(), 'api');
  place(eventFunctionNames(), 'events');
  return placement as Record<FunctionName, 'orchestration' | 'api' | 'events'>;
}

function checkPlacement(): void {
  const placement = functionPlacement();
  const homeless = (Object.keys(FUNCTIONS) as FunctionName[]).filter((name) => placement[name] === undefined);
  if (homeless.length > 0) {
    throw new Error(`functions with no stack: ${homeless.join(', ')} (host them in lib/stacks, see lib/app.ts)`);
  }
}
