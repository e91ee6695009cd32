import fc from 'fast-check';
import type { TaskStatus, TaskUpdateEvent } from '../../../lambdas/engine';
import { advance, finalRunStatus, graphOf, isTerminalTaskStatus, runDagInProcess, validateFlowSpec } from '../../../lambdas/engine';
import { codeTask } from './spec-builders';
import { edgeSpecs, expectedStatuses, randomDag, rulesFor, toSpec } from './random-dags';

const EARLY_RULES = new Set(['one_success', 'one_failed']);

describe('property: simulating a run with advance()', () => {
  /*
   * Asserted for random DAGs (n <= 30, edges i<j), random trigger rules, random outcomes and a
   * random completion order among running tasks:
   * - every task ends terminal and the last advance() says done, with no stall on the way;
   * - a task is made ready only while PENDING, and only once:
   *     all_success / all_done / none_failed: every upstream terminal (and the rule holds);
   *     one_success: at least one upstream SUCCEEDED; one_failed: at least one FAILED
   *     (these two may fire while other upstreams still run);
   * - skips are complete in one call: re-advancing after applying them skips nothing new and
   *   returns the same ready set;
   * - each task's final status matches the first-principles oracle (expectedStatuses);
   * - the run status is FAILED iff some task FAILED, and finalRunStatus / advance agree.
   */
  it('ends with every task terminal, respecting trigger rules', () => {
    const arbitrary = randomDag(30).chain((dag) =>
      fc.record({
        dag: fc.constant(dag),
        rules: rulesFor(dag.names.length),
        outcomes: fc.array(fc.boolean(), { minLength: dag.names.length, maxLength: dag.names.length }),
        picks: fc.array(fc.nat(), { maxLength: 60 }),
      }),
    );
    fc.assert(
      fc.property(arbitrary, ({ dag, rules, outcomes, picks }) => {
        const spec = toSpec(dag, rules);
        const graph = graphOf(spec);
        const outcome = (task: string) => (outcomes[dag.names.indexOf(task)] ? 'SUCCEEDED' : 'FAILED');
        const states: Record<string, { status: TaskStatus }> = {};
        const status = (t: string): TaskStatus => states[t]?.status ?? 'PENDING';
        const running: string[] = [];
        const everReady = new Set<string>();
        let last = advance(spec, states);

        for (let step = 0; step <= dag.names.length * 2 + 1; step++) {
          last = advance(spec, states);
          for (const { task } of last.skip) {
            expect(status(task)).toBe('PENDING');
            states[task] = { status: 'SKIPPED' };
          }
          const again = advance(spec, states);
          expect(again.skip).toEqual([]);
          expect(again.ready).toEqual(last.ready);

          for (const task of last.ready) {
            expect(status(task)).toBe('PENDING');
            expect(everReady.has(task)).toBe(false);
            everReady.add(task);
            const ups = graph.upstreams.get(task)!.map(status);
            const rule = graph.specs.get(task)!.trigger_rule;
            if (rule === 'one_success' && ups.length > 0) expect(ups).toContain('SUCCEEDED');
            else if (rule === 'one_failed' && ups.length > 0) expect(ups).toContain('FAILED');
            else expect(ups.every(isTerminalTaskStatus)).toBe(true);
            states[task] = { status: 'RUNNING' };
            running.push(task);
          }
          if (last.done) break;
          expect(running.length).toBeGreaterThan(0); // otherwise the run would stall
          const [finished] = running.splice((picks[step] ?? 0) % running.length, 1);
          states[finished!] = { status: outcome(finished!) };
        }

        expect(last.done).toBe(true);
        expect(running).toEqual([]);
        const expected = expectedStatuses(spec, outcome);
        for (const task of dag.names) expect([task, status(task)]).toEqual([task, expected.get(task)]);
        const statuses = dag.names.map(status);
        const runStatus = statuses.includes('FAILED') ? 'FAILED' : 'SUCCEEDED';
        expect(finalRunStatus(statuses)).toBe(runStatus);
        expect(last.finalStatus).toBe(runStatus);
        // Only tasks the rules let run were ever started.
        for (const task of dag.names) expect(everReady.has(task)).toBe(expected.get(task) !== 'SKIPPED');
      }),
      { numRuns: 300 },
    );
  });
});

