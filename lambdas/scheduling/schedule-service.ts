// The schedules API's rules: validation (400 with every field path, nothing written), targets in
// the caller's organization, the first slot, optimistic concurrency, one AuditLog record written
// in the same transaction as each change.
import type { PlanLimitCheck } from '../billing/plan-limit-check';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { findNonJson, type JsonObject } from '../engine';
import { auditTransactPut } from '../shared/audit/audit-log';
import { epochSeconds, isoNow, type Clock } from '../shared/clock';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError, type ErrorDetail } from '../shared/errors';
import type { Page, PageRequest } from '../shared/http/pagination';
import { zodIssues } from '../shared/http/validation';
import { shortId } from '../shared/ids';
import { transact, withRetries, ConcurrentChangeError } from '../shared/dynamo/transact';
import type { ScheduleRecord } from './schedule-record';
import { checkRunParameters } from '../execution/run-parameters';
import { resolveTarget, targetShapeIssues, type ResolvedTarget, type RunTarget, type ScheduleTargets } from './target-rules';
import { scheduleView, timingOf } from './schedule-record';
import type { ScheduleRepository } from './schedule-repository';
import { initialSlot, neverFiresIssues } from './schedule-timing';
import { createScheduleBody, updateScheduleBody, type CreateScheduleInput, type UpdateScheduleInput } from './schemas';
import { DEFAULT_TIMEZONE, previewSlots, scheduleTimingIssues, type ScheduleTiming, type ScheduleTimingInput, type SlotPreview } from './slots';

/** Who makes a change (the organization comes from the principal, never from the body). */
export interface ScheduleActor {
  org_id: string;
  actor_email: string;
  ip_address: string;
}

export type { ScheduleTargets } from './target-rules';

export interface ScheduleServiceDeps {
  repo: ScheduleRepository;
  ddb: DynamoDBDocumentClient;
  auditTable: string;
  targets: ScheduleTargets;
  clock: Clock;
  /** The plan's schedule limit (402 plan_limit_exceeded on create beyond it). */
  planLimits: PlanLimitCheck;
}


const MODE_FIELDS = { cron_expression: 'cron', interval_seconds: 'interval' } as const;

/** Issues of a body against its schema, plus the timing's meaning (all reported together). */
function bodyIssues<T extends z.ZodType>(schema: T, body: unknown, timing: ScheduleTimingInput | null): { data: z.output<T> | null; issues: ErrorDetail[] } {
  const parsed = schema.safeParse(body ?? {});
  const issues = parsed.success ? [] : zodIssues(parsed.error);
  if (timing !== null) {
    const reported = new Set(issues.map((i) => i.path));
    for (const issue of scheduleTimingIssues(timing)) if (!reported.has(issue.path)) issues.push(issue);
  }
  return { data: parsed.success ? parsed.data : null, issues };
}

function parametersIssues(parameters: unknown): ErrorDetail[] {
  if (parameters === undefined) return [];
  const bad = findNonJson(parameters);
  return bad === null ? [] : [{ path: ['parameters', ...bad.path].join('.'), message: bad.message }];
}

/** A field of another mode than the schedule's, set in the request: refused rather than ignored. */
function modeFieldIssues(body: Record<string, unknown>, mode: unknown): ErrorDetail[] {
  const issues: ErrorDetail[] = [];
  for (const [field, owner] of Object.entries(MODE_FIELDS)) {
    if (body[field] !== undefined && body[field] !== null && mode !== owner) {
      issues.push({ path: field, message: `applies only to ${owner} schedules` });
    }
  }
  return issues;
}

