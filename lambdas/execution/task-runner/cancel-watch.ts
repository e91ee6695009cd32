import type { RunnerServices } from './runner-services';

/** How often a runner checks whether its run is still RUNNING (cancelled or finished: stop). */
export const CANCEL_POLL_MS = 2000;

/**
 * Polls the run's status while work is under way and calls `onStop` once the run is no longer
 * RUNNING (the cancel route moved it). The first check happens after one interval, so short
 * attempts cost no read. Returns the function that ends the watch.
 */
export function watchRunStatus(
  s: Pick<RunnerServices, 'runs' | 'logger'>,
  orgId: string,
  runId: string,
  onStop: () => void,
  pollMs: number = CANCEL_POLL_MS,
): () => void {
  let stopped = false;
  const timer = setInterval(() => {
    s.runs
      .get(orgId, runId)
      .then((run) => {
        if (!stopped && run !== null && run.status !== 'RUNNING') {
          stopped = true;
          clearInterval(timer);
          onStop();
        }
      })
      .catch((error: unknown) => s.logger.warn('run status check failed', { org_id: orgId, run_id: runId, error: error instanceof Error ? error.message : String(error) }));
  }, pollMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
