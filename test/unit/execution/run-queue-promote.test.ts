import type { RunAdmission } from '../../../lambdas/billing/admission';
import { RunQueue } from '../../../lambdas/execution/run-queue';
import type { RunRecord, RunRepository } from '../../../lambdas/execution/run-repository';

/*
 * Promotion reads the waiting runs from an index that may be behind. A run it lists may have been
 * started by another promoter since, and may even have ended and given its slot back: taking a
 * slot for it then would leak the slot (never released) and stall the queue. So each listed run
 * is read strongly before its slot is taken. (Slots and runs here are in-memory stand-ins: what is
 * under test is the promotion's order of steps, which a stale index read alone can expose.)
 */

const waiting = (id: string, over: Partial<RunRecord> = {}): RunRecord =>
  ({
    org_id: 'org-1',
    run_id: id,
    status: 'QUEUED',
    queued_reason: 'waiting for an execution slot: the plan allows 1 concurrent runs',
    external_id: null,
    deployment_name: null,
    created_at: `2026-11-30T00:00:0${id.slice(-1)}.000Z`,
    ...over,
  }) as RunRecord;

function queueWith(current: Map<string, RunRecord>, listed: RunRecord[], limit: number) {
  const leases = new Set<string>();
  const launched: string[] = [];
  const admission = {
    releaseSlot: async (_org: string, runId: string) => (leases.delete(runId) ? limit : null),
    concurrencyLimit: async () => limit,
    acquireSlot: async (_org: string, runId: string) => {
      if (leases.has(runId)) return 'held';
      if (leases.size >= limit) return 'org_full';
      leases.add(runId);
      return 'acquired';
    },
  } as unknown as RunAdmission;
  const runs = {
    listQueuedOldestFirst: async () => listed,
    get: async (_org: string, runId: string) => current.get(runId) ?? null,
  } as unknown as RunRepository;
  const queue = new RunQueue({
    runs,
    admission,
    deployments: { get: async () => null },
    launch: async (run) => {
      launched.push(run.run_id);
      return { ...run, external_id: `arn:${run.run_id}` };
    },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never,
  });
  return { queue, leases, launched };
}

test('a listed run that meanwhile started (and ended) is passed over: the free slot goes to the next waiting run', async () => {
  // The index still shows run-1 waiting; it was promoted by another releaser, ran and ended.
  const current = new Map([
    ['run-1', waiting('run-1', { status: 'SUCCEEDED', external_id: 'arn:run-1' })],
    ['run-2', waiting('run-2')],
  ]);
  const { queue, leases, launched } = queueWith(current, [waiting('run-1'), waiting('run-2')], 1);
  const started = await queue.promote('org-1', { limit: 1 });
  expect(started.map((r) => r.run_id)).toEqual(['run-2']);
  expect(launched).toEqual(['run-2']);
  // No slot was taken for the ended run.
  expect([...leases]).toEqual(['run-2']);
});

test('a listed run another promoter already launched is not launched again', async () => {
  const current = new Map([['run-1', waiting('run-1', { external_id: 'arn:run-1' })]]);
  const { queue, leases, launched } = queueWith(current, [waiting('run-1')], 2);
  expect(await queue.promote('org-1', { limit: 2 })).toEqual([]);
  expect(launched).toEqual([]);
  expect(leases.size).toBe(0);
});

test('a slot another promoter holds is left to it; a run started and ended between the read and the slot gives the new slot back', async () => {
  // run-1: listed as waiting, but launched, run and ended (its slot given back) before this
  // promoter's slot for it was taken: the strong read after the slot shows it, and the slot is
  // released.
  const current = new Map<string, RunRecord>([
    ['run-1', waiting('run-1', { status: 'RUNNING', external_id: 'arn:run-1' })],
    ['run-2', waiting('run-2')],
    ['run-3', waiting('run-3')],
  ]);
  const { queue, leases, launched } = queueWith(current, [waiting('run-1'), waiting('run-2'), waiting('run-3')], 2);
  // run-2's slot is held by another promoter already (it starts run-2).
  leases.add('run-2');
  const started = await queue.promote('org-1', { limit: 2 });
  expect(started.map((r) => r.run_id)).toEqual(['run-3']);
  expect(launched).toEqual(['run-3']);
  expect([...leases].sort()).toEqual(['run-2', 'run-3']);
});

test("the caller's own fresh run is taken as given (the index may not show its mark yet)", async () => {
  const fresh = waiting('run-3');
  const { queue, launched } = queueWith(new Map([['run-3', fresh]]), [], 1);
  const started = await queue.promote('org-1', { limit: 1, fresh });
  expect(started.map((r) => r.run_id)).toEqual(['run-3']);
  expect(launched).toEqual(['run-3']);
});

test('a retried release (its slot already given back by the attempt before, whose promotion failed) still promotes the waiting runs', async () => {
  const current = new Map([['run-2', waiting('run-2')]]);
  const { queue, leases, launched } = queueWith(current, [waiting('run-2')], 1);
  // run-1 ended and gave its slot back; the promotion after it failed. The retry finds no slot to release.
  expect(leases.has('run-1')).toBe(false);
  const started = await queue.releaseAndPromote({ org_id: 'org-1', run_id: 'run-1' });
  expect(started.map((r) => r.run_id)).toEqual(['run-2']);
  expect(launched).toEqual(['run-2']);
});

test("the reconciler's promotion launches a run that holds its slot and has not moved since its threshold; a fresher one is left to its promoter", async () => {
  const stale = waiting('run-1', { updated_at: '2026-11-30T00:00:00.000Z' });
  const fresh = waiting('run-2', { updated_at: '2026-11-30T00:05:00.000Z' });
  const { queue, leases, launched } = queueWith(new Map([['run-1', stale], ['run-2', fresh]]), [stale, fresh], 3);
  leases.add('run-1');
  leases.add('run-2');
  // A release's promotion leaves both to their promoters.
  expect(await queue.promote('org-1', { limit: 3 })).toEqual([]);
  const started = await queue.promote('org-1', { limit: 3, launchHeldBefore: '2026-11-30T00:02:00.000Z' });
  expect(started.map((r) => r.run_id)).toEqual(['run-1']);
  expect(launched).toEqual(['run-1']);
  // Its slot is its own: kept, not taken twice.
  expect([...leases].sort()).toEqual(['run-1', 'run-2']);
});

test('a run the store throttles is not lost: the slot is taken on a later try', async () => {
  const current = new Map([['run-1', waiting('run-1')]]);
  const { queue, launched } = queueWith(current, [waiting('run-1')], 1);
  const admission = (queue as unknown as { deps: { admission: { acquireSlot: (...a: unknown[]) => Promise<string> } } }).deps.admission;
  const acquire = admission.acquireSlot.bind(admission);
  let refused = 0;
  admission.acquireSlot = async (...args: unknown[]) => {
    if (refused++ < 2) throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    return acquire(...args);
  };
  expect((await queue.promote('org-1', { limit: 1 })).map((r) => r.run_id)).toEqual(['run-1']);
  expect(refused).toBe(3);
  expect(launched).toEqual(['run-1']);
});
