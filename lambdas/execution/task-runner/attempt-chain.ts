import type { TaskRunRecord } from '../task-run-repository';
import type { RunnerServices } from './runner-services';
import { INLINE_INPUTS_MAX_BYTES, type ChainStep, type RunTaskEvent } from './runner-events';
import { RECORD_RESERVE_MS, runClaimedAttempt, type AttemptHost } from './attempt';

/** How the events of a runner that records many attempts go out (a batch's, a chain's). */
export const MANY_EVENTS = { batch: 10, lingerMs: 100, maxQueued: 100, inFlight: 2 } as const;

/**
 * Runs an attempt this runner claimed and, while it succeeds, the chain its event carries
 * (RunTaskEvent.then, planned by orchestrator/chain-plan.ts). Each step starts in the write that
 * records its upstream's success, checked against the run still RUNNING
 * (TaskRunRepository.succeedAndStart), and runs here as its own runner would have run it. The loop
 * is woken once, when the chain ends (an attempt failed or retries, a start lost, the chain's time
 * is up, no step is left), and told every task the chain changed: a step costs one write and its
 * code, not five round trips through the loop. Returns the attempts recorded, and the last.
 */
export async function runAttemptChain(
  s: RunnerServices,
  event: RunTaskEvent,
  claimed: TaskRunRecord | null,
  host: AttemptHost,
): Promise<{ recorded: number; last: TaskRunRecord | null }> {
  const began = s.clock.nowMs();
  const chain: RunTaskEvent[] = [];
  let current = event;
  let currentClaim = claimed;
  let recorded = 0;
  for (;;) {
    chain.push(current);
    const step = current.then?.[0];
    const held: { next?: { event: RunTaskEvent; started: TaskRunRecord } } = {};
    const last = await runClaimedAttempt(s, current, currentClaim, {
      ...host,
      succeed: async (e, before, opts) => {
        if (step === undefined || !stepFits(s, host, began, step, event.loop.heartbeat_seconds)) return host.succeed(e, before, opts);
        const { attempt: _attempt, ...result } = opts;
        const out = await s.taskRuns.succeedAndStart(e.org_id, e.run_id, { before, result }, { before: step.before, executor: 'lambda' }, [s.runs.runningCheck(e.org_id, e.run_id)]);
        if (out.succeeded.won && out.started !== null) held.next = { event: stepEvent(e, out.succeeded.taskRun, e.then!), started: out.started };
        return out.succeeded;
      },
      // The chain goes on: the loop hears of it when it ends.
      wake: (_events, taskRun) => (held.next !== undefined ? Promise.resolve() : host.wake(chain, taskRun)),
    });
    if (last !== null) recorded++;
    if (held.next === undefined) return { recorded, last };
    void host.events.push(held.next.started);
    current = held.next.event;
    currentClaim = held.next.started;
  }
}

/**
 * Whether a step still fits this runner: within half the loop's heartbeat since the chain began
 * (a heartbeat would otherwise find it midway), and its timeout within the invocation's time left.
 */
function stepFits(s: Pick<RunnerServices, 'clock'>, host: AttemptHost, began: number, step: ChainStep, heartbeatSeconds: number): boolean {
  if (host.signal?.aborted === true) return false;
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
