// Sends one message through one channel: every HTTP delivery through the egress guard, retried
// with backoff on transient failures, each attempt's outcome recorded on the delivery item
// (status, attempts, last error, times) so GET .../deliveries shows it while it is still going.
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { realSleep } from '../engine';
import { signWebhook } from '../identity/webhook-signature';
import { epochSeconds, isoNow, type Clock } from '../shared/clock';
import { EgressRefusedError, guardedFetch, type EgressPolicy } from '../shared/egress';
import { shortId } from '../shared/ids';
import type { Logger } from '../shared/logger';
import type { KeyProvider } from '../secrets/key-provider';
import type { AlertMessage } from './alert-message';
import type { ChannelRecord, DeliveryRecord } from './channel-record';
import { DELIVERY_RETENTION_SECONDS, type ChannelRepository } from './channel-repository';
import { openChannelSecret } from './channel-secrets';
import { backoffMs, type DeliveryPolicy } from './delivery-policy';

export const SIGNATURE_HEADER = 'x-dagy-signature';
export const TIMESTAMP_HEADER = 'x-dagy-timestamp';
export const DELIVERY_HEADER = 'x-dagy-delivery';

export interface NotifierDeps {
  channels: ChannelRepository;
  keyProvider: KeyProvider;
  ses: SESv2Client;
  sns: SNSClient;
  /** The SES-verified sender of alert emails. */
  emailFrom: string;
  egress: EgressPolicy;
  policy: DeliveryPolicy;
  clock: Clock;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
}

interface AttemptOutcome {
  ok: boolean;
  /** Worth another attempt (network, timeout, 5xx, 429); a refusal or 4xx is not. */
  retryable: boolean;
  error: string | null;
  status: number | null;
}

const errorText = (error: unknown) => (error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error)).slice(0, 500);

export class Notifier {
  constructor(private readonly deps: NotifierDeps) {}

  /** Delivers `message` through `channel`; returns the delivery as finally recorded. */
  async deliver(channel: ChannelRecord, message: AlertMessage, meta: { rule_id: string | null; run_id: string | null; event: string }): Promise<DeliveryRecord> {
    const { channels, policy, clock } = this.deps;
    const sleep = this.deps.sleep ?? realSleep;
    const delivery: DeliveryRecord = {
      org_id: channel.org_id,
      channel_id: channel.channel_id,
      delivery_id: shortId('dlv'),
      ...meta,
      status: 'PENDING',
      attempts: 0,
      last_error: null,
      response_status: null,
      created_at: isoNow(clock),
      completed_at: null,
    };
    await channels.startDelivery(delivery, epochSeconds(clock) + DELIVERY_RETENTION_SECONDS);
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      if (attempt > 1) await sleep(backoffMs(policy, attempt));
      const outcome = await this.attempt(channel, message, delivery.delivery_id).catch(
        (error: unknown): AttemptOutcome => ({ ok: false, retryable: !(error instanceof EgressRefusedError), error: errorText(error), status: null }),
      );
      delivery.attempts = attempt;
      delivery.last_error = outcome.error;
      delivery.response_status = outcome.status;
      const final = outcome.ok || !outcome.retryable || attempt === policy.maxAttempts;
      delivery.status = outcome.ok ? 'SUCCEEDED' : final ? 'FAILED' : 'PENDING';
      if (final) delivery.completed_at = isoNow(clock);
      await channels.recordAttempt(delivery);
      if (final) break;
    }
    if (delivery.status === 'FAILED') {
      this.deps.logger.warn('alert delivery failed', { org_id: channel.org_id, channel_id: channel.channel_id, delivery_id: delivery.delivery_id, attempts: delivery.attempts, error: delivery.last_error });
    }
    return delivery;
  }

  private async attempt(channel: ChannelRecord, message: AlertMessage, deliveryId: string): Promise<AttemptOutcome> {
    switch (channel.channel_type) {
      case 'webhook': {
        const body = JSON.stringify({ ...message.payload, delivery_id: deliveryId });
        const timestamp = String(epochSeconds(this.deps.clock));
        const sealed = channel.config.signing_secret_sealed;
        const headers: Record<string, string> = { 'content-type': 'application/json', [TIMESTAMP_HEADER]: timestamp, [DELIVERY_HEADER]: deliveryId };
        if (sealed !== undefined) {
          const secret = await openChannelSecret(this.deps.keyProvider, channel.org_id, channel.channel_id, 'channel_signing_secret', sealed);
          headers[SIGNATURE_HEADER] = `sha256=${signWebhook(secret, timestamp, body)}`;
        }
        return this.post(await this.urlOf(channel), headers, body);
      }
      case 'slack':
        return this.post(await this.urlOf(channel), { 'content-type': 'application/json' }, JSON.stringify({ text: message.text }));
      case 'email': {
        await this.deps.ses.send(
          new SendEmailCommand({
            FromEmailAddress: this.deps.emailFrom,
            Destination: { ToAddresses: channel.config.to ?? [] },
            Content: { Simple: { Subject: { Data: message.subject }, Body: { Text: { Data: message.text } } } },
          }),
        );
        return { ok: true, retryable: false, error: null, status: null };
      }
      case 'sns': {
        await this.deps.sns.send(new PublishCommand({ TopicArn: channel.config.topic_arn, Subject: message.subject.slice(0, 99), Message: JSON.stringify(message.payload) }));
        return { ok: true, retryable: false, error: null, status: null };
      }
    }
  }

  private async urlOf(channel: ChannelRecord): Promise<string> {
    const { url, url_sealed } = channel.config;
    if (url !== undefined) return url;
    if (url_sealed === undefined) throw new Error('the channel has no URL');
    return openChannelSecret(this.deps.keyProvider, channel.org_id, channel.channel_id, 'channel_url', url_sealed);
  }

  private async post(url: string, headers: Record<string, string>, body: string): Promise<AttemptOutcome> {
    const { policy } = this.deps;
    const res = await guardedFetch(url, { method: 'POST', headers, body, timeoutMs: policy.timeoutMs, maxResponseBytes: policy.maxResponseBytes }, this.deps.egress);
    if (res.status >= 200 && res.status <= 299) return { ok: true, retryable: false, error: null, status: res.status };
    // Never the URL in the error (it may carry a token): the status says enough.
    return { ok: false, retryable: res.status >= 500 || res.status === 429 || res.status === 408, error: `receiver answered ${res.status}`, status: res.status };
  }
}
