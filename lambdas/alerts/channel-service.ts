// The notification channels API's rules: type-specific configuration (400 with `config.<field>`
// paths, nothing written), URLs judged by the egress guard before they are stored (https only,
// loopback http only on the local platform's test flag), credentials sealed and shown masked, a
// webhook signing secret shown once, optimistic concurrency, one AuditLog record in the same
// transaction as each change.
import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { auditTransactPut, type AuditEntry } from '../shared/audit/audit-log';
import { isoNow, type Clock } from '../shared/clock';
import { refusedLiteralUrl, type EgressPolicy } from '../shared/egress';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError, type ErrorDetail } from '../shared/errors';
import type { Page, PageRequest } from '../shared/http/pagination';
import { zodIssues } from '../shared/http/validation';
import { shortId } from '../shared/ids';
import { ConcurrentChangeError, transact, withRetries } from '../shared/dynamo/transact';
import type { KeyProvider } from '../secrets/key-provider';
import { CONFIG_SCHEMAS, maskUrl, urlCarriesCredential, type ChannelType, type StoredChannelConfig } from './channel-config';
import { channelView, type ChannelRecord, type DeliveryRecord } from './channel-record';
import { CHANNEL_ID_PREFIX, type ChannelRepository } from './channel-repository';
import { sealChannelSecret } from './channel-secrets';
import { alertMessage } from './alert-message';
import type { Notifier } from './notifier';
import type { RuleRepository } from './rule-repository';
import { createChannelBody, updateChannelBody } from './schemas';

export type Actor = Pick<AuditEntry, 'org_id' | 'actor_email' | 'ip_address'>;

export interface ChannelServiceDeps {
  ddb: DynamoDBDocumentClient;
  channels: ChannelRepository;
  rules: RuleRepository;
  auditTable: string;
  keyProvider: KeyProvider;
  egress: EgressPolicy;
  notifier: Notifier;
  clock: Clock;
}

export interface ChannelWithSecret {
  channel: ChannelRecord;
  /** The webhook signing secret, only when it was just issued. */
  signing_secret?: string;
}

export function parse<T extends z.ZodType>(schema: T, input: unknown, prefix = ''): { data: z.output<T> | null; issues: ErrorDetail[] } {
  const out = schema.safeParse(input);
  return out.success ? { data: out.data, issues: [] } : { data: null, issues: zodIssues(out.error, prefix) };
}

export const newSigningSecret = () => `dagy_whsec_${randomBytes(32).toString('base64url')}`;

export class ChannelService {
  constructor(private readonly deps: ChannelServiceDeps) {}

  /** The raw configuration of `type`, checked; every problem at `config.<field>`. */
  private checkConfig(type: ChannelType, raw: unknown): { config: Record<string, unknown> | null; issues: ErrorDetail[] } {
    const { data, issues } = parse(CONFIG_SCHEMAS[type] as z.ZodType<Record<string, unknown>>, raw, 'config');
    if (data === null) return { config: null, issues };
    if (type === 'webhook' || type === 'slack') {
      const refused = refusedLiteralUrl(String(data.url), this.deps.egress);
      if (refused !== null) issues.push({ path: 'config.url', message: refused });
    }
    return { config: issues.length === 0 ? data : null, issues };
  }

  /** The configuration to store: credential-bearing URLs sealed to the channel. */
  private async storable(orgId: string, channelId: string, type: ChannelType, config: Record<string, unknown>, keep: StoredChannelConfig): Promise<StoredChannelConfig> {
    const { keyProvider } = this.deps;
    if (type === 'webhook' || type === 'slack') {
      const url = String(config.url);
      const stored: StoredChannelConfig = urlCarriesCredential(type, url)
        ? { url_sealed: await sealChannelSecret(keyProvider, orgId, channelId, 'channel_url', url), url_display: maskUrl(type, url) }
        : { url };
      if (keep.signing_secret_sealed !== undefined) stored.signing_secret_sealed = keep.signing_secret_sealed;
      return stored;
    }
    if (type === 'email') return { to: config.to as string[] };
    return { topic_arn: String(config.topic_arn) };
  }

  private audit(actor: Actor, channelId: string, action: string, before: ChannelRecord | null, after: ChannelRecord | null, nowIso: string) {
    return {
      item: auditTransactPut(
        this.deps.auditTable,
        { ...actor, resource_type: 'notification_channel', resource_id: channelId, action, before: before && channelView(before), after: after && channelView(after) },
        nowIso,
      ),
    };
  }

