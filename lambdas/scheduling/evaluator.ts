// The schedule evaluator (EventBridge, every minute). Per tick:
// 1. Query each `due` shard for next_run_epoch <= now + lookahead: only schedules that may fire
//    are read (the index is sparse: disabled schedules are not in it).
// 2. Claim each schedule with a conditional write on the next_run_epoch (and version) it read and
//    a lease, so two evaluators never fire the same slot; a crashed holder's lease expires and the
//    next tick fires the same slots again, which the run starter's idempotency key
//    (schedule_id, slot) turns into the runs already created.
// 3. Start one run per due slot (catch-up policy and the 100-per-tick bound from slots/dueSlots);
//    slots inside the lookahead start at their own second, not at the next tick.
// 4. Give the schedule back with its next slot, last_triggered_at, skips and errors; a schedule
//    with no slot left (one_time fired, past end_at) is disabled.
import { randomUUID } from 'node:crypto';
import { Semaphore, realSleep } from '../engine/async-primitives';
import { epochSeconds, isoNow, type Clock } from '../shared/clock';
import { DagyError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { DUE_SHARDS, type ScheduleProgress, type ScheduleRepository } from './schedule-repository';
import { timingOf, type ScheduleLease, type ScheduleRecord, type StoredSchedule } from './schedule-record';
import { isPermanentStartFailure, targetFields, type StartRun } from './run-trigger';
import { sleepUntil } from './sleep';
import { DEFAULT_MAX_PER_TICK, dueSlots, epochToUtcIso, type DueSlots } from './slots';

export interface EvaluatorOptions {
  /** Slots up to this far ahead are claimed now and started at their second (default 60 = the tick). */
  lookaheadSeconds: number;
  /** Runs per schedule per tick (catch-up `all` is bounded by it; the rest next tick). */
  maxPerTick: number;
  /** DynamoDB writes and run starts in flight at once. */
  concurrency: number;
  /** A lease outlives its horizon by this much before another evaluator may take over. */
  leaseGraceSeconds: number;
}

export const DEFAULT_EVALUATOR_OPTIONS: EvaluatorOptions = {
  lookaheadSeconds: 60,
  maxPerTick: DEFAULT_MAX_PER_TICK,
  concurrency: 32,
  leaseGraceSeconds: 120,
};

export type DeploymentState = 'ACTIVE' | 'PAUSED' | 'MISSING';

/** A slot not run because of its target's state, recorded for operators. */
export interface SkippedSlots {
  schedule: ScheduleRecord;
  slots: number[];
  reason: string;
}

export interface EvaluatorDeps {
  repo: ScheduleRepository;
  startRun: StartRun;
  deploymentState(orgId: string, deploymentName: string): Promise<DeploymentState>;
  /** Records skipped slots (AuditLog entry and a "Schedule Slot Skipped" event). */
  recordSkipped(skipped: SkippedSlots): Promise<void>;
  clock: Clock;
  logger: Logger;
}

export interface TickReport {
  now_epoch: number;
  horizon_epoch: number;
  /** Due-index Query requests and what they read (Count / ScannedCount summed over pages). */
  queries: number;
  items_read: number;
  items_scanned: number;
  claimed: number;
  /** Claims lost to another evaluator (or to a change since the read). */
  lost: number;
  runs_created: number;
  /** Slots whose run already existed (a retried slot). */
  runs_existing: number;
  slots_skipped: number;
  slots_failed: number;
  /** Per started run: ms between its slot and the start call (0 when the run started early). */
  start_delays_ms: number[];
}

function emptyReport(now: number, horizon: number): TickReport {
  return {
    now_epoch: now,
    horizon_epoch: horizon,
    queries: 0,
    items_read: 0,
    items_scanned: 0,
    claimed: 0,
    lost: 0,
    runs_created: 0,
    runs_existing: 0,
    slots_skipped: 0,
    slots_failed: 0,
    start_delays_ms: [],
  };
}

const CLAIM_ATTEMPTS = 4;
/** Between re-reads of a schedule another evaluator still holds (real time). */
const CONTENDED_BACKOFF_MS = 250;
export const SCHEDULER_ACTOR = 'scheduler';

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}


export class ScheduleEvaluator {
  private readonly options: EvaluatorOptions;
  private readonly writes: Semaphore;
  private readonly starts: Semaphore;

  constructor(
    private readonly deps: EvaluatorDeps,
    options: Partial<EvaluatorOptions> = {},
  ) {
    this.options = { ...DEFAULT_EVALUATOR_OPTIONS, ...options };
    this.writes = new Semaphore(this.options.concurrency);
    this.starts = new Semaphore(this.options.concurrency);
  }

