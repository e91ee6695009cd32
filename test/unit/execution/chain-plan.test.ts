import { parseFlowSpec, type FlowSpec } from '../../../lambdas/engine';
import { CHAIN_MAX_BYTES, CHAIN_MAX_STEPS, planChain } from '../../../lambdas/execution/orchestrator/chain-plan';
import { runTaskEvent } from '../../../lambdas/execution/orchestrator/dispatch';
import type { RunRecord } from '../../../lambdas/execution/run-repository';
import type { TaskRunRecord } from '../../../lambdas/execution/task-run-repository';
import { stepEvent } from '../../../lambdas/execution/task-runner/attempt-chain';
import { INLINE_INPUTS_MAX_BYTES, parseTaskRunnerEvent, type RunTaskEvent } from '../../../lambdas/execution/task-runner/runner-events';

/*
 * The chain an attempt's runner may run after it without the loop (orchestrator/chain-plan.ts):
 * only steps whose readiness depends on nothing but their upstream's success, and on which no
 * other task waits; and the event each step runs with (task-runner/attempt-chain.ts).
 */

const run = { org_id: 'o', run_id: 'r', flow_name: 'f', flow_version: '1', deployment_name: null, parameters: { day: 'mon' } } as unknown as RunRecord;
const code = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'code' as const, handler: 'a.mjs:run', ...extra });
const pending = (name: string, over: Partial<TaskRunRecord> = {}): TaskRunRecord =>
  ({ org_id: 'o', run_id: 'r', task_name: name, status: 'PENDING', attempt: 0, not_before: null, output_ref: null, output_json: null, ...over }) as TaskRunRecord;

function view(spec: ReturnType<typeof parseFlowSpec>, over: Record<string, Partial<TaskRunRecord>> = {}): Map<string, TaskRunRecord> {
  return new Map(spec.tasks.map((t) => [t.name, pending(t.name, over[t.name] ?? {})]));
}
const names = (steps: ReturnType<typeof planChain>) => steps.map((s) => s.task.name);

test('a linear chain is planned to its end; each step PENDING as the loop saw it, with its parameters', () => {
  const spec = parseFlowSpec({ tasks: ['a', 'b', 'c', 'd'].map((n) => code(n, { parameters: { n } })), edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'd' }] });
  const steps = planChain(spec, run, view(spec, { a: { status: 'RUNNING', attempt: 1 } }), 'a');
  expect(names(steps)).toEqual(['b', 'c', 'd']);
  expect(steps[0]).toMatchObject({ before: { task_name: 'b', status: 'PENDING', attempt: 0 }, parameters: { day: 'mon', n: 'b' }, inputs: {} });
});

test('the chain stops where another task would wait on it, or a step waits on another, or its rule is not decided by its upstream alone', () => {
  const flow = (edges: FlowSpec['edges'], extra: Record<string, Record<string, unknown>> = {}) =>
    parseFlowSpec({ tasks: ['a', 'b', 'c', 'x'].map((n) => code(n, extra[n] ?? {})), edges });
  const running = { a: { status: 'RUNNING' as const, attempt: 1 } };
  // a feeds b and x: x would wait for the chain's end.
  let spec = flow([{ from: 'a', to: 'b' }, { from: 'a', to: 'x' }, { from: 'b', to: 'c' }]);
  expect(names(planChain(spec, run, view(spec, running), 'a'))).toEqual([]);
  // c also waits on x, still PENDING; once x is settled, c is a step.
  spec = flow([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'x', to: 'c' }]);
  expect(names(planChain(spec, run, view(spec, running), 'a'))).toEqual(['b']);
  const x = { status: 'SUCCEEDED' as const, attempt: 1, output_ref: 'runs/o/r/x/output.json', output_json: '{"v":1}' };
  const steps = planChain(spec, run, view(spec, { ...running, x }), 'a');
  expect(names(steps)).toEqual(['b', 'c']);
  // x's output travels with c's step; b's is added by the runner that ran b.
  expect(steps[1]).toMatchObject({ inputs: { x: 'runs/o/r/x/output.json' }, inline_inputs: { x: '{"v":1}' } });
  // With x FAILED, c (all_success) would be skipped: not a step. With one_success it is ready
  // whatever b does once x SUCCEEDED: the loop starts it, not the chain.
  expect(names(planChain(spec, run, view(spec, { ...running, x: { status: 'FAILED' } }), 'a'))).toEqual(['b']);
  spec = flow([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'x', to: 'c' }], { c: { trigger_rule: 'one_success' } });
  expect(names(planChain(spec, run, view(spec, { ...running, x }), 'a'))).toEqual(['b']);
  // An ECS step, a step waiting for a retry, a step already started: the loop's.
  spec = flow([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }], { c: { executor: 'ecs' } });
  expect(names(planChain(spec, run, view(spec, running), 'a'))).toEqual(['b']);
  spec = flow([{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }]);
  expect(names(planChain(spec, run, view(spec, { ...running, c: { attempt: 1, not_before: '2026-01-01T00:00:00.000Z' } }), 'a'))).toEqual(['b']);
  expect(names(planChain(spec, run, view(spec, { ...running, b: { status: 'RUNNING', attempt: 1 } }), 'a'))).toEqual([]);
});