  async create(actor: Actor, body: unknown): Promise<ChannelWithSecret> {
    const { data, issues } = parse(createChannelBody, body ?? {});
    let config: Record<string, unknown> | null = null;
    if (data !== null) {
      const checked = this.checkConfig(data.channel_type, data.config);
      issues.push(...checked.issues);
      config = checked.config;
    }
    if (issues.length > 0 || data === null || config === null) throw new ValidationError(issues);
    const channelId = shortId(CHANNEL_ID_PREFIX);
    const secret = data.channel_type === 'webhook' ? newSigningSecret() : undefined;
    const keep: StoredChannelConfig =
      secret === undefined ? {} : { signing_secret_sealed: await sealChannelSecret(this.deps.keyProvider, actor.org_id, channelId, 'channel_signing_secret', secret) };
    const nowIso = isoNow(this.deps.clock);
    const channel: ChannelRecord = {
      org_id: actor.org_id,
      channel_id: channelId,
      name: data.name,
      channel_type: data.channel_type,
      config: await this.storable(actor.org_id, channelId, data.channel_type, config, keep),
      enabled: data.enabled ?? true,
      created_at: nowIso,
      updated_at: nowIso,
      version: 1,
    };
    await transact(this.deps.ddb, [this.deps.channels.create(channel), this.audit(actor, channelId, 'create', null, channel, nowIso)]);
    return secret === undefined ? { channel } : { channel, signing_secret: secret };
  }

  async get(orgId: string, channelId: string): Promise<ChannelRecord> {
    const channel = await this.deps.channels.get(orgId, channelId);
    if (channel === undefined) throw new NotFoundError('notification channel');
    return channel;
  }

  list(orgId: string, page: PageRequest): Promise<Page<ChannelRecord>> {
    return this.deps.channels.list(orgId, page);
  }

  async update(actor: Actor, channelId: string, body: unknown, ifMatch: number | undefined): Promise<ChannelRecord> {
    const { data, issues } = parse(updateChannelBody, body ?? {});
    if (issues.length > 0 || data === null) throw new ValidationError(issues);
    if (data.version !== undefined && ifMatch !== undefined && data.version !== ifMatch) {
      throw new ValidationError([{ path: 'version', message: 'differs from the If-Match header' }]);
    }
    const pinned = data.version ?? ifMatch;
    return withRetries(async () => {
      const current = await this.get(actor.org_id, channelId);
      if (pinned !== undefined && pinned !== current.version) throw new PreconditionFailedError(`the channel is at version ${current.version}, not ${pinned}`);
      let config = current.config;
      if (data.config !== undefined) {
        const checked = this.checkConfig(current.channel_type, data.config);
        if (checked.config === null) throw new ValidationError(checked.issues);
        config = await this.storable(actor.org_id, channelId, current.channel_type, checked.config, current.config);
      }
      const next: ChannelRecord = {
        ...current,
        name: data.name ?? current.name,
        config,
        enabled: data.enabled ?? current.enabled,
        updated_at: isoNow(this.deps.clock),
        version: current.version + 1,
      };
      await transact(this.deps.ddb, [
        this.deps.channels.replace(next, current.version, () => (pinned === undefined ? new ConcurrentChangeError() : new PreconditionFailedError())),
        this.audit(actor, channelId, 'update', current, next, next.updated_at),
      ]);
      return next;
    });
  }

  /** Deletes a channel that no rule names (409 naming the rules otherwise). */
  async delete(actor: Actor, channelId: string, ifMatch: number | undefined): Promise<void> {
    const current = await this.get(actor.org_id, channelId);
    if (ifMatch !== undefined && ifMatch !== current.version) throw new PreconditionFailedError(`the channel is at version ${current.version}, not ${ifMatch}`);
    const users = (await this.deps.rules.all(actor.org_id)).filter((r) => r.channel_ids.includes(channelId)).map((r) => r.rule_id);
    if (users.length > 0) throw new ConflictError(`the channel is used by alert rule(s) ${users.join(', ')}`, 'channel_in_use');
    const nowIso = isoNow(this.deps.clock);
    await transact(this.deps.ddb, [
      this.deps.channels.delete(current, () => new ConcurrentChangeError()),
      this.audit(actor, channelId, 'delete', current, null, nowIso),
    ]);
  }

  /** Sends a test message now (retried like any alert) and returns its recorded delivery. */
  async test(actor: Actor, channelId: string): Promise<DeliveryRecord> {
    const channel = await this.get(actor.org_id, channelId);
    const nowIso = isoNow(this.deps.clock);
    const message = alertMessage({
      org_id: actor.org_id,
      rule: null,
      reason: `test message sent by ${actor.actor_email}`,
      occurred_at: nowIso,
      run: {
        run_id: 'test',
        run_slug: 'test',
        flow_name: 'test',
        flow_version: 'test',
        deployment_name: null,
        environment: null,
        status: 'TEST',
        started_at: null,
        completed_at: null,
        duration_seconds: null,
        error_message: null,
        failed_task: null,
      },
    });
    const delivery = await this.deps.notifier.deliver(channel, message, { rule_id: null, run_id: null, event: 'test' });
    await transact(this.deps.ddb, [
      {
        item: auditTransactPut(
          this.deps.auditTable,
          { ...actor, resource_type: 'notification_channel', resource_id: channelId, action: 'test', before: null, after: { delivery_id: delivery.delivery_id, status: delivery.status } },
          nowIso,
        ),
      },
    ]);
    return delivery;
  }

  listDeliveries(orgId: string, channelId: string, page: PageRequest): Promise<Page<DeliveryRecord>> {
    return this.deps.channels.listDeliveries(orgId, channelId, page);
  }
}