  /**
   * One tick. `budgetMs` is how long this invocation may run (Lambda's remaining time): the
   * lookahead shrinks so that every claimed slot starts before the invocation ends.
   */
  async tick(budgetMs = Number.POSITIVE_INFINITY): Promise<TickReport> {
    const now = epochSeconds(this.deps.clock);
    const budgetSeconds = Math.floor((budgetMs - 20_000) / 1000);
    const lookahead = Math.max(0, Math.min(this.options.lookaheadSeconds, budgetSeconds));
    const horizon = now + lookahead;
    const report = emptyReport(now, horizon);
    const due = await this.readDue(horizon, report);
    await Promise.all(
      due.map((stored) =>
        this.process(stored, horizon, report).catch((error: unknown) => {
          // One schedule's failure never stops the others; its slot stays due for the next tick.
          report.slots_failed++;
          this.deps.logger.error('schedule evaluation failed', {
            org_id: stored.schedule.org_id,
            schedule_id: stored.schedule.schedule_id,
            error: errorMessage(error),
          });
        }),
      ),
    );
    this.deps.logger.info('schedule tick', { ...report, start_delays_ms: undefined, runs_started: report.start_delays_ms.length });
    return report;
  }

  /** Every due item of every shard (pages followed), read in parallel per shard. */
  private async readDue(horizon: number, report: TickReport): Promise<StoredSchedule[]> {
    const perShard = await Promise.all(
      DUE_SHARDS.map(async (shard) => {
        const items: StoredSchedule[] = [];
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.deps.repo.queryDue(shard, horizon, startKey);
          report.queries++;
          report.items_read += page.count;
          report.items_scanned += page.scannedCount;
          items.push(...page.items);
          startKey = page.lastKey;
        } while (startKey !== undefined);
        return items;
      }),
    );
    return perShard.flat();
  }

  private async withWrite<T>(fn: () => Promise<T>): Promise<T> {
    await this.writes.acquire();
    try {
      return await fn();
    } finally {
      this.writes.release();
    }
  }

  /** Claims the schedule (re-reading it when the claim is lost) and fires its due slots. */
  private async process(first: StoredSchedule, horizon: number, report: TickReport): Promise<void> {
    let current: StoredSchedule | undefined = first;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS && current !== undefined; attempt++) {
      const s: ScheduleRecord = current.schedule;
      if (!s.enabled || s.next_run_epoch === null) return;
      const now = epochSeconds(this.deps.clock);
      if (s.next_run_epoch > horizon) return;
      const due = dueSlots(timingOf(s), s.next_run_epoch, now, {
        maxPerTick: this.options.maxPerTick,
        lookaheadSeconds: Math.max(0, horizon - now),
      });
      // Nothing to fire and nothing to move (e.g. a stale index entry): leave it.
      if (due.fire.length === 0 && due.nextRunEpoch === s.next_run_epoch) return;
      const lease: ScheduleLease = {
        token: randomUUID(),
        expires_epoch: Math.max(horizon, now) + this.options.leaseGraceSeconds,
        horizon_epoch: horizon,
      };
      const outcome = await this.withWrite(() => this.deps.repo.claim(s, lease, now));
      if (outcome.claimed) {
        report.claimed++;
        await this.fire(outcome.stored.schedule, lease.token, due, report);
        return;
      }
      report.lost++;
      const seen = outcome.conflict;
      if (seen.missing) return;
      const held = seen.lease !== null && seen.lease.expires_epoch >= epochSeconds(this.deps.clock) ? seen.lease : null;
      // Held by an evaluator that fires everything up to our horizon: nothing left for us.
      if (held !== null && held.horizon_epoch >= horizon) return;
      if (held === null && (!seen.enabled || seen.next_run_epoch === null || seen.next_run_epoch > horizon)) return;
      if (held !== null) {
        // Held by the previous tick's evaluator (its window ends before ours): once it is done
        // with its window, take over the rest of ours.
        await sleepUntil(this.deps.clock, (held.horizon_epoch + 1) * 1000);
        await realSleep(CONTENDED_BACKOFF_MS);
      }
      // Changed since our read (edited, or moved by another evaluator but still due): read again.
      current = await this.withWrite(() => this.deps.repo.get(s.org_id, s.schedule_id));
    }
  }

  private async fire(s: ScheduleRecord, token: string, due: DueSlots, report: TickReport): Promise<void> {
    const progress: ScheduleProgress = {
      next_run_epoch: due.nextRunEpoch,
      next_run_at: due.nextRunEpoch === null ? null : epochToUtcIso(due.nextRunEpoch),
    };
    const fire = due.fire;
    if (fire.length > 0 && s.deployment_name !== null) {
      // Looked at when the first slot is due (a slot of the coming minute waits for it first).
      await sleepUntil(this.deps.clock, fire[0]! * 1000);
      const state = await this.deps.deploymentState(s.org_id, s.deployment_name);
      if (state !== 'ACTIVE') {
        const reason = state === 'PAUSED' ? 'deployment paused' : 'deployment not found';
        // Skipped, not queued: the slots pass; the schedule carries on with its next one.
        await this.deps.recordSkipped({ schedule: s, slots: fire, reason });
        report.slots_skipped += fire.length;
        Object.assign(progress, {
          last_skipped_at: isoNow(this.deps.clock),
          last_skipped_slot_at: epochToUtcIso(fire[fire.length - 1]!),
          last_skip_reason: reason,
        });
        await this.withWrite(() => this.deps.repo.release(s, token, progress));
        return;
      }
    }
    const failed: number[] = [];
    const started: number[] = [];
    const paused: number[] = [];
    // Refused by the plan (quota, past-due subscription, budget): skipped with the refusal as reason.
    const refused = new Map<string, number[]>();
    let lastError: string | undefined;
    await Promise.all(
      fire.map(async (slot) => {
        await sleepUntil(this.deps.clock, slot * 1000);
        await this.starts.acquire();
        try {
          report.start_delays_ms.push(Math.max(0, this.deps.clock.nowMs() - slot * 1000));
          const result = await this.deps.startRun({
            org_id: s.org_id,
            ...targetFields(s),
            parameters: s.parameters,
            idempotency_key: `schedule:${s.schedule_id}:${slot}`,
            trigger: { type: 'schedule', id: s.schedule_id, slot: epochToUtcIso(slot) },
            actor_email: `${SCHEDULER_ACTOR} (schedule ${s.schedule_id})`,
          });
          if (result.created) report.runs_created++;
          else report.runs_existing++;
          started.push(slot);
        } catch (error) {
          if (error instanceof DagyError && error.code === 'deployment_paused') {
            // Paused after we looked: skipped like any paused slot.
            paused.push(slot);
            return;
          }
          if (error instanceof DagyError && error.status === 402) {
            const reason = `${error.code}: ${error.message}`;
            refused.set(reason, [...(refused.get(reason) ?? []), slot]);
            return;
          }
          lastError = `slot ${epochToUtcIso(slot)}: ${errorMessage(error)}`;
          report.slots_failed++;
          // A permanent failure is recorded and the slot passes; any other leaves it due.
          if (!isPermanentStartFailure(error)) failed.push(slot);
          this.deps.logger.warn('scheduled run not started', {
            org_id: s.org_id,
            schedule_id: s.schedule_id,
            slot,
            permanent: isPermanentStartFailure(error),
            error: errorMessage(error),
          });
        } finally {
          this.starts.release();
        }
      }),
    );
    for (const [reason, slots] of refused) {
      slots.sort((a, b) => a - b);
      await this.deps.recordSkipped({ schedule: s, slots, reason });
      report.slots_skipped += slots.length;
      Object.assign(progress, {
        last_skipped_at: isoNow(this.deps.clock),
        last_skipped_slot_at: epochToUtcIso(slots[slots.length - 1]!),
        last_skip_reason: reason,
      });
    }
    if (paused.length > 0) {
      paused.sort((a, b) => a - b);
      await this.deps.recordSkipped({ schedule: s, slots: paused, reason: 'deployment paused' });
      report.slots_skipped += paused.length;
      Object.assign(progress, {
        last_skipped_at: isoNow(this.deps.clock),
        last_skipped_slot_at: epochToUtcIso(paused[paused.length - 1]!),
        last_skip_reason: 'deployment paused',
      });
    }
    if (failed.length > 0) {
      const retryFrom = Math.min(...failed);
      progress.next_run_epoch = retryFrom;
      progress.next_run_at = epochToUtcIso(retryFrom);
    }
    if (started.length > 0) {
      progress.last_triggered_at = isoNow(this.deps.clock);
      progress.last_slot_at = epochToUtcIso(Math.max(...started));
    }
    if (lastError !== undefined) {
      progress.last_error = lastError;
      progress.last_error_at = isoNow(this.deps.clock);
    }
    await this.withWrite(() => this.deps.repo.release(s, token, progress));
  }
}
