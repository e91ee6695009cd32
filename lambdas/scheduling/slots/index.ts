// Pure schedule time math (no AWS): validation, slots, DST policy, catch-up. See next-slot.ts.
export { dueSlots, DEFAULT_MAX_PER_TICK } from './catchup';
export type { DueSlots, DueSlotsOptions } from './catchup';
export { compileSchedule, InvalidScheduleTimingError } from './compile-schedule';
export type { CompiledSchedule } from './compile-schedule';
export { epochToUtcIso, formatLocalIso, parseIsoTimestampMs } from './iso-timestamp';
export { lastSlotAtOrBefore, nextSlotAfter, previewSlots, slotsBetween } from './next-slot';
export type { SlotPreview } from './next-slot';
export {
  CATCHUP_POLICIES,
  DEFAULT_CATCHUP_POLICY,
  DEFAULT_TIMEZONE,
  MIN_INTERVAL_SECONDS,
  SCHEDULE_MODES,
} from './schedule-timing-types';
export type {
  CatchupPolicy,
  ScheduleMode,
  ScheduleTiming,
  ScheduleTimingInput,
  TimingIssue,
} from './schedule-timing-types';
export { isValidTimeZone, offsetSecondsAt } from './time-zone';
export { scheduleTimingIssues } from './validate-schedule-timing';
