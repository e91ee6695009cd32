import * as z from 'zod';
import type { OperationSchemas } from '../shared/http/operation-schemas';
import { CHANNEL_TYPES } from './channel-config';
import { DELIVERY_STATUSES } from './channel-record';
import { ALERT_CONDITIONS, STREAK_SCOPES } from './rule-record';

/** Validation schemas of the alerts domain's operations (also the OpenAPI source). */

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const name = () => z.string().regex(NAME, 'must be 1-128 characters of A-Z a-z 0-9 _ . -');
const ID = /^[A-Za-z0-9_.-]{1,128}$/;
const pageQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).optional(), cursor: z.string().max(2048).optional() }).strict();

/**
 * `config` is checked against its channel_type's schema by the service (errors at
 * `config.<field>`); here it only has to be an object.
 */
export const createChannelBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    channel_type: z.enum(CHANNEL_TYPES),
    config: z.record(z.string(), z.unknown()),
    enabled: z.boolean().optional(),
  })
  .strict();

export const updateChannelBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    /** Replaces the whole configuration (of the channel's own type); a webhook keeps its signing secret. */
    config: z.record(z.string(), z.unknown()).optional(),
    enabled: z.boolean().optional(),
    version: z.number().int().min(1).optional(),
  })
  .strict();

const filters = z
  .object({
    flow_name: name().optional(),
    deployment_name: name().optional(),
    environment: name().optional(),
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).optional(),
  })
  .strict();

const ruleFields = {
  name: z.string().trim().min(1).max(200),
  condition: z.enum(ALERT_CONDITIONS),
  /** run_duration_exceeded: alert for a run still RUNNING this long after it started. */
  sla_seconds: z.number().int().min(1).max(7 * 24 * 3600),
  /** consecutive_failures: alert on the Nth failure in a row (N ≥ 1). */
  threshold: z.number().int().min(1).max(100),
  /** consecutive_failures: count per flow (default) or per deployment. */
  scope: z.enum(STREAK_SCOPES),
  /** budget_threshold: alert once per period when its cost reaches this percent of the monthly budget. */
  threshold_percent: z.number().min(1).max(100),
  filters,
  channel_ids: z.array(z.string().regex(ID, 'not a channel id')).min(1).max(10),
  /** At most one alert per rule per this many minutes (0: every match alerts). */
  throttle_minutes: z.number().int().min(0).max(7 * 24 * 60),
  enabled: z.boolean(),
};

export const createRuleBody = z
  .object({
    ...ruleFields,
    sla_seconds: ruleFields.sla_seconds.optional(),
    threshold: ruleFields.threshold.optional(),
    scope: ruleFields.scope.optional(),
    threshold_percent: ruleFields.threshold_percent.optional(),
    filters: filters.optional(),
    throttle_minutes: ruleFields.throttle_minutes.optional(),
    enabled: ruleFields.enabled.optional(),
  })
  .strict();
export type CreateRuleInput = z.output<typeof createRuleBody>;

export const updateRuleBody = z
  .object({
    name: ruleFields.name.optional(),
    sla_seconds: ruleFields.sla_seconds.optional(),
    threshold: ruleFields.threshold.optional(),
    scope: ruleFields.scope.optional(),
    threshold_percent: ruleFields.threshold_percent.optional(),
    filters: filters.optional(),
    channel_ids: ruleFields.channel_ids.optional(),
    throttle_minutes: ruleFields.throttle_minutes.optional(),
    enabled: ruleFields.enabled.optional(),
    version: z.number().int().min(1).optional(),
  })
  .strict();
export type UpdateRuleInput = z.output<typeof updateRuleBody>;

export const listQuery = pageQuery;

const record = z.record(z.string(), z.unknown());
const channelView = z.object({
  org_id: z.string(),
  channel_id: z.string(),
  name: z.string(),
  channel_type: z.enum(CHANNEL_TYPES),
  /** Credential-bearing URLs are masked (url_masked: true); sealed values never appear. */
  config: record,
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
  version: z.number(),
  /** Webhook channels, in the creation response only: the HMAC-SHA256 signing secret. */
  signing_secret: z.string().optional(),
});

const deliveryView = z.object({
  org_id: z.string(),
  channel_id: z.string(),
  delivery_id: z.string(),
  rule_id: z.string().nullable(),
  run_id: z.string().nullable(),
  event: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number(),
  last_error: z.string().nullable(),
  response_status: z.number().nullable(),
  created_at: z.string(),
  completed_at: z.string().nullable(),
});

const ruleView = z.object({
  org_id: z.string(),
  rule_id: z.string(),
  name: z.string(),
  condition: z.enum(ALERT_CONDITIONS),
  sla_seconds: z.number().nullable(),
  threshold: z.number().nullable(),
  scope: z.enum(STREAK_SCOPES).nullable(),
  threshold_percent: z.number().nullable(),
  filters: record,
  channel_ids: z.array(z.string()),
  throttle_minutes: z.number(),
  enabled: z.boolean(),
  last_fired_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  version: z.number(),
});

const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_cursor: z.string().nullable() });

export const ALERTS_SCHEMAS: OperationSchemas = {
  listChannels: { query: listQuery, response: { status: 200, body: page(channelView) } },
  createChannel: { body: createChannelBody, response: { status: 201, body: channelView } },
  getChannel: { response: { status: 200, body: channelView } },
  updateChannel: { body: updateChannelBody, response: { status: 200, body: channelView } },
  deleteChannel: { response: { status: 204 } },
  testChannel: { response: { status: 200, body: deliveryView } },
  listDeliveries: { query: listQuery, response: { status: 200, body: page(deliveryView) } },
  listRules: { query: listQuery, response: { status: 200, body: page(ruleView) } },
  createRule: { body: createRuleBody, response: { status: 201, body: ruleView } },
  getRule: { response: { status: 200, body: ruleView } },
  updateRule: { body: updateRuleBody, response: { status: 200, body: ruleView } },
  deleteRule: { response: { status: 204 } },
};