describe('property: the in-process runner', () => {
  /*
   * For random DAGs, rules, retries, per-task failure counts and a random interleaving of
   * attempt completions (fast-check scheduler), with random maxConcurrency:
   * - final statuses match the oracle, attempts = failures + 1 capped at retries + 1;
   * - inputs are SUCCEEDED upstreams only (exactly all of them for rules that wait for every
   *   upstream), and such a task's start is recorded only after every upstream's outcome, with
   *   the records too completing in a random interleaving;
   * - the run returns only once every outcome is recorded;
   * - the returned status is finalRunStatus of the tasks.
   */
  it('settles every task as the rules and retries dictate', async () => {
    const arbitrary = randomDag(12).chain((dag) => {
      const n = dag.names.length;
      return fc.record({
        dag: fc.constant(dag),
        rules: rulesFor(n),
        retries: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
        failures: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
        maxConcurrency: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      });
    });
    await fc.assert(
      fc.asyncProperty(arbitrary, fc.scheduler(), async ({ dag, rules, retries, failures, maxConcurrency }, scheduler) => {
        const spec = toSpec(dag, rules, (i) => ({ retries: retries[i], retry_delay_seconds: 0 }));
        const graph = graphOf(spec);
        const index = (task: string) => dag.names.indexOf(task);
        const outcome = (task: string) => (failures[index(task)]! <= retries[index(task)]! ? 'SUCCEEDED' : 'FAILED');
        const events: TaskUpdateEvent[] = [];
        const inputsSeen = new Map<string, Record<string, unknown>>();

        const result = await scheduler.waitFor(
          runDagInProcess(spec, {
            executeTask: (task, attempt, inputs) => {
              inputsSeen.set(task, inputs);
              const ok = attempt > failures[index(task)]!;
              return scheduler.schedule(Promise.resolve(ok ? { ok: true as const, output: `${task}@${attempt}` } : { ok: false as const, error: 'x' }));
            },
            // Records complete in a random interleaving too; events holds them as completed.
            onTaskUpdate: async (event) => {
              await scheduler.schedule(Promise.resolve());
              events.push(event);
            },
            sleep: async () => {},
            timeoutTimer: () => new Promise(() => {}),
            ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
          }),
        );

        const expected = expectedStatuses(spec, outcome);
        for (const task of dag.names) {
          const state = result.taskStates[task]!;
          expect([task, state.status]).toEqual([task, expected.get(task)]);
          if (state.status === 'SKIPPED') {
            expect(inputsSeen.has(task)).toBe(false);
            continue;
          }
          expect(state.attempt).toBe(Math.min(failures[index(task)]! + 1, retries[index(task)]! + 1));
          const succeededUps = graph.upstreams.get(task)!.filter((u) => result.taskStates[u]!.status === 'SUCCEEDED');
          const inputNames = Object.keys(inputsSeen.get(task)!);
          const rule = graph.specs.get(task)!.trigger_rule;
          if (EARLY_RULES.has(rule)) {
            for (const name of inputNames) expect(succeededUps).toContain(name);
          } else {
            expect(inputNames.sort()).toEqual(succeededUps.sort());
            const startedAt = events.findIndex((e) => e.task === task && e.type === 'started');
            for (const up of graph.upstreams.get(task)!) {
              const upDone = events.findIndex((e) => e.task === up && ['succeeded', 'failed', 'skipped'].includes(e.type));
              expect(upDone).toBeGreaterThanOrEqual(0);
              expect(upDone).toBeLessThan(startedAt);
            }
          }
        }
        expect(result.status).toBe(finalRunStatus(dag.names.map((t) => result.taskStates[t]!.status)));
        // The run returns only once every task's outcome is recorded, each after the task's start.
        for (const task of dag.names) {
          const own = events.filter((e) => e.task === task).map((e) => e.type);
          expect([task, own.at(-1)]).toEqual([task, result.taskStates[task]!.status.toLowerCase()]);
          if (own.length > 1) expect([task, own[0]]).toEqual([task, 'started']);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('property: cycle detection', () => {
  it('accepts random DAGs, and their topological order respects every edge', () => {
    fc.assert(
      fc.property(randomDag(30), (dag) => {
        const result = validateFlowSpec({ tasks: dag.specOrder.map((i) => codeTask(dag.names[i]!)), edges: edgeSpecs(dag) });
        if (!result.ok) throw new Error(JSON.stringify(result.issues));
        const order = graphOf(result.spec).topologicalOrder;
        const position = new Map(order.map((t, i) => [t, i]));
        expect(order).toHaveLength(dag.names.length);
        for (const { from, to } of result.spec.edges) expect(position.get(from)!).toBeLessThan(position.get(to)!);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a DAG with an injected back edge, naming a cycle that really is one', () => {
    const arbitrary = randomDag(30, 2).chain((dag) => {
      const n = dag.names.length;
      return fc.record({
        dag: fc.constant(dag),
        // A path lo -> ...via... -> hi made of increasing nodes, closed by the back edge hi -> lo.
        ends: fc.tuple(fc.nat(n - 1), fc.nat(n - 1)).filter(([a, b]) => a !== b),
        via: fc.uniqueArray(fc.nat(n - 1), { maxLength: 4 }),
        edgeOrder: fc.nat(),
      });
    });
    fc.assert(
      fc.property(arbitrary, ({ dag, ends, via, edgeOrder }) => {
        const [lo, hi] = ends[0] < ends[1] ? ends : [ends[1], ends[0]];
        const path = [lo, ...via.filter((v) => v > lo && v < hi).sort((a, b) => a - b), hi];
        const edges = new Map(edgeSpecs(dag).map((e) => [`${e.from}>${e.to}`, e]));
        for (let i = 1; i < path.length; i++) {
          const [from, to] = [dag.names[path[i - 1]!]!, dag.names[path[i]!]!];
          edges.set(`${from}>${to}`, { from, to });
        }
        const back = { from: dag.names[hi]!, to: dag.names[lo]! };
        const list = [...edges.values()];
        list.splice(edgeOrder % (list.length + 1), 0, back);

        const result = validateFlowSpec({ tasks: dag.specOrder.map((i) => codeTask(dag.names[i]!)), edges: list });
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.issues.length).toBeGreaterThan(0);
        const edgeSet = new Set(list.map((e) => `${e.from}>${e.to}`));
        for (const issue of result.issues) {
          const match = /^cycle: (.+)$/.exec(issue.message);
          expect(match).not.toBeNull();
          const names = match![1]!.split(' -> ');
          expect(names.length).toBeGreaterThanOrEqual(3);
          expect(names[0]).toBe(names[names.length - 1]);
          expect(new Set(names.slice(1)).size).toBe(names.length - 1); // a simple cycle
          for (let i = 1; i < names.length; i++) expect(edgeSet.has(`${names[i - 1]}>${names[i]}`)).toBe(true);
          // The issue points at the edge that closes the named cycle.
          const at = /^flow_spec\.edges\[(\d+)\]$/.exec(issue.path);
          expect(at).not.toBeNull();
          expect(list[Number(at![1])]).toEqual({ from: names[names.length - 2], to: names[names.length - 1] });
        }
      }),
      { numRuns: 300 },
    );
  });
});