function asObject(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

export class ScheduleService {
  constructor(private readonly deps: ScheduleServiceDeps) {}

  async create(actor: ScheduleActor, body: unknown): Promise<ScheduleRecord> {
    const raw = asObject(body);
    const { data, issues } = bodyIssues(createScheduleBody, body, raw);
    issues.push(...modeFieldIssues(raw, raw.mode), ...parametersIssues(raw.parameters));
    issues.push(...targetShapeIssues(raw));
    if (issues.length > 0 || data === null) throw new ValidationError(issues);
    const input: CreateScheduleInput = data;
    const resolved = await resolveTarget(this.deps.targets, actor.org_id, input);
    checkScheduleParameters(resolved, (input.parameters ?? {}) as JsonObject);
    const target = resolved.target;
    const now = this.deps.clock.nowMs();
    const timing: ScheduleTiming = {
      mode: input.mode,
      cron_expression: input.mode === 'cron' ? (input.cron_expression ?? null) : null,
      interval_seconds: input.mode === 'interval' ? (input.interval_seconds ?? null) : null,
      timezone: input.timezone ?? DEFAULT_TIMEZONE,
      catchup_policy: input.catchup_policy ?? 'none',
      start_at: input.start_at ?? null,
      end_at: input.end_at ?? null,
    };
    const enabled = input.enabled ?? true;
    const slot = initialSlot(timing, Math.floor(now / 1000));
    if (enabled) {
      const never = neverFiresIssues(timing, slot);
      if (never.length > 0) throw new ValidationError(never);
    }
    const nowIso = new Date(now).toISOString();
    const schedule: ScheduleRecord = {
      org_id: actor.org_id,
      schedule_id: input.schedule_id ?? shortId('sch'),
      ...target,
      mode: timing.mode,
      enabled,
      cron_expression: timing.cron_expression ?? null,
      interval_seconds: timing.interval_seconds ?? null,
      timezone: timing.timezone ?? DEFAULT_TIMEZONE,
      catchup_policy: timing.catchup_policy ?? 'none',
      parameters: (input.parameters ?? {}) as JsonObject,
      start_at: timing.start_at ?? null,
      end_at: timing.end_at ?? null,
      ...slot,
      last_triggered_at: null,
      last_slot_at: null,
      last_skipped_at: null,
      last_skipped_slot_at: null,
      last_skip_reason: null,
      last_error: null,
      last_error_at: null,
      managed_by: null,
      created_at: nowIso,
      updated_at: nowIso,
      version: 1,
    };
    const audit = { ...actor, resource_type: 'schedule', resource_id: schedule.schedule_id, action: 'create', before: null, after: scheduleView(schedule) };
    // Within the plan's schedule cap, atomically with the schedule (402 plan_limit_exceeded, nothing written).
    await this.deps.planLimits.addWithin(actor.org_id, 'schedules', () => this.deps.repo.countForOrg(actor.org_id), (limitOps) =>
      transact(this.deps.ddb, [this.deps.repo.create(schedule), { item: auditTransactPut(this.deps.auditTable, audit, nowIso) }, ...limitOps]),
    );
    return schedule;
  }

  async get(orgId: string, scheduleId: string): Promise<ScheduleRecord> {
    const stored = await this.deps.repo.get(orgId, scheduleId);
    if (stored === undefined) throw new NotFoundError('schedule');
    return stored.schedule;
  }

  list(orgId: string, page: PageRequest): Promise<Page<ScheduleRecord>> {
    return this.deps.repo.list(orgId, page);
  }

  /**
   * Changes a schedule. `expectedVersion` (If-Match or body `version`) pins the version the
   * caller read (412 otherwise); without it a concurrent change is retried on a fresh read.
   */
  async update(actor: ScheduleActor, scheduleId: string, body: unknown, ifMatch: number | undefined): Promise<ScheduleRecord> {
    const raw = asObject(body);
    // Shape first (no read needed to reject a malformed body); meaning once the current is known.
    const shape = bodyIssues(updateScheduleBody, body, null);
    shape.issues.push(...parametersIssues(raw.parameters));
    if (shape.issues.length > 0 || shape.data === null) throw new ValidationError(shape.issues);
    const input: UpdateScheduleInput = shape.data;
    const pinned = input.version ?? ifMatch;
    if (input.version !== undefined && ifMatch !== undefined && input.version !== ifMatch) {
      throw new ValidationError([{ path: 'version', message: 'differs from the If-Match header' }]);
    }
    return withRetries(async () => {
      const current = await this.get(actor.org_id, scheduleId);
      if (current.managed_by === 'deployment') throw managedError(current);
      if (pinned !== undefined && pinned !== current.version) {
        throw new PreconditionFailedError(`the schedule is at version ${current.version}, not ${pinned}`);
      }
      const next = await this.applyUpdate(actor, current, input, raw);
      const nowIso = next.updated_at;
      await transact(this.deps.ddb, [
        this.deps.repo.replace(next, current.version, () =>
          pinned === undefined ? new ConcurrentChangeError() : new PreconditionFailedError(),
        ),
        { item: auditTransactPut(this.deps.auditTable, { ...actor, resource_type: 'schedule', resource_id: scheduleId, action: 'update', before: scheduleView(current), after: scheduleView(next) }, nowIso) },
      ]);
      return next;
    });
  }

  private async applyUpdate(actor: ScheduleActor, current: ScheduleRecord, input: UpdateScheduleInput, raw: Record<string, unknown>): Promise<ScheduleRecord> {
    const mode = input.mode ?? current.mode;
    const modeChanged = mode !== current.mode;
    // A field the request leaves out keeps its value; null clears it.
    const pick = <T>(given: T | undefined, stored: T): T => (given !== undefined ? given : stored);
    const timing: ScheduleTiming = {
      mode,
      cron_expression: mode === 'cron' ? pick(input.cron_expression, current.cron_expression) : null,
      interval_seconds: mode === 'interval' ? pick(input.interval_seconds, current.interval_seconds) : null,
      timezone: input.timezone ?? current.timezone,
      catchup_policy: input.catchup_policy ?? current.catchup_policy,
      start_at: pick(input.start_at, current.start_at),
      end_at: pick(input.end_at, current.end_at),
    };
    const issues = [...scheduleTimingIssues(timing), ...modeFieldIssues(raw, mode)];
    if (modeChanged && mode === 'one_time' && input.catchup_policy === undefined && current.catchup_policy === 'all') {
      // A schedule turned one_time keeps no catch-up policy it cannot have.
      timing.catchup_policy = 'none';
      issues.splice(0, issues.length, ...scheduleTimingIssues(timing), ...modeFieldIssues(raw, mode));
    }
    const targetChanged = input.deployment_name !== undefined || input.flow_name !== undefined || input.flow_version !== undefined;
    let target: RunTarget = { flow_name: current.flow_name, flow_version: current.flow_version, deployment_name: current.deployment_name };
    let resolved: ResolvedTarget | undefined;
    if (targetChanged) {
      const merged: Record<string, unknown> = {
        deployment_name: input.deployment_name !== undefined ? input.deployment_name : current.deployment_name,
        flow_name: input.flow_name !== undefined || input.deployment_name ? input.flow_name : current.flow_name,
        flow_version: input.flow_version !== undefined ? input.flow_version : input.deployment_name ? undefined : current.flow_version,
      };
      for (const k of Object.keys(merged)) if (merged[k] === null) merged[k] = undefined;
      issues.push(...targetShapeIssues(merged));
      if (issues.length > 0) throw new ValidationError(issues);
      resolved = await resolveTarget(this.deps.targets, actor.org_id, merged as Partial<Record<'deployment_name' | 'flow_name' | 'flow_version', string>>);
      target = resolved.target;
    }
    if (issues.length > 0) throw new ValidationError(issues);
    if (input.parameters !== undefined || targetChanged) {
      resolved ??= await resolveTarget(this.deps.targets, actor.org_id, {
        ...(target.deployment_name !== null ? { deployment_name: target.deployment_name } : { flow_name: target.flow_name, flow_version: target.flow_version ?? '' }),
      });
      checkScheduleParameters(resolved, (input.parameters ?? current.parameters) as JsonObject);
    }

    const enabled = input.enabled ?? current.enabled;
    const timingChanged =
      modeChanged ||
      timing.cron_expression !== current.cron_expression ||
      timing.interval_seconds !== current.interval_seconds ||
      timing.timezone !== current.timezone ||
      timing.start_at !== current.start_at ||
      timing.end_at !== current.end_at;
    const nowEpoch = epochSeconds(this.deps.clock);
    // A new timing, or a schedule switched back on, starts from now (no catch-up of the gap).
    let slot = { next_run_epoch: current.next_run_epoch, next_run_at: current.next_run_at };
    if (timingChanged || (enabled && !current.enabled)) slot = initialSlot(timing, nowEpoch);
    if (enabled && (timingChanged || !current.enabled)) {
      const never = neverFiresIssues(timing, slot);
      if (never.length > 0) throw new ValidationError(never);
    }
    return {
      ...current,
      ...target,
      mode,
      enabled,
      cron_expression: timing.cron_expression ?? null,
      interval_seconds: timing.interval_seconds ?? null,
      timezone: timing.timezone ?? DEFAULT_TIMEZONE,
      catchup_policy: timing.catchup_policy ?? 'none',
      start_at: timing.start_at ?? null,
      end_at: timing.end_at ?? null,
      parameters: (input.parameters ?? current.parameters) as JsonObject,
      ...slot,
      updated_at: isoNow(this.deps.clock),
      version: current.version + 1,
    };
  }

  async delete(actor: ScheduleActor, scheduleId: string, ifMatch: number | undefined): Promise<void> {
    const current = await this.get(actor.org_id, scheduleId);
    if (current.managed_by === 'deployment') throw managedError(current);
    if (ifMatch !== undefined && ifMatch !== current.version) {
      throw new PreconditionFailedError(`the schedule is at version ${current.version}, not ${ifMatch}`);
    }
    const nowIso = isoNow(this.deps.clock);
    await transact(this.deps.ddb, [
      this.deps.repo.delete(actor.org_id, scheduleId, ifMatch ?? current.version),
      { item: auditTransactPut(this.deps.auditTable, { ...actor, resource_type: 'schedule', resource_id: scheduleId, action: 'delete', before: scheduleView(current), after: null }, nowIso) },
    ]);
  }

  /** The next `count` fire times from now, in UTC and in the schedule's zone. */
  async preview(orgId: string, scheduleId: string, count: number): Promise<{ schedule_id: string; timezone: string; slots: SlotPreview[] }> {
    const schedule = await this.get(orgId, scheduleId);
    return { schedule_id: schedule.schedule_id, timezone: schedule.timezone, slots: previewSlots(timingOf(schedule), epochSeconds(this.deps.clock), count) };
  }
}

/**
 * A schedule's parameters are its runs' parameters (over a deployment's defaults): checked now
 * against the flow's schema, like a run's (400 with `parameters.<path>`), not first at a slot.
 */
function checkScheduleParameters(resolved: ResolvedTarget, parameters: JsonObject): void {
  checkRunParameters(resolved.parameters_schema, { ...resolved.base_parameters, ...parameters });
}

function managedError(s: ScheduleRecord): ConflictError {
  return new ConflictError(
    `schedule ${s.schedule_id} is kept in step with deployment ${s.deployment_name ?? ''}: change the deployment's schedule instead`,
    'managed_by_deployment',
  );
}
