import fc from 'fast-check';
import type { TriggerRule } from '../../../lambdas/engine';
import { parseFlowSpec, runDagInProcess } from '../../../lambdas/engine';
import { worstCasePathSeconds } from '../../../lambdas/execution/task-runner/whole-dag';
import { randomDag, rulesFor, type RandomDag } from '../../unit/engine/random-dags';
import { getRun, registerFlow, startExecutorFixture, startRun, waitForRun, type Executor, type ExecutorFixture } from './executors-support';

/*
 * Property: a random DAG (up to 60 tasks, random trigger rules, tasks that succeed, fail, or fail
 * twice then succeed, with 0–2 retries) ends with the same status and attempt count for every task
 * through each executor as through the pure engine's in-process runner given the same outcomes.
 * Few cases per executor: each is a real run on the local platform (DAGY_RANDOM_DAG_RUNS=n runs
 * more, e.g. after a change to an executor).
 */

type Kind = 'ok' | 'fail' | 'flaky';
/** The test tasks' exports (executors-support.ts TEST_TASKS) that behave as each kind. */
const HANDLER: Record<Kind, string> = { ok: 'seed', fail: 'failIf', flaky: 'flaky' };

interface Case {
  dag: RandomDag;
  rules: TriggerRule[];
  kinds: Kind[];
  retries: number[];
}

const cases = randomDag(60).chain((dag) => {
  const n = dag.names.length;
  return fc.record({
    dag: fc.constant(dag),
    rules: rulesFor(n),
    kinds: fc.array(fc.constantFrom<Kind>('ok', 'ok', 'fail', 'flaky'), { minLength: n, maxLength: n }),
    retries: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
  });
});

function flowSpec(c: Case) {
  return {
    // Timeouts long enough that a loaded machine does not time an attempt out, short enough that
    // most DAGs fit a whole-DAG Lambda's 15 minutes (the others are not run through it, below).
    // No retry delay: the runs stay short.
    tasks: c.dag.specOrder.map((i) => ({
      name: c.dag.names[i]!,
      handler: HANDLER[c.kinds[i]!],
      trigger_rule: c.rules[i]!,
      retries: c.retries[i]!,
      retry_delay_seconds: 0,
      timeout_seconds: 10,
      parameters: c.kinds[i] === 'fail' ? { fail: true } : { start: 1 },
    })),
    edges: c.dag.edges.map(([a, b]) => ({ from: c.dag.names[a]!, to: c.dag.names[b]! })),
  };
}

function normalized(c: Case) {
  return parseFlowSpec({ ...flowSpec(c), tasks: flowSpec(c).tasks.map(({ handler, ...t }) => ({ ...t, type: 'code' as const, handler: `tasks/lib.mjs:${handler}` })) });
}

/** The pure engine's final states for the same outcomes (flaky: fails attempts 1 and 2, as TEST_TASKS' flaky does). */
async function expected(c: Case): Promise<{ status: string; states: Record<string, { status: string; attempt: number }> }> {
  const spec = normalized(c);
  const kindOf = new Map(c.dag.names.map((name, i) => [name, c.kinds[i]!]));
  const result = await runDagInProcess(spec, {
    sleep: async () => undefined,
    executeTask: async (task, attempt) => {
      const kind = kindOf.get(task)!;
      if (kind === 'fail' || (kind === 'flaky' && attempt < 3)) return { ok: false, error: 'failed' };
      return { ok: true, output: { value: 1 } };
    },
  });
  return { status: result.status, states: Object.fromEntries(Object.entries(result.taskStates).map(([name, s]) => [name, { status: s.status, attempt: s.attempt }])) };
}

let fx: ExecutorFixture;
beforeAll(async () => {
  fx = await startExecutorFixture();
}, 120_000);
afterAll(async () => {
  await fx?.platform.stop();
});

describe.each<Executor>(['step-functions', 'lambda', 'ecs'])('random DAGs through the %s executor', (executor) => {
  test('every task ends as the in-process engine says', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        // A whole-DAG Lambda refuses (by design) a DAG whose worst case does not fit its 15 minutes.
        fc.pre(executor !== 'lambda' || worstCasePathSeconds(normalized(c), new Set()).seconds <= 600);
        const flow = await registerFlow(fx.api, flowSpec(c), 'random');
        const started = await startRun(fx.api, { ...flow, executor });
        await waitForRun(fx.api, started.run_id, undefined, 240_000);
        const run = await getRun(fx.api, started.run_id);
        const actual = Object.fromEntries(run.task_runs.map((t) => [t.task_name, { status: t.status, attempt: t.attempt }]));
        const want = await expected(c);
        expect(actual).toEqual(want.states);
        expect(run.status).toBe(want.status);
      }),
      // No shrinking: each case is a real run, and shrinking one would outlast the test's timeout;
      // the report's seed and counterexample reproduce it (fc.assert's { seed, path }).
      { numRuns: Number(process.env.DAGY_RANDOM_DAG_RUNS ?? 3), endOnFailure: true },
    );
  }, 900_000);
});
