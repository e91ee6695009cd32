/** Injectable time source: handlers never call Date.now() directly, so tests can move time. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export function isoNow(clock: Clock): string {
  return new Date(clock.nowMs()).toISOString();
}

export function epochSeconds(clock: Clock): number {
  return Math.floor(clock.nowMs() / 1000);
}

/** A clock tests set and advance by hand. */
export class ManualClock implements Clock {
  constructor(private current: number) {}
  nowMs(): number {
    return this.current;
  }
  set(ms: number | Date): void {
    this.current = typeof ms === 'number' ? ms : ms.getTime();
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