test('a chain is planned up to CHAIN_MAX_STEPS and CHAIN_MAX_BYTES; large parameters are left for the runner to read', () => {
  const long = Array.from({ length: CHAIN_MAX_STEPS + 20 }, (_, i) => `t${i}`);
  let spec = parseFlowSpec({ tasks: long.map((n) => code(n)), edges: long.slice(1).map((to, i) => ({ from: long[i]!, to })) });
  expect(planChain(spec, run, view(spec), 't0')).toHaveLength(CHAIN_MAX_STEPS);
  const pad = 'p'.repeat(2_000);
  spec = parseFlowSpec({ tasks: long.map((n) => code(n, { parameters: { pad } })), edges: long.slice(1).map((to, i) => ({ from: long[i]!, to })) });
  const steps = planChain(spec, run, view(spec), 't0');
  expect(steps.length).toBeLessThan(CHAIN_MAX_STEPS);
  expect(steps.reduce((sum, s) => sum + Buffer.byteLength(JSON.stringify(s)), 0)).toBeLessThanOrEqual(CHAIN_MAX_BYTES);
  spec = parseFlowSpec({ tasks: [code('a'), code('b', { parameters: { pad: 'p'.repeat(9_000) } })], edges: [{ from: 'a', to: 'b' }] });
  expect(planChain(spec, run, view(spec), 'a')[0]!.parameters).toBeNull();
});

test("a step's event adds its upstream's output (by ref, inline within the budget) and carries the rest of the chain; the runner accepts it, and refuses malformed steps", () => {
  const spec = parseFlowSpec({ tasks: ['a', 'b', 'c'].map((n) => code(n)), edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }] });
  const byName = view(spec, { a: { status: 'RUNNING', attempt: 1 } });
  const then = planChain(spec, run, byName, 'a');
  const first = runTaskEvent(run, spec.tasks[0]!, 1, { artifact_s3_uri: null, code_hash: 'h' }, {}, { token: 'T', iteration: 3, heartbeat_seconds: 60, sole: true }, {}, then);
  expect(parseTaskRunnerEvent(JSON.parse(JSON.stringify(first)))).toEqual(first);
  const upstream = { ...byName.get('a')!, status: 'SUCCEEDED', output_ref: 'runs/o/r/a/output.json', output_json: '{"v":2}' } as TaskRunRecord;
  const next = stepEvent(first, upstream, then);
  expect(next).toMatchObject({ action: 'run-task', task_name: 'b', attempt: 1, executor: 'lambda', inputs: { a: 'runs/o/r/a/output.json' }, inline_inputs: { a: '{"v":2}' }, loop: first.loop, parameters: { day: 'mon' } });
  expect(next.then?.map((s) => s.task.name)).toEqual(['c']);
  expect(stepEvent(next, { ...upstream, task_name: 'b' }, next.then!).then).toBeUndefined();
  // An output beyond the inline budget goes by ref only.
  const big = stepEvent(first, { ...upstream, output_json: JSON.stringify({ pad: 'x'.repeat(INLINE_INPUTS_MAX_BYTES) }) }, then);
  expect(big.inputs).toEqual({ a: 'runs/o/r/a/output.json' });
  expect(big.inline_inputs).toBeUndefined();
  const malformed = (step: Record<string, unknown>): RunTaskEvent => ({ ...first, then: [{ ...then[0]!, ...step }] }) as RunTaskEvent;
  expect(() => parseTaskRunnerEvent(malformed({ before: { ...then[0]!.before, status: 'RUNNING' } }))).toThrow('malformed run-task');
  expect(() => parseTaskRunnerEvent(malformed({ before: { ...then[0]!.before, task_name: 'c' } }))).toThrow('malformed run-task');
  expect(() => parseTaskRunnerEvent(malformed({ task: { ...then[0]!.task, executor: 'ecs' } }))).toThrow('malformed run-task');
  expect(() => parseTaskRunnerEvent(malformed({ inputs: 'x' }))).toThrow('malformed run-task');
});

test('an event too large with its chain drops the chain first (the loop then starts each step)', () => {
  const long = Array.from({ length: 40 }, (_, i) => `t${i}`);
  const spec = parseFlowSpec({ tasks: long.map((n) => code(n)), edges: long.slice(1).map((to, i) => ({ from: long[i]!, to })) });
  const then = planChain(spec, run, view(spec), 't0');
  expect(then).toHaveLength(39);
  // ~237 KB of refs: within the limit alone, beyond it with the chain.
  const refs = Object.fromEntries(Array.from({ length: 1350 }, (_, i) => [`up${i}`, `runs/o/r/up${i}/output.json`.padEnd(160, '_')]));
  const event = runTaskEvent(run, spec.tasks[0]!, 1, { artifact_s3_uri: null, code_hash: 'h' }, refs, { token: 'T', iteration: 1, heartbeat_seconds: 60 }, {}, then);
  expect(Buffer.byteLength(JSON.stringify({ ...event, then }))).toBeGreaterThan(240 * 1024);
  expect(event.then).toBeUndefined();
  expect(event.parameters).toEqual({ day: 'mon' });
});
