import { errorText } from '../../shared/errors';
import { retryThrottled } from '../../shared/dynamo/throttle-retry';
import { startedFrom, type GroupedWrite, type SucceedOptions, type TaskRunRecord } from '../task-run-repository';
import type { RunnerServices } from './runner-services';

/** How long transitions wait to be written together: below what anyone watching a run would notice. */
export const GROUP_LINGER_MS = 250;
/** The name of `lost`'s reason when a write's condition failed (not an error of the store). */
export const LOST_WRITE = 'GroupedWriteLost';
/** Task runs one write holds at most (a transaction takes 100 items, the run's check among them). */
const GROUP_WRITE_MAX = 50;

/**
 * Task-run starts and successes written in groups: a step-functions chain's (attempt-chain.ts) and
 * a whole-DAG run's (whole-dag.ts). A success and the next start wait up to GROUP_LINGER_MS and go
 * in one transaction with the run's check (TaskRunRepository.writeGrouped), so that short tasks one
 * after another write a few times a second, not twice each; an attempt that outlasts the wait is
 * shown RUNNING by the write the timer sends. Writes go in the order they were made.
 *
 * Why an attempt may run before its start is written: no other runner can start it meanwhile. A
 * whole-DAG run has one runner (it claimed the run); a chain's step would be started only by a loop
 * that saw its upstream SUCCEEDED, and that success is written only in the same transaction as the
 * step's start (or its start and end). A runner that dies loses the unwritten part, which runs
 * again: a chain's upstream is found lost at its deadline and retried; a whole-DAG run fails, and
 * its retry keeps only what was written.
 *
 * A write that loses (the run was cancelled, another writer moved a task run) ends the runner's
 * work: `lost` aborts (a chain's running step, a whole-DAG run), and nothing after it is written.
 */
export class GroupedWrites {
  private pending = new Map<string, GroupedWrite>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<boolean> = Promise.resolve(true);
  /** Successes this group writes and tells of (`${task_name}#${attempt}`). */
  private readonly ends = new Set<string>();
  /** Each task run as the last write left it. */
  private readonly stored = new Map<string, TaskRunRecord>();
  /**
   * Aborted when a write loses: its reason named LOST_WRITE when a condition failed (the run was
   * cancelled, a task run moved), else the store's error. Nothing after it is written.
   */
  readonly lost = new AbortController();
  /** Whether any transition went through this group (from then on, every one of the runner's does). */
  used = false;

  constructor(
    private readonly s: Pick<RunnerServices, 'taskRuns' | 'runs' | 'logger'>,
    private readonly orgId: string,
    private readonly runId: string,
    /** Where the records of what was written go (their events). */
    private readonly tell: (records: TaskRunRecord[]) => void,
  ) {}

  /** Starts `before` (PENDING as stored) at `at`: its RUNNING record, as it will be written. */
  start(before: TaskRunRecord, executor: string, at: string): TaskRunRecord {
    this.pending.set(before.task_name, { before, start: { executor, started_at: at } });
    this.arm();
    return startedFrom(before, executor, at);
  }

  /** Records the success of `claimed`'s attempt (RUNNING, as stored or as this group's start left it) at `at`. */
  succeed(claimed: TaskRunRecord, result: Omit<SucceedOptions, 'attempt'>, at: string): TaskRunRecord {
    const started = this.pending.get(claimed.task_name);
    const success = { ...result, at };
    this.pending.set(claimed.task_name, started?.start !== undefined && started.success === undefined ? { ...started, success } : { before: claimed, success });
    this.ends.add(`${claimed.task_name}#${claimed.attempt}`);
    this.arm();
    return {
      ...claimed,
      status: 'SUCCEEDED',
      previous_status: 'RUNNING',
      output_ref: result.output_ref,
      output_json: result.output_json ?? null,
      log_text: result.log_text === undefined ? claimed.log_text : result.log_text,
      completed_at: at,
      updated_at: at,
    };
  }

  /** Whether this group tells of `record` (a success it writes): its runner then does not. */
  tells(record: TaskRunRecord): boolean {
    return record.status === 'SUCCEEDED' && this.ends.has(`${record.task_name}#${record.attempt}`);
  }

  /** The task run as this group's last write left it. */
  written(taskName: string): TaskRunRecord | undefined {
    return this.stored.get(taskName);
  }

  /** Writes what is pending, after the writes before it; false once a write lost (then nothing more is written). */
  flush(): Promise<boolean> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const writes = [...this.pending.values()];
    this.pending = new Map();
    this.writing = this.writing.then(async (ok) => {
      if (!ok) return false;
      if (writes.length === 0) return true;
      try {
        // Refused unapplied (a throttle): sent again, not the end of the runner's work.
        const out = await retryThrottled(() => this.s.taskRuns.writeGrouped(this.orgId, this.runId, writes, [this.s.runs.runningCheck(this.orgId, this.runId)]));
        const records = out.written.flat();
        for (const record of records) this.stored.set(record.task_name, record);
        this.tell(records);
        if (!out.complete) this.lost.abort(Object.assign(new Error('the run was cancelled, or a task run moved, while its tasks ran'), { name: LOST_WRITE }));
        return out.complete;
      } catch (error) {
        this.s.logger.error('could not write the grouped task-run transitions', { org_id: this.orgId, run_id: this.runId, error: errorText(error) });
        this.lost.abort(error);
        return false;
      }
    });
    return this.writing;
  }

  private arm(): void {
    this.used = true;
    if (this.pending.size >= GROUP_WRITE_MAX) {
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, GROUP_LINGER_MS);
  }
}
