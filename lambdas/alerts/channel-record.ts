// A NotificationChannel and a Delivery as the alerts code sees them; keys live in
// channel-repository.ts only.
import { publicConfig, type ChannelType, type StoredChannelConfig } from './channel-config';

export interface ChannelRecord {
  org_id: string;
  channel_id: string;
  name: string;
  channel_type: ChannelType;
  config: StoredChannelConfig;
  enabled: boolean;
  created_at: string;
  updated_at: string;
  version: number;
}

export const DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One message sent (or tried) through one channel, with every attempt's outcome folded in. */
export interface DeliveryRecord {
  org_id: string;
  channel_id: string;
  delivery_id: string;
  /** The rule that fired (null for a test send). */
  rule_id: string | null;
  run_id: string | null;
  /** The rule's condition, or `test`. */
  event: string;
  status: DeliveryStatus;
  attempts: number;
  /** Why the last attempt failed (never the channel's URL or credentials). */
  last_error: string | null;
  /** HTTP status of the last attempt (webhook, slack). */
  response_status: number | null;
  created_at: string;
  completed_at: string | null;
}

/** The channel as the API shows it: credentials masked, sealed values never. */
export function channelView(c: ChannelRecord): Record<string, unknown> {
  return {
    org_id: c.org_id,
    channel_id: c.channel_id,
    name: c.name,
    channel_type: c.channel_type,
    config: publicConfig(c.channel_type, c.config),
    enabled: c.enabled,
    created_at: c.created_at,
    updated_at: c.updated_at,
    version: c.version,
  };
}

export function deliveryView(d: DeliveryRecord): Record<string, unknown> {
  return { ...d };
}
