import { realSleep } from '../engine';
import type { Clock } from '../shared/clock';

/** Longest single timer while waiting: an injected test clock moved by hand is noticed this fast. */
const POLL_MS = 100;

/**
 * Resolves once `clock` reads `targetMs` or later. On the system clock the last timer ends at the
 * target (ms precision); a ManualClock is re-read every POLL_MS, so a test moves time by hand.
 */
export async function sleepUntil(clock: Clock, targetMs: number): Promise<void> {
  for (;;) {
    const remaining = targetMs - clock.nowMs();
    if (remaining <= 0) return;
    await realSleep(Math.min(remaining, POLL_MS));
  }
}
