import { isoNow } from '../../shared/clock';
import type { TaskRunRecord, TaskRunTransition } from '../task-run-repository';
import { RECORD_RESERVE_MS, runClaimedAttempt, type AttemptHost } from './attempt';
import { GroupedWrites } from './grouped-writes';
import type { EventBatcher } from './event-batcher';
import type { RunnerServices } from './runner-services';
import { INLINE_INPUTS_MAX_BYTES, type ChainStep, type RunTaskEvent } from './runner-events';

/** How the events of a runner that records many attempts go out (a batch's, a chain's). */
export const MANY_EVENTS = { batch: 10, lingerMs: 100, maxQueued: 100, inFlight: 2 } as const;

/**
 * Runs an attempt this runner claimed and, while it succeeds, the chain its event carries
 * (RunTaskEvent.then, planned by orchestrator/chain-plan.ts), each step as its own runner would
 * have run it. A step's success and the next step's start are written together, grouped with the
 * steps after them for up to a moment (grouped-writes.ts): a chain of short steps costs a write
 * every few steps and each step's code, not five round trips through the loop. The loop is woken
 * once, when the chain ends (an attempt failed or retries, a write lost, the chain's time is up,
 * no step is left) and everything is written, and told every task the chain changed. An attempt
 * without a chain is recorded by the host as any other. Returns the attempts recorded, and the last.
 */
export async function runAttemptChain(
  s: RunnerServices,
  event: RunTaskEvent,
  claimed: TaskRunRecord | null,
  host: AttemptHost,
): Promise<{ recorded: number; last: TaskRunRecord | null }> {
  if (event.then === undefined) {
    // No chain: the attempt alone, recorded and told by its host as any other.
    const last = await runClaimedAttempt(s, event, claimed, host);
    return { recorded: last === null ? 0 : 1, last };
  }
  const began = s.clock.nowMs();
  const chain: RunTaskEvent[] = [];
  const writes = new GroupedWrites(s, event.org_id, event.run_id, (records) => {
    for (const record of records) void host.events.push(record);
  });
  const signal = host.signal === undefined ? writes.lost.signal : AbortSignal.any([host.signal, writes.lost.signal]);
  // The successes the group writes are told by it, once written.
  const events: EventBatcher<TaskRunRecord> = { push: (record) => (writes.tells(record) ? Promise.resolve() : host.events.push(record)), flush: () => host.events.flush() };
  let current = event;
  let currentClaim = claimed;
  let recorded = 0;
  try {
    for (;;) {
      chain.push(current);
      const step = current.then?.[0];
      const held: { next?: { event: RunTaskEvent; started: TaskRunRecord } } = {};
      const last = await runClaimedAttempt(s, current, currentClaim, {
        ...host,
        signal,
        events,
        succeed: async (e, before, opts): Promise<TaskRunTransition> => {
          const { attempt: _attempt, ...result } = opts;
          const at = isoNow(s.clock);
          if (step !== undefined && !signal.aborted && stepFits(s, host, began, step, event.loop.heartbeat_seconds)) {
            const succeeded = writes.succeed(before, result, at);
            held.next = { event: stepEvent(e, succeeded, e.then!), started: writes.start(step.before, 'lambda', at) };
            return { won: true, taskRun: succeeded };
          }
          if (!writes.used) return host.succeed(e, before, opts);
          // The chain ends here: this success goes with what is still unwritten.
          writes.succeed(before, result, at);
          const written = (await writes.flush()) ? writes.written(e.task_name) : undefined;
          return written === undefined ? { won: false, current: null } : { won: true, taskRun: written };
        },
        // A failure or retry is written from the attempt's start: the chain's writes go first.
        beforeFailure: async () => {
          await writes.flush();
        },
        // The chain goes on: the loop hears of it when it ends.
        wake: (_events, taskRun) => (held.next !== undefined ? Promise.resolve() : host.wake(chain, taskRun)),
      });
      if (last !== null) recorded++;
      if (held.next === undefined) return { recorded, last };
      current = held.next.event;
      currentClaim = held.next.started;
    }
  } finally {
    await writes.flush();
  }
}

/**
 * Whether a step still fits this runner: within half the loop's heartbeat since the chain began
 * (a heartbeat would otherwise find it midway), and its timeout within the invocation's time left.
 */
function stepFits(s: Pick<RunnerServices, 'clock'>, host: AttemptHost, began: number, step: ChainStep, heartbeatSeconds: number): boolean {
  if (s.clock.nowMs() - began >= (heartbeatSeconds * 1000) / 2) return false;
  const remaining = host.remainingMs?.();
  return remaining === undefined || remaining - RECORD_RESERVE_MS >= step.task.timeout_seconds * 1000;
}

/** The event of a chain's next step, given its upstream's recorded success (whose output it adds). */
export function stepEvent(previous: RunTaskEvent, upstream: TaskRunRecord, then: readonly ChainStep[]): RunTaskEvent {
  const [step, ...rest] = then;
  if (step === undefined) throw new Error('a chain step needs a step');
  const inputs = { ...step.inputs };
  const inline = { ...(step.inline_inputs ?? {}) };
  if (upstream.output_ref !== null) {
    inputs[upstream.task_name] = upstream.output_ref;
    const used = Object.values(inline).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    if (upstream.output_json !== null && used + Buffer.byteLength(upstream.output_json) <= INLINE_INPUTS_MAX_BYTES) inline[upstream.task_name] = upstream.output_json;
  }
  return {
    action: 'run-task',
    org_id: previous.org_id,
    run_id: previous.run_id,
    task_name: step.task.name,
    attempt: step.before.attempt + 1,
    executor: 'lambda',
    task: step.task,
    artifact: previous.artifact,
    run: previous.run,
    parameters: step.parameters,
    inputs,
    ...(Object.keys(inline).length > 0 ? { inline_inputs: inline } : {}),
    loop: previous.loop,
    ...(rest.length > 0 ? { then: rest } : {}),
  };
}
