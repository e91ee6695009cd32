// Type-specific sensor configuration: one schema per sensor_type (polling: one per kind).
import * as z from 'zod';
import type { JsonValue } from '../engine';
import type { SealedSecret } from '../secrets/envelope';

export const SENSOR_TYPES = ['s3', 'webhook', 'polling'] as const;
export type SensorType = (typeof SENSOR_TYPES)[number];

export const POLL_CONDITIONS = ['equals', 'not_equals', 'greater_than', 'changed'] as const;
export type PollCondition = (typeof POLL_CONDITIONS)[number];

export const MIN_POLL_INTERVAL_SECONDS = 60;
export const MAX_POLL_INTERVAL_SECONDS = 86_400;
export const DEFAULT_WEBHOOK_RATE_LIMIT = 60;

/** A JSON field path such as `data.items[0].status` (dots between names, [n] for array items). */
export const FIELD_PATH = /^[A-Za-z0-9_$-]+(\[\d+\])*(\.[A-Za-z0-9_$-]+(\[\d+\])*)*$/;

const keyPart = z.string().max(512).refine((v) => !v.includes('\u0000'), 'must not contain NUL');
const interval = z
  .number()
  .int('must be a whole number of seconds')
  .min(MIN_POLL_INTERVAL_SECONDS, `must be at least ${MIN_POLL_INTERVAL_SECONDS}`)
  .max(MAX_POLL_INTERVAL_SECONDS, `must be at most ${MAX_POLL_INTERVAL_SECONDS}`);

/**
 * S3: objects created in the ingest bucket. Organizations share that bucket and own the
 * `<org_id>/` part of it: `prefix` is read under that folder (a prefix that already starts
 * with it is accepted as is).
 */
export const s3ConfigSchema = z
  .object({
    bucket: z.string().min(3).max(63),
    prefix: keyPart.optional(),
    suffix: keyPart.optional(),
  })
  .strict();

export const webhookConfigSchema = z
  .object({
    /** HMAC-SHA256 key: when set, X-Dagy-Timestamp and X-Dagy-Signature are required. */
    signing_secret: z.string().min(16, 'must be at least 16 characters').max(256).optional(),
    rate_limit_per_minute: z.number().int().min(1).max(6000).optional(),
  })
  .strict();

const httpUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without credentials');

const jsonValue: z.ZodType<JsonValue> = z.json();

export const httpPollSchema = z
  .object({
    kind: z.literal('http'),
    interval_seconds: interval,
    /** GET this URL; its body must be JSON. */
    url: httpUrl,
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a header name'), z.string().max(1024)).optional(),
    /** Where the watched value is in the JSON body. */
    field: z.string().max(256).regex(FIELD_PATH, 'must be a path such as data.items[0].status'),
    condition: z.enum(POLL_CONDITIONS),
    /** Compared with the field (equals, not_equals, greater_than); not used by `changed`. */
    value: jsonValue.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.condition === 'changed') {
      if (config.value !== undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: "is not used with condition 'changed'" });
    } else if (config.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `is required with condition '${config.condition}'` });
    } else if (config.condition === 'greater_than' && typeof config.value !== 'number') {
      ctx.addIssue({ code: 'custom', path: ['value'], message: "must be a number with condition 'greater_than'" });
    }
  });

/** New objects under a prefix of the organization's folder of the ingest bucket. */
export const s3PrefixPollSchema = z
  .object({
    kind: z.literal('s3_prefix'),
    interval_seconds: interval,
    prefix: keyPart,
  })
  .strict();

export const pollingConfigSchema = z.discriminatedUnion('kind', [httpPollSchema, s3PrefixPollSchema]);

export type S3SensorConfig = z.output<typeof s3ConfigSchema>;
export type WebhookSensorConfig = z.output<typeof webhookConfigSchema>;
/**
 * A webhook configuration as stored (signing-secret.ts): the signing secret only sealed. A plain
 * `signing_secret` is what the API accepts, and what sensors stored before sealing still hold.
 */
export type StoredWebhookConfig = WebhookSensorConfig & { signing_secret_sealed?: SealedSecret };
export type HttpPollConfig = z.output<typeof httpPollSchema>;
export type S3PrefixPollConfig = z.output<typeof s3PrefixPollSchema>;
export type PollingSensorConfig = z.output<typeof pollingConfigSchema>;
export type SensorConfig = S3SensorConfig | StoredWebhookConfig | PollingSensorConfig;

export const CONFIG_SCHEMAS = {
  s3: s3ConfigSchema,
  webhook: webhookConfigSchema,
  polling: pollingConfigSchema,
} as const;

/**
 * The configuration as the API (and the audit log) shows it: the signing secret never leaves,
 * sealed or not, only that one is set.
 */
export function publicConfig(type: SensorType, config: SensorConfig): Record<string, unknown> {
  if (type !== 'webhook') return { ...config };
  const { signing_secret, signing_secret_sealed, ...rest } = config as StoredWebhookConfig;
  return { ...rest, signing_secret_set: signing_secret !== undefined || signing_secret_sealed !== undefined };
}

/** The `<org_id>/` folder of the ingest bucket and a sensor prefix under it. */
export function orgFolder(orgId: string): string {
  return `${orgId}/`;
}

export function orgKeyPrefix(orgId: string, prefix: string | undefined): string {
  const folder = orgFolder(orgId);
  const p = prefix ?? '';
  return p.startsWith(folder) ? p : `${folder}${p}`;
}
