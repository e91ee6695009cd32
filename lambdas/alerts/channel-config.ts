// What each channel type is configured with, as the API takes it (zod, errors at `config.<field>`)
// and as it is stored. URLs that carry a credential (every Slack incoming-webhook URL, a webhook
// URL with a query string) are stored only sealed (channel-secrets.ts) and shown masked.
import * as z from 'zod';
import type { SealedSecret } from '../secrets/envelope';

export const CHANNEL_TYPES = ['webhook', 'slack', 'email', 'sns'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** SNS topics Dagy may publish to: the dispatcher's IAM grant is scoped to this name prefix. */
export const SNS_TOPIC_PREFIX = 'dagy-alerts-';
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:([A-Za-z0-9_-]{1,256})$/;

const url = z.string().trim().min(1).max(2048);

export const CONFIG_SCHEMAS = {
  webhook: z.object({ url }).strict(),
  slack: z.object({ url }).strict(),
  email: z.object({ to: z.array(z.email()).min(1).max(10) }).strict(),
  sns: z
    .object({
      topic_arn: z
        .string()
        .regex(TOPIC_ARN, 'must be an SNS topic ARN')
        .refine((arn) => (TOPIC_ARN.exec(arn)?.[1] ?? '').startsWith(SNS_TOPIC_PREFIX), `the topic name must start with ${SNS_TOPIC_PREFIX}`),
    })
    .strict(),
} as const satisfies Record<ChannelType, z.ZodType>;

export type WebhookConfig = z.output<(typeof CONFIG_SCHEMAS)['webhook']>;
export type EmailConfig = z.output<(typeof CONFIG_SCHEMAS)['email']>;
export type SnsConfig = z.output<(typeof CONFIG_SCHEMAS)['sns']>;
export type ChannelConfigInput = WebhookConfig | EmailConfig | SnsConfig;

/** A channel's configuration at rest: an http channel holds its URL plain or sealed, never both. */
export interface StoredChannelConfig {
  /** webhook/slack: the URL when it carries no credential. */
  url?: string;
  /** webhook/slack: the URL sealed, when it carries a credential. */
  url_sealed?: SealedSecret;
  /** webhook/slack: the URL as the API shows it (masked when sealed). */
  url_display?: string;
  /** webhook: the HMAC signing secret, always sealed (shown once at creation). */
  signing_secret_sealed?: SealedSecret;
  to?: string[];
  topic_arn?: string;
}

/** Whether a URL carries a credential that must not be stored or shown in clear. */
export function urlCarriesCredential(type: ChannelType, raw: string): boolean {
  if (type === 'slack') return true;
  const u = new URL(raw);
  return u.search !== '' || u.username !== '' || u.password !== '';
}

/** The URL as shown: origin and path, with the credential-bearing part replaced by `***`. */
export function maskUrl(type: ChannelType, raw: string): string {
  const u = new URL(raw);
  if (type === 'slack') return `${u.protocol}//${u.host}/***`;
  return `${u.protocol}//${u.host}${u.pathname}${u.search === '' ? '' : '?***'}`;
}

/** The configuration as the API shows it: never a sealed value, a URL only masked if sealed. */
export function publicConfig(type: ChannelType, config: StoredChannelConfig): Record<string, unknown> {
  switch (type) {
    case 'webhook':
    case 'slack':
      return {
        url: config.url ?? config.url_display ?? null,
        url_masked: config.url === undefined,
        ...(type === 'webhook' ? { signing_secret_set: config.signing_secret_sealed !== undefined } : {}),
      };
    case 'email':
      return { to: config.to ?? [] };
    case 'sns':
      return { topic_arn: config.topic_arn ?? null };
  }
}
