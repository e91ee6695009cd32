/**
 * Where a run's objects live in the artifacts bucket. The task runner (part A) writes them and
 * the runs API reads them, both through these helpers, so the keys cannot drift apart.
 *
 *   runs/<org_id>/<run_id>/<task_name>/output.json   the task's JSON output; TaskRun.output_ref is this key
 *   runs/<org_id>/<run_id>/<task_name>/logs.txt      the task's log text (all attempts, appended per attempt)
 *
 * Every key starts with the org id, like every DynamoDB key, so a prefix policy can isolate tenants.
 */

import { ECS_ORDERS_PREFIX, RUN_OBJECTS_PREFIX } from '../catalogue/environment';

export { RUN_OBJECTS_PREFIX };

function segment(value: string, what: string): string {
  if (value === '' || value.includes('/')) throw new Error(`invalid ${what} for an object key: ${JSON.stringify(value)}`);
  return value;
}

/** Prefix of every object of one run (ends with '/'). */
export function runPrefix(orgId: string, runId: string): string {
  return `${RUN_OBJECTS_PREFIX}/${segment(orgId, 'org_id')}/${segment(runId, 'run_id')}/`;
}

/** Key of a task's output object; the TaskRun's output_ref is exactly this key. */
export function outputKey(orgId: string, runId: string, taskName: string): string {
  return `${runPrefix(orgId, runId)}${segment(taskName, 'task_name')}/output.json`;
}

/** The org, run and task an output key names (null for any other key). */
export function parseOutputKey(key: string): { orgId: string; runId: string; taskName: string } | null {
  const m = /^([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)\/output\.json$/.exec(key);
  return m === null || m[1] !== RUN_OBJECTS_PREFIX ? null : { orgId: m[2]!, runId: m[3]!, taskName: m[4]! };
}

/** Key of a task's log object. */
export function logKey(orgId: string, runId: string, taskName: string): string {
  return `${runPrefix(orgId, runId)}${segment(taskName, 'task_name')}/logs.txt`;
}

/**
 * True when an output_ref belongs to the organization (a retried run keeps the output_ref of the
 * original run's task, so the run id in the key may differ from the reading run's).
 */
export function isOrgObjectKey(orgId: string, key: string): boolean {
  return key.startsWith(`${RUN_OBJECTS_PREFIX}/${orgId}/`);
}

/**
 * Objects exchanged with an ECS runner container, which holds no credential: per slot (the whole
 * run, or one attempt of one task) the work order it reads and the result it writes, and per run
 * the cancel marker it polls; all through URLs the trusted side presigns.
 */
function ecsSlotPrefix(orgId: string, runId: string, slot: string): string {
  return `${ECS_ORDERS_PREFIX}/${segment(orgId, 'org_id')}/${segment(runId, 'run_id')}/${segment(slot, 'slot')}/`;
}

export function ecsOrderKey(orgId: string, runId: string, slot: string): string {
  return `${ecsSlotPrefix(orgId, runId, slot)}order.json`;
}

export function ecsResultKey(orgId: string, runId: string, slot: string): string {
  return `${ecsSlotPrefix(orgId, runId, slot)}result.json`;
}

export function ecsCancelKey(orgId: string, runId: string): string {
  return `${ECS_ORDERS_PREFIX}/${segment(orgId, 'org_id')}/${segment(runId, 'run_id')}/cancelled`;
}
