import * as z from 'zod';
import { COST_COMPONENTS } from '../usage/cost-model';
import { RUN_STATUSES, TASK_STATUSES } from '../engine';
import type { OperationSchemas } from '../shared/http/operation-schemas';
import { resourceName } from '../flows/resource-names';
import { RUN_EXECUTORS, RUN_TRIGGER_TYPES } from './run-repository';

/** Largest run parameters object, as JSON (runs and their audit records hold a copy). */
export const MAX_RUN_PARAMETERS_BYTES = 64 * 1024;

const parametersSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_RUN_PARAMETERS_BYTES, `must be at most ${MAX_RUN_PARAMETERS_BYTES} bytes as JSON`);

export const startRunBody = z
  .strictObject({
    deployment_name: resourceName().optional(),
    flow_name: resourceName().optional(),
    flow_version: resourceName().optional(),
    parameters: parametersSchema.optional(),
    executor: z.enum(RUN_EXECUTORS).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.deployment_name !== undefined) {
      for (const field of ['flow_name', 'flow_version'] as const) {
        if (body[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'give either deployment_name or flow_name and flow_version' });
      }
      return;
    }
    for (const field of ['flow_name', 'flow_version'] as const) {
      if (body[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'required (or give deployment_name)' });
    }
  });

export const retryRunBody = z.strictObject({
  /** Merged over the original run's parameters. */
  parameters: parametersSchema.optional(),
  executor: z.enum(RUN_EXECUTORS).optional(),
});

const pageFields = {
  limit: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().max(2048).optional(),
};

export const listRunsQuery = z.strictObject({
  status: z.enum(RUN_STATUSES).optional(),
  flow_name: resourceName().optional(),
  deployment_name: resourceName().optional(),
  ...pageFields,
});

export const pageQuery = z.strictObject(pageFields);

/** Idempotency-Key header: printable ASCII, at most 255 characters. */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be 1-255 printable ASCII characters without spaces');

const nullableString = z.string().nullable();

/** A modelled AWS cost (usage/cost-model.ts): total and by component (quantity and USD). */
const costLine = z.object({ quantity: z.number(), usd: z.number() });
const costComponents = z.partialRecord(z.enum(COST_COMPONENTS), costLine);
const costView = z.object({
  total_usd: z.number(),
  price_region: z.string(),
  prices_as_of: z.string(),
  components: costComponents,
});
/** A run's cost: its task runs' costs plus its run-level items (orchestration, host, events). */
const runCostView = costView.extend({
  task_runs_usd: z.number(),
  run_level: z.object({ total_usd: z.number(), components: costComponents }),
});

export const taskRunView = z.object({
  task_run_id: z.string(),
  run_id: z.string(),
  task_name: z.string(),
  status: z.enum(TASK_STATUSES),
  attempt: z.number(),
  executor: nullableString,
  started_at: nullableString,
  completed_at: nullableString,
  error_message: nullableString,
  output_ref: nullableString,
  not_before: nullableString,
  reused_from_run_id: nullableString,
  /** Recorded when the run ends; null before. */
  cost: costView.nullable(),
});

export const runView = z.object({
  run_id: z.string(),
  run_slug: z.string(),
  org_id: z.string(),
  flow_name: z.string(),
  flow_version: z.string(),
  deployment_name: nullableString,
  status: z.enum(RUN_STATUSES),
  parameters: z.record(z.string(), z.unknown()),
  executor: z.enum(RUN_EXECUTORS),
  external_id: nullableString,
  trigger: z.object({ type: z.enum(RUN_TRIGGER_TYPES), id: nullableString, slot: nullableString }),
  retry_of: nullableString,
  error_message: nullableString,
  /** Why the run waited QUEUED for an execution slot (plan or deployment concurrency limit); null if it never waited. */
  queued_reason: nullableString,
  created_at: z.string(),
  started_at: nullableString,
  completed_at: nullableString,
  updated_at: z.string(),
  /** The run's modelled AWS cost, recorded when it ends; null before. */
  cost: runCostView.nullable(),
});

export const runDetailView = runView.extend({
  task_runs: z.array(taskRunView),
  /** The flow's outputs once the run has finished; null before. */
  outputs: z.record(z.string(), z.unknown()).nullable(),
});

const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_cursor: nullableString });

export const taskRunLogsView = z.object({
  task_run_id: z.string(),
  task_name: z.string(),
  attempt: z.number(),
  /** The log text (its last 1 MiB when longer: see truncated). */
  content: z.string(),
  truncated: z.boolean(),
});

export const cancelRunView = runView.extend({ task_runs: z.array(taskRunView) });

/** Validation schemas of the execution domain's operations (also the OpenAPI source). */
export const EXECUTION_SCHEMAS: OperationSchemas = {
  startRun: { body: startRunBody, response: { status: 202, body: runView } },
  listRuns: { query: listRunsQuery, response: { status: 200, body: page(runView) } },
  getRun: { response: { status: 200, body: runDetailView } },
  listTaskRuns: { query: pageQuery, response: { status: 200, body: page(taskRunView) } },
  getTaskRunLogs: { response: { status: 200, body: taskRunLogsView } },
  cancelRun: { response: { status: 200, body: cancelRunView } },
  retryRun: { body: retryRunBody, response: { status: 202, body: runView } },
};
