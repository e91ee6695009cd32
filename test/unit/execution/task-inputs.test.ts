import { INLINE_INPUTS_MAX_BYTES, runnerBatches, runTaskEvent, taskInputs } from '../../../lambdas/execution/orchestrator/dispatch';
import type { RunRecord } from '../../../lambdas/execution/run-repository';
import type { TaskRunRecord } from '../../../lambdas/execution/task-run-repository';
import { parseFlowSpec } from '../../../lambdas/engine';

/*
 * What the advance loop sends a task's runner about its inputs: every SUCCEEDED upstream's
 * output_ref, and the outputs held inline in their task runs up to a budget, so the runner reads
 * none of those; an event that would exceed Lambda's payload limit sends refs only.
 */

const record = (name: string, over: Partial<TaskRunRecord>): TaskRunRecord =>
  ({ task_name: name, status: 'SUCCEEDED', output_ref: `runs/o/r/${name}/output.json`, output_json: null, ...over }) as TaskRunRecord;

test('inline outputs travel with the event up to the budget; the rest, and large outputs, by ref only', () => {
  const piece = JSON.stringify({ pad: 'p'.repeat(1000) });
  const byName = new Map<string, TaskRunRecord>();
  const names: string[] = [];
  for (let i = 0; i < 100; i++) {
    names.push(`u${i}`);
    byName.set(`u${i}`, record(`u${i}`, { output_json: piece }));
  }
  byName.set('big', record('big', {}));
  byName.set('failed', record('failed', { status: 'FAILED', output_ref: null }));
  const { inputs, inline_inputs } = taskInputs([...names, 'big', 'failed'], byName);
  expect(Object.keys(inputs)).toHaveLength(101);
  expect(inputs.big).toBe('runs/o/r/big/output.json');
  expect(inputs.failed).toBeUndefined();
  const inlined = Object.keys(inline_inputs);
  expect(inlined.length).toBe(Math.floor(INLINE_INPUTS_MAX_BYTES / Buffer.byteLength(piece)));
  expect(inline_inputs.big).toBeUndefined();
  expect(Object.values(inline_inputs).reduce((a, t) => a + Buffer.byteLength(t), 0)).toBeLessThanOrEqual(INLINE_INPUTS_MAX_BYTES);
});

test('an event too large with its inline inputs sends them by ref; still too large, the parameters are read by the runner', () => {
  const spec = parseFlowSpec({ tasks: [{ name: 't', type: 'code', handler: 'a.mjs:run' }], edges: [] });
  const run = { org_id: 'o', run_id: 'r', flow_name: 'f', flow_version: '1', deployment_name: null, parameters: { small: 1 } } as unknown as RunRecord;
  const loop = { token: 'T', iteration: 1, heartbeat_seconds: 60 };
  const artifact = { artifact_s3_uri: null, code_hash: 'h' };
  const inline = { up: JSON.stringify({ v: 1 }) };
  expect(runTaskEvent(run, spec.tasks[0]!, 1, artifact, { up: 'ref' }, loop, inline).inline_inputs).toEqual(inline);
  // Many refs (a wide fan-in) push the event over the limit: inline inputs go first.
  const refs = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`up${i}`, `runs/o/r/up${i}/output.json`.padEnd(150, '_')]));
  const crowded = Object.fromEntries(Object.keys(refs).slice(0, 60).map((k) => [k, JSON.stringify({ pad: 'x'.repeat(1000) })]));
  const event = runTaskEvent(run, spec.tasks[0]!, 1, artifact, refs, loop, crowded);
  expect(event.inline_inputs).toBeUndefined();
  expect(event.parameters).toEqual({ small: 1 });
});

test('the attempts an iteration starts go to their runners up to RUNNER_BATCH_MAX per invocation, each invocation within the event limit; one too large to share goes alone', () => {
  const spec = parseFlowSpec({ tasks: Array.from({ length: 20 }, (_, i) => ({ name: `t${i}`, type: 'code', handler: 'a.mjs:run' })), edges: [] });
  const run = { org_id: 'o', run_id: 'r', flow_name: 'f', flow_version: '1', deployment_name: null, parameters: {} } as unknown as RunRecord;
  const loop = { token: 'T', iteration: 1, heartbeat_seconds: 60 };
  const artifact = { artifact_s3_uri: null, code_hash: 'h' };
  const small = spec.tasks.map((t) => runTaskEvent(run, t, 1, artifact, {}, loop));
  expect(runnerBatches(small).map((b) => b.map((e) => e.task_name))).toEqual([
    small.slice(0, 8).map((e) => e.task_name),
    small.slice(8, 16).map((e) => e.task_name),
    small.slice(16).map((e) => e.task_name),
  ]);
  // ~150 KB of inline inputs each: no two fit in one invocation's event.
  const inline = { up: JSON.stringify({ pad: 'x'.repeat(70_000) }) };
  const large = spec.tasks.slice(0, 5).map((t) => runTaskEvent(run, t, 1, artifact, { up: 'ref' }, loop, { up: JSON.stringify({ pad: 'x'.repeat(150_000) }) }));
  const batches = runnerBatches(large);
  expect(batches.map((b) => b.length)).toEqual([1, 1, 1, 1, 1]);
  // ~70 KB each: three fit, a fourth does not.
  const medium = spec.tasks.slice(0, 5).map((t) => runTaskEvent(run, t, 1, artifact, { up: 'ref' }, loop, inline));
  const fitted = runnerBatches(medium);
  expect(fitted.map((b) => b.length)).toEqual([3, 2]);
  for (const b of fitted) expect(Buffer.byteLength(JSON.stringify({ action: 'run-tasks', org_id: 'o', run_id: 'r', tasks: b }))).toBeLessThanOrEqual(240 * 1024);
});
