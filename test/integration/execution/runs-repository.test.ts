import { ManualClock } from '../../../lambdas/shared/clock';
import { uuidv7, runSlug } from '../../../lambdas/shared/ids';
import { createRuntime } from '../../../lambdas/shared/runtime';
import { createRunStores, type RunStores } from '../../../lambdas/execution/run-stores';
import type { NewRun } from '../../../lambdas/execution/run-repository';
import { TaskRunRepository, taskRunId, type TaskRunRecord } from '../../../lambdas/execution/task-run-repository';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { closeRunLedger, terminalPrice } from '../../../lambdas/execution/run-cost';
import { taskRunCost } from '../../../lambdas/usage/cost-model';
import { isoNow } from '../../../lambdas/shared/clock';
import type { Logger } from '../../../lambdas/shared/logger';
import type { Platform } from '../../../local/platform';
import { startTestPlatform } from '../../support/platform';

// The run and task run repositories on DynamoDB Local (the tables of a local platform).
describe('run and task run repositories', () => {
  let platform: Platform;
  let stores: RunStores;
  const clock = new ManualClock(Date.parse('2026-03-01T10:00:00.000Z'));
  let orgCounter = 0;
  const newOrg = () => `org-repo-${++orgCounter}-${Math.random().toString(36).slice(2, 8)}`;

  const newRun = (org: string, over: Partial<NewRun> = {}): NewRun => {
    clock.advance(1000);
    return {
      org_id: org,
      run_id: uuidv7(clock.nowMs()),
      run_slug: runSlug(),
      flow_name: 'etl',
      flow_version: '1.0.0',
      deployment_name: null,
      environment: null,
      parameters: { day: '2026-03-01' },
      executor: 'step-functions',
      trigger_type: 'manual',
      trigger_id: null,
      trigger_slot: null,
      retry_of: null,
      actor_email: 'dev@example.com',
      idempotency_key: null,
      ...over,
    };
  };

  beforeAll(async () => {
    platform = await startTestPlatform({ clock });
    stores = createRunStores(createRuntime('http-execution', platform.envFor('http-execution'), { clock, logSink: () => undefined }));
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
  });

  describe('runs', () => {
    it('creates a QUEUED run and reads it back only within its organization', async () => {
      const org = newOrg();
      const input = newRun(org);
      const { created, run } = await stores.runs.create(input);
      expect(created).toBe(true);
      expect(run).toMatchObject({ status: 'QUEUED', run_id: input.run_id, started_at: null, completed_at: null, previous_status: null });
      expect(await stores.runs.get(org, input.run_id)).toEqual(run);
      expect(await stores.runs.get(newOrg(), input.run_id)).toBeNull();
    });

    it('returns the existing run for a repeated idempotency key, and writes nothing new', async () => {
      const org = newOrg();
      const first = await stores.runs.create(newRun(org, { idempotency_key: 'key-1' }));
      const second = await stores.runs.create(newRun(org, { idempotency_key: 'key-1' }));
      expect(second.created).toBe(false);
      expect(second.run.run_id).toBe(first.run.run_id);
      const other = await stores.runs.create(newRun(newOrg(), { idempotency_key: 'key-1' }));
      expect(other.created).toBe(true);
      const page = await stores.runs.list(org, {}, { limit: 10, exclusiveStartKey: undefined });
      expect(page.items.map((r) => r.run_id)).toEqual([first.run.run_id]);
    });

    it('lets an expired idempotency record be replaced', async () => {
      const org = newOrg();
      const first = await stores.runs.create(newRun(org, { idempotency_key: 'expiring' }));
      clock.advance(25 * 3600 * 1000);
      const second = await stores.runs.create(newRun(org, { idempotency_key: 'expiring' }));
      expect(second.created).toBe(true);
      expect(second.run.run_id).not.toBe(first.run.run_id);
      expect((await stores.runs.findByIdempotencyKey(org, 'expiring'))?.run_id).toBe(second.run.run_id);
    });

    it('lists newest first with a cursor, by org, flow, deployment and status', async () => {
      const org = newOrg();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { run } = await stores.runs.create(newRun(org, { flow_name: i % 2 === 0 ? 'even' : 'odd', deployment_name: i < 2 ? 'dep-a' : null }));
        ids.push(run.run_id);
      }
      const newestFirst = [...ids].reverse();
      const p1 = await stores.runs.list(org, {}, { limit: 2, exclusiveStartKey: undefined });
      expect(p1.items.map((r) => r.run_id)).toEqual(newestFirst.slice(0, 2));
      expect(p1.next_cursor).not.toBeNull();
      const p2 = await stores.runs.list(org, {}, { limit: 2, exclusiveStartKey: JSON.parse(Buffer.from(p1.next_cursor!, 'base64url').toString()) });
      expect(p2.items.map((r) => r.run_id)).toEqual(newestFirst.slice(2, 4));

      const even = await stores.runs.list(org, { flow_name: 'even' }, { limit: 10, exclusiveStartKey: undefined });
      expect(even.items.map((r) => r.run_id)).toEqual([ids[4], ids[2], ids[0]]);
      const dep = await stores.runs.list(org, { deployment_name: 'dep-a' }, { limit: 10, exclusiveStartKey: undefined });
      expect(dep.items.map((r) => r.run_id)).toEqual([ids[1], ids[0]]);

      expect(await stores.runs.transitionRun(org, ids[2]!, ['QUEUED'], 'RUNNING')).toBe(true);
      const running = await stores.runs.list(org, { status: 'RUNNING' }, { limit: 10, exclusiveStartKey: undefined });
      expect(running.items.map((r) => r.run_id)).toEqual([ids[2]]);
      const queued = await stores.runs.list(org, { status: 'QUEUED' }, { limit: 10, exclusiveStartKey: undefined });
      expect(queued.items.map((r) => r.run_id)).toEqual([ids[4], ids[3], ids[1], ids[0]]);
      // Two filters: one index, the other as a filter expression, the page still filled.
      const evenQueued = await stores.runs.list(org, { flow_name: 'even', status: 'QUEUED' }, { limit: 2, exclusiveStartKey: undefined });
      expect(evenQueued.items.map((r) => r.run_id)).toEqual([ids[4], ids[0]]);
    });

    it('moves QUEUED → RUNNING → SUCCEEDED with times and previous_status; a terminal run never moves again', async () => {
      const org = newOrg();
      const { run } = await stores.runs.create(newRun(org));
      const started = await stores.runs.transitionRunDetailed(org, run.run_id, ['QUEUED'], 'RUNNING');
      expect(started.won).toBe(true);
      if (!started.won) return;
      expect(started.run).toMatchObject({ status: 'RUNNING', previous_status: 'QUEUED', completed_at: null });
      expect(started.run.started_at).not.toBeNull();
      clock.advance(500);
      const done = await stores.runs.transitionRunDetailed(org, run.run_id, ['RUNNING'], 'SUCCEEDED', { outputs: { rows: 3 } });
      expect(done.won && done.run).toMatchObject({ status: 'SUCCEEDED', previous_status: 'RUNNING', outputs: { rows: 3 }, started_at: started.run.started_at });
      expect(done.won && done.run.completed_at).not.toBeNull();
      const late = await stores.runs.transitionRunDetailed(org, run.run_id, ['RUNNING'], 'FAILED', { error_message: 'late' });
      expect(late).toEqual({ won: false, current: expect.objectContaining({ status: 'SUCCEEDED', error_message: null }) });
      await expect(stores.runs.transitionRun(org, run.run_id, ['CANCELLED'], 'SUCCEEDED')).rejects.toThrow('not allowed');
    });

    it('lets exactly one of N concurrent terminal writers win', async () => {
      const org = newOrg();
      const { run } = await stores.runs.create(newRun(org));
      await stores.runs.transitionRun(org, run.run_id, ['QUEUED'], 'RUNNING');
      const targets = ['SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => stores.runs.transitionRun(org, run.run_id, ['RUNNING'], targets[i % 3]!, { error_message: `writer ${i}` })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      const after = await stores.runs.get(org, run.run_id, { consistent: true });
      expect(after).toMatchObject({ status: targets[winner % 3], error_message: `writer ${winner}` });
    });

    it('a CANCELLED run never turns SUCCEEDED', async () => {
      const org = newOrg();
      const { run } = await stores.runs.create(newRun(org));
      await stores.runs.transitionRun(org, run.run_id, ['QUEUED'], 'RUNNING');
      expect(await stores.runs.transitionRun(org, run.run_id, ['QUEUED', 'RUNNING'], 'CANCELLED')).toBe(true);
      expect(await stores.runs.transitionRun(org, run.run_id, ['RUNNING'], 'SUCCEEDED')).toBe(false);
      expect((await stores.runs.get(org, run.run_id, { consistent: true }))?.status).toBe('CANCELLED');
    });

    it('updates orchestration fields conditionally (compare-and-set, increments, removal)', async () => {
      const org = newOrg();
      const { run } = await stores.runs.create(newRun(org));
      expect(await stores.runs.setExternalId(org, run.run_id, 'arn:aws:states:us-east-1:0:execution:m:x')).toBe(true);
      expect(await stores.runs.setExternalId(org, run.run_id, 'arn:other')).toBe(false);
      expect(await stores.runs.updateRun(org, run.run_id, { wait_token: 't1' }, { fields: { wait_token: null } }, { loop_iteration: 1 })).toBe(true);
      expect(await stores.runs.updateRun(org, run.run_id, { wait_token: 't2' }, { fields: { wait_token: null } })).toBe(false);
      expect(await stores.runs.updateRun(org, run.run_id, { wait_token: null }, { fields: { wait_token: 't1' }, status: ['QUEUED'] }, { loop_iteration: 1 })).toBe(true);
      const after = await stores.runs.get(org, run.run_id, { consistent: true });
      expect(after).toMatchObject({ wait_token: null, loop_iteration: 2, external_id: 'arn:aws:states:us-east-1:0:execution:m:x', status: 'QUEUED' });
      expect(await stores.runs.updateRun(org, 'no-such-run', { wait_token: 'x' })).toBe(false);
      await expect(stores.runs.updateRun(org, run.run_id, { status: 'RUNNING' } as never)).rejects.toThrow('cannot be updated');
    });
    it("the loop's change set: completions add their task and get the parked token, the first since a park to wake the loop; a park takes and empties the set and tells the token before it", async () => {
      const org = newOrg();
      const { run } = await stores.runs.create(newRun(org));
      // Not RUNNING: nothing to wake, nothing parked.
      expect(await stores.runs.markTasksChanged(org, run.run_id, ['a'])).toBeNull();
      expect(await stores.runs.parkLoop(org, run.run_id, 't1', 1)).toMatchObject({ won: false, current: { status: 'QUEUED' } });
      await stores.runs.transitionRun(org, run.run_id, ['QUEUED'], 'RUNNING');

      const first = await stores.runs.parkLoop(org, run.run_id, 't1', 1);
      expect(first).toMatchObject({ won: true, previous_token: null, changed: [], run: { run_id: run.run_id, wait_token: 't1', loop_iteration: 1, flow_name: 'etl', parameters: { day: '2026-03-01' } } });
      // Two completions (one of them twice): the set holds each task once; each answer carries the
      // parked token, and only the first is the one to wake the loop.
      expect(await stores.runs.markTasksChanged(org, run.run_id, ['a'])).toMatchObject({ run: { wait_token: 't1', loop_iteration: 1 }, wakes: true });
      expect(await stores.runs.markTasksChanged(org, run.run_id, ['b', 'a'])).toMatchObject({ run: { wait_token: 't1' }, wakes: false });
      // The loop registering a change of its own takes nothing; a waker that could not redeem
      // gives the waking back, and the next completion takes it.
      expect((await stores.runs.markTasksChanged(org, run.run_id, ['a'], { waking: false }))?.wakes).toBe(false);
      const taken = (await stores.runs.markTasksChanged(org, run.run_id, ['a']))!;
      expect(taken.wakes).toBe(false);
      expect(await stores.runs.unmarkWoken(org, run.run_id, taken.park)).toBe(true);
      expect((await stores.runs.markTasksChanged(org, run.run_id, ['a']))?.wakes).toBe(true);
      const second = await stores.runs.parkLoop(org, run.run_id, 't2', 2);
      expect(second.won).toBe(true);
      if (!second.won) return;
      expect(second.previous_token).toBe('t1');
      expect(second.changed.sort()).toEqual(['a', 'b']);
      // Emptied by the park that took it.
      const third = await stores.runs.parkLoop(org, run.run_id, 't3', 3);
      expect(third).toMatchObject({ won: true, previous_token: 't2', changed: [] });
      expect(await stores.runs.get(org, run.run_id, { consistent: true })).toMatchObject({ wait_token: 't3', loop_iteration: 3 });
      // Every park is a new one to wake, even at an iteration number seen before (a retried
      // iteration, a continuing execution's first); a park that keeps the change set too.
      expect((await stores.runs.markTasksChanged(org, run.run_id, ['a']))?.wakes).toBe(true);
      expect(await stores.runs.parkLoop(org, run.run_id, 't3b', 3)).toMatchObject({ won: true, changed: ['a'] });
      expect((await stores.runs.markTasksChanged(org, run.run_id, ['b']))?.wakes).toBe(true);
      expect(await stores.runs.unmarkWoken(org, run.run_id, taken.park)).toBe(false);
      expect(await stores.runs.parkLoopKeepingChanges(org, run.run_id, 't3c', 3)).toBe(true);
      expect((await stores.runs.markTasksChanged(org, run.run_id, ['c']))?.wakes).toBe(true);
      expect((await stores.runs.parkLoop(org, run.run_id, 't3d', 3) as { changed: string[] }).changed.sort()).toEqual(['b', 'c']);
      // Another organization's run, or a run that ended: no change registered, no park.
      expect(await stores.runs.markTasksChanged(newOrg(), run.run_id, ['a'])).toBeNull();
      await stores.runs.transitionRun(org, run.run_id, ['RUNNING'], 'SUCCEEDED');
      expect(await stores.runs.markTasksChanged(org, run.run_id, ['c'])).toBeNull();
      expect((await stores.runs.parkLoop(org, run.run_id, 't4', 4)).won).toBe(false);
      expect(await stores.runs.parkLoopKeepingChanges(org, run.run_id, 't4', 4)).toBe(false);
    });

    it('a token parked before parks were counted (no park_seq: a run under way across the upgrade) is woken by the first completion only', async () => {
      const org = newOrg();
      const { run } = await stores.runs.create(newRun(org));
      await stores.runs.transitionRun(org, run.run_id, ['QUEUED'], 'RUNNING');
      // How the loop parked its token before it counted parks.
      expect(await stores.runs.updateRun(org, run.run_id, { wait_token: 'old', loop_iteration: 7 }, { status: ['RUNNING'] })).toBe(true);
      const first = (await stores.runs.markTasksChanged(org, run.run_id, ['a']))!;
      expect(first).toMatchObject({ wakes: true, park: 0, run: { wait_token: 'old' } });
      expect((await stores.runs.markTasksChanged(org, run.run_id, ['b']))?.wakes).toBe(false);
      // Given back, it goes to the next one.
      expect(await stores.runs.unmarkWoken(org, run.run_id, first.park)).toBe(true);
      expect((await stores.runs.markTasksChanged(org, run.run_id, ['c']))?.wakes).toBe(true);
      // The next park is counted (1) and woken again.
      expect(await stores.runs.parkLoop(org, run.run_id, 'new', 8)).toMatchObject({ won: true, changed: expect.arrayContaining(['a', 'b', 'c']) });
      expect((await stores.runs.markTasksChanged(org, run.run_id, ['d']))).toMatchObject({ wakes: true, park: 1 });
    });
  });

  describe('task runs', () => {
    const tasks = (n: number) => Array.from({ length: n }, (_, i) => ({ task_name: `task-${String(i).padStart(3, '0')}` }));
    /** A task-run repository whose requests are counted by command name (`sent`). */
    const countingTaskRuns = () => {
      const sent: string[] = [];
      const ddb = DynamoDBDocumentClient.from(platform.dynamodb);
      // The document client shares its client's middleware: the previous counter goes first.
      ddb.middlewareStack.remove('countRequests');
      ddb.middlewareStack.add((next, context) => async (args) => {
        sent.push(context.commandName ?? '?');
        return next(args);
      }, { step: 'initialize', name: 'countRequests' });
      return { sent, counted: new TaskRunRepository({ ddb, tableName: platform.resources.tables.TaskRun, clock }) };
    };

    it("getMany reads the named task runs of a run (more than one request's worth), strongly, and leaves out unknown names", async () => {
      const org = newOrg();
      const runId = uuidv7();
      await stores.taskRuns.createMany(org, runId, tasks(130));
      await stores.taskRuns.start(org, runId, 'task-007', { executor: 'lambda' });
      const names = [...tasks(130).map((t) => t.task_name), 'no-such-task', 'task-007'];
      const got = await stores.taskRuns.getMany(org, runId, names, { consistent: true });
      expect(got).toHaveLength(130);
      expect(got.find((t) => t.task_name === 'task-007')?.status).toBe('RUNNING');
      expect(await stores.taskRuns.getMany(newOrg(), runId, ['task-001'], { consistent: true })).toEqual([]);
      expect(await stores.taskRuns.getMany(org, runId, [])).toEqual([]);
    });

    it('creates many PENDING task runs in batches, idempotently, with stable ids', async () => {
      const org = newOrg();
      const runId = uuidv7();
      const created = await stores.taskRuns.createMany(org, runId, tasks(60));
      expect(created).toHaveLength(60);
      await stores.taskRuns.createMany(org, runId, tasks(60));
      const all = await stores.taskRuns.listForRun(org, runId, { consistent: true });
      expect(all).toHaveLength(60);
      expect(all.every((t) => t.status === 'PENDING' && t.attempt === 0)).toBe(true);
      expect(all[0]!.task_run_id).toBe(taskRunId(runId, 'task-000'));
      expect(new Set(all.map((t) => t.task_run_id)).size).toBe(60);
      expect(await stores.taskRuns.listForRun(newOrg(), runId)).toEqual([]);
      const found = await stores.taskRuns.findById(org, runId, taskRunId(runId, 'task-042'));
      expect(found?.task_name).toBe('task-042');
      const page = await stores.taskRuns.listPage(org, runId, { limit: 25, exclusiveStartKey: undefined });
      expect(page.items).toHaveLength(25);
      expect(page.next_cursor).not.toBeNull();
    });

    it('createMissing leaves existing task runs as they are', async () => {
      const org = newOrg();
      const runId = uuidv7();
      await stores.taskRuns.createMany(org, runId, tasks(2));
      await stores.taskRuns.start(org, runId, 'task-000', { executor: 'lambda' });
      const added = await stores.taskRuns.createMissing(org, runId, tasks(3));
      expect(added.map((t) => t.task_name)).toEqual(['task-002']);
      expect((await stores.taskRuns.get(org, runId, 'task-000', { consistent: true }))?.status).toBe('RUNNING');
    });

    it('drives attempts: start, retry, start again, stale result loses, succeed', async () => {
      const org = newOrg();
      const runId = uuidv7();
      await stores.taskRuns.createMany(org, runId, tasks(1));
      const name = 'task-000';
      const s1 = await stores.taskRuns.startDetailed(org, runId, name, { executor: 'lambda', attempt: 0 });
      expect(s1.won && s1.taskRun).toMatchObject({ status: 'RUNNING', attempt: 1, executor: 'lambda', previous_status: 'PENDING' });
      expect(await stores.taskRuns.start(org, runId, name, { executor: 'lambda' })).toBe(false);
      expect(await stores.taskRuns.scheduleRetry(org, runId, name, { not_before: '2026-03-01T11:00:00.000Z', error_message: 'boom', attempt: 1 })).toBe(true);
      const pending = await stores.taskRuns.get(org, runId, name, { consistent: true });
      expect(pending).toMatchObject({ status: 'PENDING', attempt: 1, not_before: '2026-03-01T11:00:00.000Z', error_message: 'boom' });
      const s2 = await stores.taskRuns.startDetailed(org, runId, name, { executor: 'ecs', attempt: 1 });
      expect(s2.won && s2.taskRun).toMatchObject({ attempt: 2, not_before: null, error_message: null, executor: 'ecs' });
      expect(await stores.taskRuns.succeed(org, runId, name, { output_ref: 'stale', attempt: 1 })).toBe(false);
      const done = await stores.taskRuns.succeedDetailed(org, runId, name, { output_ref: 'runs/o/r/task-000/output.json', attempt: 2 });
      expect(done.won && done.taskRun).toMatchObject({ status: 'SUCCEEDED', output_ref: 'runs/o/r/task-000/output.json' });
      expect(done.won && done.taskRun.completed_at).not.toBeNull();
      expect(await stores.taskRuns.fail(org, runId, name, { error_message: 'late' })).toBe(false);
    });

    it('prices a terminal transition in its own write, from the record it leaves; the run\'s ledger rewrites only a price made from a stale record', async () => {
      const org = newOrg();
      const run = (await stores.runs.create(newRun(org, { executor: 'lambda' }))).run;
      await stores.taskRuns.createMany(org, run.run_id, tasks(3));
      const price = (before: TaskRunRecord) => terminalPrice(stores.ledger, 'lambda', before);
      const started = async (name: string) => {
        const t = await stores.taskRuns.startDetailed(org, run.run_id, name, { executor: 'lambda', attempt: 0 });
        if (!t.won) throw new Error('start lost');
        return t.taskRun;
      };
      const a = await started('task-000');
      clock.advance(2500);
      const done = await stores.taskRuns.succeedDetailed(org, run.run_id, 'task-000', { output_ref: null, output_json: '{"n":1}', log_text: 'hello', attempt: 1, ...price(a) });
      if (!done.won) throw new Error('succeed lost');
      // The same figure the cost model gives for the record as stored (2.5 s, the inline text).
      expect(done.taskRun.cost).toEqual(taskRunCost(done.taskRun, 'lambda', stores.ledger.sizes, stores.ledger.region));
      expect(done.taskRun.cost!.total_usd).toBeGreaterThan(0);
      const listed = await stores.taskRuns.listForRun(org, run.run_id, { consistent: true });
      const skipped = await stores.taskRuns.skipDetailed(org, run.run_id, 'task-001', { reason: 'not needed', ...price(listed.find((t) => t.task_name === 'task-001')!) });
      expect(skipped.won && skipped.taskRun.cost).toEqual(taskRunCost({ ...listed[1]!, status: 'SKIPPED' }, 'lambda', stores.ledger.sizes, stores.ledger.region));
      // A price made from a record that is not the latest (the PENDING one, before its start).
      const stale = listed.find((t) => t.task_name === 'task-002')!;
      await started('task-002');
      clock.advance(4000);
      const failed = await stores.taskRuns.failDetailed(org, run.run_id, 'task-002', { error_message: 'boom', attempt: 1, ...price(stale) });
      if (!failed.won) throw new Error('fail lost');
      expect(failed.taskRun.cost).not.toEqual(taskRunCost(failed.taskRun, 'lambda', stores.ledger.sizes, stores.ledger.region));

      const written: string[][] = [];
      const recordCosts = stores.taskRuns.recordCosts.bind(stores.taskRuns);
      const deps = { ledger: stores.ledger, logger: { warn: () => undefined } as unknown as Logger, taskRuns: { recordCosts: (o: string, r: string, e: Parameters<typeof recordCosts>[2]) => (written.push(e.map((x) => x.task_name)), recordCosts(o, r, e)) } };
      const final = await stores.taskRuns.listForRun(org, run.run_id, { consistent: true });
      await closeRunLedger(deps, run, final, { endedAt: isoNow(clock) });
      expect(written).toEqual([['task-002']]);
      const corrected = (await stores.taskRuns.get(org, run.run_id, 'task-002', { consistent: true }))!;
      expect(corrected.cost).toEqual(taskRunCost(corrected, 'lambda', stores.ledger.sizes, stores.ledger.region));
      // Closed again: every recorded cost is the one it computes, so nothing is written.
      await closeRunLedger(deps, run, await stores.taskRuns.listForRun(org, run.run_id, { consistent: true }), { endedAt: isoNow(clock) });
      expect(written).toHaveLength(1);
    });

    it('starts many task runs in one transaction; the records it returns are those stored; one stale start makes each start on its own', async () => {
      const org = newOrg();
      const runId = uuidv7();
      const created = await stores.taskRuns.createMany(org, runId, tasks(120));
      // 120 starts: two transactions (100 + 20).
      const starts = await stores.taskRuns.startManyDetailed(org, runId, created.map((before) => ({ before, executor: 'lambda' })));
      expect(starts.every((s) => s.won)).toBe(true);
      const stored = new Map((await stores.taskRuns.listForRun(org, runId, { consistent: true })).map((t) => [t.task_name, t]));
      for (const s of starts) expect(s.won && s.taskRun).toEqual(stored.get(s.won ? s.taskRun.task_name : '')!);
      expect(stored.get('task-007')).toMatchObject({ status: 'RUNNING', attempt: 1, previous_status: 'PENDING', executor: 'lambda' });

      // Retry two of them; the caller's view of one is stale (attempt 0): that start loses, the
      // other still wins, and the lost one reports the task run as it is.
      for (const name of ['task-000', 'task-001']) {
        expect(await stores.taskRuns.scheduleRetry(org, runId, name, { not_before: '2026-03-01T11:00:00.000Z', error_message: 'boom', attempt: 1 })).toBe(true);
      }
      const fresh = (await stores.taskRuns.get(org, runId, 'task-001', { consistent: true }))!;
      const again = await stores.taskRuns.startManyDetailed(org, runId, [
        { before: created[0]!, executor: 'ecs' },
        { before: fresh, executor: 'ecs' },
      ]);
      expect(again[0]).toMatchObject({ won: false, current: { task_name: 'task-000', status: 'PENDING', attempt: 1 } });
      expect(again[1]!.won && again[1]!.taskRun).toMatchObject({ task_name: 'task-001', status: 'RUNNING', attempt: 2, executor: 'ecs', error_message: null, not_before: null });
      expect(again[1]!.won && again[1]!.taskRun).toEqual(await stores.taskRuns.get(org, runId, 'task-001', { consistent: true }));
    });

    it('ends many task runs in one transaction, each with its output, log and price; the records it returns are those stored; one stale success makes each on its own', async () => {
      const org = newOrg();
      const run = (await stores.runs.create(newRun(org, { executor: 'ecs' }))).run;
      const created = await stores.taskRuns.createMany(org, run.run_id, tasks(5));
      const starts = await stores.taskRuns.startManyDetailed(org, run.run_id, created.map((before) => ({ before, executor: 'ecs' })));
      const running = starts.map((s) => (s.won ? s.taskRun : null)).filter((t): t is TaskRunRecord => t !== null);
      clock.advance(1500);
      const result = (t: TaskRunRecord) => ({ output_ref: `out/${t.task_name}`, output_json: `{"task":"${t.task_name}"}`, log_text: `log of ${t.task_name}`, ...terminalPrice(stores.ledger, 'ecs', t) });
      const ends = await stores.taskRuns.succeedManyDetailed(org, run.run_id, running.slice(0, 3).map((before) => ({ before, result: result(before) })));
      const stored = new Map((await stores.taskRuns.listForRun(org, run.run_id, { consistent: true })).map((t) => [t.task_name, t]));
      for (const end of ends) {
        if (!end.won) throw new Error('a success lost');
        expect(end.taskRun).toEqual(stored.get(end.taskRun.task_name));
        expect(end.taskRun).toMatchObject({ status: 'SUCCEEDED', previous_status: 'RUNNING', attempt: 1, output_json: `{"task":"${end.taskRun.task_name}"}`, log_text: `log of ${end.taskRun.task_name}` });
        expect(end.taskRun.cost).toEqual(taskRunCost(end.taskRun, 'ecs', stores.ledger.sizes, stores.ledger.region));
      }

      // task-003 was retried meanwhile: the caller's RUNNING-at-1 view of it is stale, so its
      // success loses (as it is now) and task-004's still wins, each on its own.
      expect(await stores.taskRuns.scheduleRetry(org, run.run_id, 'task-003', { not_before: '2026-03-01T11:00:00.000Z', error_message: 'boom', attempt: 1 })).toBe(true);
      const again = await stores.taskRuns.succeedManyDetailed(org, run.run_id, running.slice(3).map((before) => ({ before, result: result(before) })));
      expect(again[0]).toMatchObject({ won: false, current: { task_name: 'task-003', status: 'PENDING', attempt: 1 } });
      expect(again[1]!.won && again[1]!.taskRun).toEqual(await stores.taskRuns.get(org, run.run_id, 'task-004', { consistent: true }));
      // Ended task runs stay ended: the same successes again all lose.
      const late = await stores.taskRuns.succeedManyDetailed(org, run.run_id, running.slice(0, 3).map((before) => ({ before, result: result(before) })));
      expect(late.every((t) => !t.won && t.current?.status === 'SUCCEEDED')).toBe(true);
    });

    it('a batch some of whose transitions lost: the lost ones are answered from the check, the others sent again together; no transition goes alone', async () => {
      const org = newOrg();
      const run = (await stores.runs.create(newRun(org))).run;
      const created = await stores.taskRuns.createMany(org, run.run_id, tasks(4));
      // Another iteration started two of them meanwhile (overlapping loop iterations do).
      const other = await stores.taskRuns.startManyDetailed(org, run.run_id, created.slice(0, 2).map((before) => ({ before, executor: 'lambda' })));
      const { sent, counted } = countingTaskRuns();
      const starts = await counted.startManyDetailed(org, run.run_id, created.map((before) => ({ before, executor: 'lambda' })));
      expect(sent).toEqual(['TransactWriteItemsCommand', 'TransactWriteItemsCommand']);
      const stored = new Map((await stores.taskRuns.listForRun(org, run.run_id, { consistent: true })).map((t) => [t.task_name, t]));
      expect(starts.slice(0, 2)).toEqual(other.map((o) => ({ won: false, current: o.won ? o.taskRun : null })));
      expect(starts.slice(2)).toEqual(['task-002', 'task-003'].map((name) => ({ won: true, taskRun: stored.get(name) })));
      // A claim batch the same way: the lost claim costs nothing more.
      sent.length = 0;
      expect(await stores.taskRuns.claimAttempt(org, run.run_id, 'task-000', 1)).toBe(true);
      const claims = await counted.claimManyDetailed(org, run.run_id, [stored.get('task-000')!, stored.get('task-001')!]);
      expect(claims).toEqual([null, stored.get('task-001')]);
      expect(sent).toEqual(['TransactWriteItemsCommand', 'UpdateItemCommand']);
    });

    it('claims many attempts in one transaction (the records it returns are those stored, but for the claim); a claim taken meanwhile makes each go alone; late claims all lose', async () => {
      const org = newOrg();
      const run = (await stores.runs.create(newRun(org))).run;
      const created = await stores.taskRuns.createMany(org, run.run_id, tasks(4));
      const starts = await stores.taskRuns.startManyDetailed(org, run.run_id, created.map((before) => ({ before, executor: 'lambda' })));
      const running = starts.map((s) => (s.won ? s.taskRun : null)).filter((t): t is TaskRunRecord => t !== null);
      const claimed = await stores.taskRuns.claimManyDetailed(org, run.run_id, running.slice(0, 2));
      const stored = new Map((await stores.taskRuns.listForRun(org, run.run_id, { consistent: true })).map((t) => [t.task_name, t]));
      expect(claimed).toEqual([stored.get('task-000'), stored.get('task-001')]);
      // The same claims again (a duplicate delivery of the batch) all lose, and change nothing.
      expect(await stores.taskRuns.claimManyDetailed(org, run.run_id, running.slice(0, 2))).toEqual([null, null]);
      // task-003's single delivery claimed it first: the transaction fails, task-002 still wins alone.
      expect(await stores.taskRuns.claimAttempt(org, run.run_id, 'task-003', 1)).toBe(true);
      const mixed = await stores.taskRuns.claimManyDetailed(org, run.run_id, running.slice(2));
      expect(mixed[0]).toMatchObject({ task_name: 'task-002', status: 'RUNNING', attempt: 1 });
      expect(mixed[1]).toBeNull();
      // A stale attempt (retried meanwhile) is not claimed.
      const stale = await stores.taskRuns.claimManyDetailed(org, run.run_id, [{ ...running[0]!, attempt: 2 }, { ...running[1]!, attempt: 2 }]);
      expect(stale).toEqual([null, null]);
      expect((await stores.taskRuns.listForRun(org, run.run_id, { consistent: true })).map((t) => t.updated_at)).toEqual([...stored.values()].map((t) => t.updated_at));
    });

    it("writes a chain's transitions in one transaction, only while the run is RUNNING: successes, starts (claims), and steps started and ended since the last write; a lost one ends the writes there", async () => {
      const org = newOrg();
      const run = (await stores.runs.create(newRun(org))).run;
      await stores.runs.transitionRun(org, run.run_id, ['QUEUED'], 'RUNNING');
      const created = await stores.taskRuns.createMany(org, run.run_id, tasks(6));
      const check = () => [stores.runs.runningCheck(org, run.run_id)];
      const result = (v: number) => ({ output_ref: `runs/x/${v}/output.json`, output_json: `{"v":${v}}`, log_text: `log ${v}` });
      const stored = async () => new Map((await stores.taskRuns.listForRun(org, run.run_id, { consistent: true })).map((t) => [t.task_name, t]));
      const at = (s: number) => new Date(Date.parse('2026-03-01T12:00:00.000Z') + s * 1000).toISOString();
      const first = await stores.taskRuns.startClaimedDetailed(org, run.run_id, 'task-000', { executor: 'lambda', attempt: 1 });
      if (!first.won) throw new Error('task-000 not started');

      // task-000 ended at 1 s, task-001 ran from 1 s to 2 s, task-002 started at 2 s: one write.
      const { sent, counted } = countingTaskRuns();
      const out = await counted.writeGrouped(
        org,
        run.run_id,
        [
          { before: first.taskRun, success: { ...result(0), at: at(1) } },
          { before: created[1]!, start: { executor: 'lambda', started_at: at(1) }, success: { ...result(1), at: at(2) } },
          { before: created[2]!, start: { executor: 'lambda', started_at: at(2) } },
        ],
        check(),
      );
      expect(sent).toEqual(['TransactWriteItemsCommand']);
      let now = await stored();
      expect(out).toEqual({ written: [[now.get('task-000')], [{ ...now.get('task-001'), status: 'RUNNING', previous_status: 'PENDING', completed_at: null, updated_at: at(1), output_ref: null, output_json: null, log_text: null }, now.get('task-001')], [now.get('task-002')]], complete: true });
      expect(now.get('task-001')).toMatchObject({ status: 'SUCCEEDED', previous_status: 'RUNNING', attempt: 1, started_at: at(1), completed_at: at(2), output_json: '{"v":1}' });
      expect(now.get('task-002')).toMatchObject({ status: 'RUNNING', attempt: 1, started_at: at(2), executor: 'lambda' });
      // The start is the attempt's claim: a duplicate delivery's claim of it loses.
      expect(await stores.taskRuns.claimAttempt(org, run.run_id, 'task-002', 1)).toBe(false);

      // task-004 is no longer PENDING (another writer started it): the writes before it go alone,
      // in order, and the chain learns that it must end there.
      await stores.taskRuns.startDetailed(org, run.run_id, 'task-004', { executor: 'lambda', attempt: 0 });
      const partly = await stores.taskRuns.writeGrouped(
        org,
        run.run_id,
        [
          { before: now.get('task-002')!, success: { ...result(2), at: at(3) } },
          { before: created[3]!, start: { executor: 'lambda', started_at: at(3) }, success: { ...result(3), at: at(4) } },
          { before: created[4]!, start: { executor: 'lambda', started_at: at(4) } },
        ],
        check(),
      );
      now = await stored();
      expect(partly.complete).toBe(false);
      expect(partly.written.map((records) => records.at(-1))).toEqual([now.get('task-002'), now.get('task-003')]);
      expect(now.get('task-003')).toMatchObject({ status: 'SUCCEEDED', started_at: at(3), completed_at: at(4) });

      // The run was cancelled: nothing is written.
      await stores.runs.transitionRun(org, run.run_id, ['RUNNING'], 'CANCELLED');
      const cancelled = await stores.taskRuns.writeGrouped(org, run.run_id, [{ before: now.get('task-004')!, success: { ...result(4), at: at(5) } }, { before: created[5]!, start: { executor: 'lambda', started_at: at(5) } }], check());
      expect(cancelled).toEqual({ written: [], complete: false });
      expect(await stored()).toEqual(now);
    });

    it('starts and ends an attempt reported already over in one write, alone or together; its price is that of the record it leaves', async () => {
      const org = newOrg();
      const run = (await stores.runs.create(newRun(org, { executor: 'ecs' }))).run;
      const created = await stores.taskRuns.createMany(org, run.run_id, tasks(4));
      const over = (before: TaskRunRecord) => ({
        before,
        executor: 'ecs',
        succeeded: { output_ref: `out/${before.task_name}`, output_json: '{"ok":true}', log_text: 'done', ...terminalPrice(stores.ledger, 'ecs', before) },
      });
      // task-003 is started meanwhile: the transaction is cancelled, each goes alone, and its
      // start-and-end loses while the others win.
      expect(await stores.taskRuns.start(org, run.run_id, 'task-003', { executor: 'ecs', attempt: 0 })).toBe(true);
      const done = await stores.taskRuns.startManyDetailed(org, run.run_id, [over(created[0]!), over(created[1]!), { before: created[2]!, executor: 'ecs' }, over(created[3]!)]);
      const stored = new Map((await stores.taskRuns.listForRun(org, run.run_id, { consistent: true })).map((t) => [t.task_name, t]));
      for (const name of ['task-000', 'task-001']) {
        const t = done.find((d) => d.won && d.taskRun.task_name === name);
        expect(t?.won && t.taskRun).toEqual(stored.get(name));
        expect(stored.get(name)).toMatchObject({ status: 'SUCCEEDED', previous_status: 'RUNNING', attempt: 1, executor: 'ecs', output_json: '{"ok":true}', log_text: 'done' });
        expect(stored.get(name)!.started_at).toEqual(stored.get(name)!.completed_at);
        expect(stored.get(name)!.cost).toEqual(taskRunCost(stored.get(name)!, 'ecs', stores.ledger.sizes, stores.ledger.region));
      }
      expect(done[2]!.won && done[2]!.taskRun).toMatchObject({ task_name: 'task-002', status: 'RUNNING', attempt: 1 });
      expect(done[3]).toMatchObject({ won: false, current: { task_name: 'task-003', status: 'RUNNING', attempt: 1 } });
      // Together, with every condition holding: one transaction, the same records.
      const more = await stores.taskRuns.createMany(org, run.run_id, [{ task_name: 'x-0' }, { task_name: 'x-1' }]);
      const together = await stores.taskRuns.startManyDetailed(org, run.run_id, more.map(over));
      for (const t of together) expect(t.won && t.taskRun).toEqual(await stores.taskRuns.get(org, run.run_id, t.won ? t.taskRun.task_name : '', { consistent: true }));
    });

    it('skips PENDING task runs only, and lets one of concurrent finishers win', async () => {
      const org = newOrg();
      const runId = uuidv7();
      await stores.taskRuns.createMany(org, runId, tasks(2));
      expect(await stores.taskRuns.skip(org, runId, 'task-000', { reason: 'upstream failed' })).toBe(true);
      expect((await stores.taskRuns.get(org, runId, 'task-000'))?.error_message).toBe('upstream failed');
      await stores.taskRuns.start(org, runId, 'task-001', { executor: 'lambda' });
      expect(await stores.taskRuns.skip(org, runId, 'task-001', { reason: 'x' })).toBe(false);
      const racers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          i % 2 === 0
            ? stores.taskRuns.succeed(org, runId, 'task-001', { output_ref: `ref-${i}` })
            : stores.taskRuns.fail(org, runId, 'task-001', { error_message: 'cancelled' }),
        ),
      );
      expect(racers.filter(Boolean)).toHaveLength(1);
      await expect(stores.taskRuns.transition(org, runId, 'task-001', ['SUCCEEDED'], 'RUNNING')).rejects.toThrow('not allowed');
    });
  });
});
