// How schedules and sensors start runs: through the execution domain's run starter, which
// validates the parameters against the flow, creates the run idempotently (same key → same run)
// and starts it. Schedules and sensors only see this port.
import type { JsonObject } from '../engine';
import { DagyError } from '../shared/errors';

export interface TriggerRunRequest {
  org_id: string;
  /** A deployment target (its flow version and default parameters apply)... */
  deployment_name?: string;
  /** ...or a flow version. */
  flow_name?: string;
  flow_version?: string;
  parameters: JsonObject;
  /** Same key, same run: (schedule, slot), the S3 object version, the webhook delivery. */
  idempotency_key: string;
  trigger: { type: 'schedule' | 'sensor'; id: string; slot?: string };
  actor_email: string;
  /** Record the run's creation in the AuditLog (with the caller's IP), e.g. for a webhook call. */
  audit?: { ip_address: string };
}

export interface TriggeredRun {
  run: { run_id: string; run_slug: string; status: string };
  /** False when the key had already created this run (a retry or a duplicate event). */
  created: boolean;
}

export type StartRun = (request: TriggerRunRequest) => Promise<TriggeredRun>;

/** The target fields of a run request, from a schedule's or sensor's target. */
export function targetFields(t: { deployment_name: string | null; flow_name: string; flow_version: string | null }): Pick<TriggerRunRequest, 'deployment_name' | 'flow_name' | 'flow_version'> {
  return t.deployment_name !== null ? { deployment_name: t.deployment_name } : { flow_name: t.flow_name, flow_version: t.flow_version ?? '' };
}

/** The port over the execution domain's run starter (what every schedule and sensor run goes through). */
export function startRunWith(starter: { start(request: TriggerRunRequest): Promise<TriggeredRun> }): StartRun {
  return (request) => starter.start(request);
}

/**
 * A run start that would fail the same way again (parameters the flow refuses, a missing or
 * inactive flow version, a paused deployment) is recorded and not retried; throttling, a
 * concurrent-change clash or any 5xx/unknown error is retried (the idempotency key makes the
 * retry safe).
 */
export function isPermanentStartFailure(error: unknown): boolean {
  return error instanceof DagyError && error.status >= 400 && error.status < 500 && error.status !== 429 && error.code !== 'concurrent_change';
}
