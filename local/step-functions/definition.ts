import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ENV, type FunctionName } from '../../lambdas/catalogue';

/** The run state machine's definition, relative to the project root (CDK deploys the same file). */
export const RUN_STATE_MACHINE_FILE = 'lambdas/execution/run-state-machine.asl.json';

/**
 * The project root: DAGY_PROJECT_ROOT, else the nearest directory above the working directory
 * that holds the run state machine (the CLI, the tests and the benches all run from the project).
 */
export function projectRoot(start: string = process.cwd()): string {
  const explicit = process.env.DAGY_PROJECT_ROOT;
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, RUN_STATE_MACHINE_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no Dagy project (${RUN_STATE_MACHINE_FILE}) above ${start}; set DAGY_PROJECT_ROOT`);
    dir = parent;
  }
}

const LOCAL_ACCOUNT = '000000000000';
const LOCAL_REGION = 'us-east-1';

export function localFunctionArn(name: FunctionName): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`;
}

/** The function name of a Lambda ARN or name (qualifier dropped). */
export function functionNameOf(arnOrName: string): string {
  const match = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::.*)?$/.exec(arnOrName);
  return match === null ? arnOrName : match[1]!;
}

/**
 * The local value of every definitionSubstitutions key the orchestration stack passes (see
 * lib/stacks/orchestration-stack.ts): functions, ECS cluster/task definition/container/network
 * as the local functions see them, the event bus.
 */
export function localSubstitutions(orchestratorEnv: Record<string, string>, eventBusName: string): Record<string, string> {
  const value = (name: string): string => {
    const v = orchestratorEnv[name];
    if (v === undefined) throw new Error(`the local run-orchestrator environment has no ${name}`);
    return v;
  };
  const subnets = value(ENV.ecsSubnets)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return {
    OrchestratorFunctionArn: localFunctionArn('run-orchestrator'),
    TaskRunnerFunctionArn: localFunctionArn('task-runner'),
    EcsClusterArn: value(ENV.ecsCluster),
    RunnerTaskDefinitionArn: value(ENV.ecsTaskDefinition),
    RunnerContainerName: value(ENV.ecsContainerName),
    RunnerSubnet1: subnets[0] ?? 'subnet-local',
    RunnerSubnet2: subnets[1] ?? subnets[0] ?? 'subnet-local',
    RunnerSubnets: subnets.join(','),
    EcsSecurityGroup: value(ENV.ecsSecurityGroup),
    EcsAssignPublicIp: 'ENABLED',
    EventBusName: eventBusName,
  };
}

/** Replaces each `${Name}` in the definition text, as Step Functions' definitionSubstitutions do. */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  const missing = new Set<string>();
  const out = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => {
    const v = values[name];
    if (v === undefined) {
      missing.add(name);
      return whole;
    }
    // The values land inside JSON strings.
    return JSON.stringify(v).slice(1, -1);
  });
  if (missing.size > 0) throw new Error(`run state machine: no local value for substitution(s) ${[...missing].join(', ')}`);
  return out;
}

/** The run state machine definition with local values, parsed. */
export function loadRunStateMachine(values: Readonly<Record<string, string>>, root: string = projectRoot()): unknown {
  const text = readFileSync(join(root, RUN_STATE_MACHINE_FILE), 'utf8');
  return JSON.parse(substitute(text, values)) as unknown;
}
