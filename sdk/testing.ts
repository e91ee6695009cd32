import { format } from 'node:util';
import type { JsonObject, RunDagResult, Sleep, TaskUpdateEvent } from '../lambdas/engine';
import { runDagInProcess, taskParameters } from '../lambdas/engine';
import { runHttpTask } from '../lambdas/execution/task-runner/http-task';
import type { FlowDefinition, TaskArgs } from './define';
import { compileFlowSpec } from './flow-spec-of';

// `dagy flows test` and unit tests of flows: the flow runs in this process on the pure engine
// (lambdas/engine), the same scheduler the lambda and ecs executors host, with no platform and no
// AWS. Code tasks are called directly (not sandboxed, not bundled); HTTP tasks make their request.

export interface TestFlowOptions {
  parameters?: JsonObject;
  /** Secret values by name; a task naming a secret that is missing here fails, as on the platform. */
  secrets?: Record<string, string>;
  /** Called on every task transition (the CLI prints them). */
  onTaskUpdate?: (event: TaskUpdateEvent) => void;
  /** Waits between retries; default real timers. */
  sleep?: Sleep;
  signal?: AbortSignal;
}

export interface TestFlowResult extends RunDagResult {
  /** Each task's log text (all attempts). */
  logs: Record<string, string>;
}

/** Runs a flow definition to the end in this process and returns its states, outputs and logs. */
export async function testFlow(definition: FlowDefinition, options: TestFlowOptions = {}): Promise<TestFlowResult> {
  const compiled = compileFlowSpec(definition);
  const byName = new Map(compiled.tasks.map((t) => [t.name, t]));
  const logs: Record<string, string> = {};
  const runId = `test-${Date.now().toString(36)}`;
  const result = await runDagInProcess(compiled.normalized, {
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onTaskUpdate: options.onTaskUpdate,
    executeTask: async (name, attempt, inputs, { signal, task: spec }) => {
      const append = (text: string) => (logs[name] = (logs[name] ?? '') + text);
      const secrets: Record<string, string> = {};
      for (const secret of spec.secrets) {
        const value = options.secrets?.[secret];
        if (value === undefined) return { ok: false, error: `secret '${secret}' not found` };
        secrets[secret] = value;
      }
      const parameters = taskParameters(options.parameters, spec);
      if (spec.type === 'http') {
        // Through the same egress guard as on the platform (public https only).
        const out = await runHttpTask(spec, { timeoutMs: spec.timeout_seconds * 1000, timeoutMessage: `timed out after ${spec.timeout_seconds}s`, signal, secrets, parameters, egress: { allowLoopbackHttp: false } });
        append(out.log);
        return out.ok ? { ok: true, output: out.output } : { ok: false, error: out.error };
      }
      const task = byName.get(name)!;
      if (task.kind !== 'code') throw new Error(`task '${name}' is not a code task`);
      const args: TaskArgs<never> = {
        parameters,
        inputs: inputs as never,
        secrets,
        context: { run_id: runId, task_name: name, attempt, log: (...values) => append(`${format(...values)}\n`) },
      };
      const output: unknown = await task.fn(args);
      return { ok: true, output: output === undefined ? null : JSON.parse(JSON.stringify(output)) };
    },
  });
  return { ...result, logs };
}
