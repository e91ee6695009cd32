// The sensors API's rules: type-specific configuration (400 with `config.<field>` paths, nothing
// written), targets in the caller's organization, webhook tokens shown once and stored hashed,
// optimistic concurrency, one AuditLog record in the same transaction as each change. A webhook
// signing secret is stored only sealed (signing-secret.ts) and never shown or audited.
import type { PlanLimitCheck } from '../billing/plan-limit-check';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { findNonJson, type JsonObject } from '../engine';
import { sha256Hex } from '../identity/tokens';
import { newWebhookToken } from '../identity/webhook-signature';
import { auditTransactPut } from '../shared/audit/audit-log';
import { epochSeconds, isoNow, type Clock } from '../shared/clock';
import { NotFoundError, PreconditionFailedError, ValidationError, type ErrorDetail } from '../shared/errors';
import type { Page, PageRequest } from '../shared/http/pagination';
import { zodIssues } from '../shared/http/validation';
import { shortId } from '../shared/ids';
import { ConcurrentChangeError, transact, withRetries } from '../shared/dynamo/transact';
import type { KeyProvider } from '../secrets/key-provider';
import type { ScheduleActor } from '../scheduling/schedule-service';
import { resolveTarget, targetShapeIssues, type RunTarget, type ScheduleTargets } from '../scheduling/target-rules';
import { CONFIG_SCHEMAS, type PollingSensorConfig, type S3SensorConfig, type SensorConfig, type SensorType, type StoredWebhookConfig } from './sensor-config';
import type { SensorRecord } from './sensor-record';
import { sensorView } from './sensor-record';
import type { SensorRepository } from './sensor-repository';
import { createSensorBody, updateSensorBody } from './schemas';
import { sealWebhookConfig } from './signing-secret';

export interface SensorServiceDeps {
  repo: SensorRepository;
  ddb: DynamoDBDocumentClient;
  auditTable: string;
  targets: ScheduleTargets;
  /** The bucket whose object events reach the s3 sensors. */
  ingestBucket: string;
  /** Seals webhook signing secrets. */
  keyProvider: KeyProvider;
  clock: Clock;
  /** The plan's sensor limit (402 plan_limit_exceeded on create beyond it). */
  planLimits: PlanLimitCheck;
}

export interface SensorWithToken {
  sensor: SensorRecord;
  /** The raw webhook token, only when it was just issued. */
  webhook_token?: string;
}

function asObject(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

function parse<T extends z.ZodType>(schema: T, input: unknown, prefix = ''): { data: z.output<T> | null; issues: ErrorDetail[] } {
  const out = schema.safeParse(input);
  return out.success ? { data: out.data, issues: [] } : { data: null, issues: zodIssues(out.error, prefix) };
}

function jsonIssues(value: unknown, path: string): ErrorDetail[] {
  if (value === undefined) return [];
  const bad = findNonJson(value);
  return bad === null ? [] : [{ path: [path, ...bad.path].join('.'), message: bad.message }];
}

export class SensorService {
  constructor(private readonly deps: SensorServiceDeps) {}

  /**
   * A config of the type, with every problem at `config.<field>`. Prefixes are read under the
   * organization's own folder of the ingest bucket (sensor-config.ts orgKeyPrefix), so no
   * configuration reaches another organization's objects.
   */
  private checkConfig(type: SensorType, raw: unknown): { config: SensorConfig | null; issues: ErrorDetail[] } {
    const { data, issues } = parse(CONFIG_SCHEMAS[type], raw, 'config');
    if (data === null) return { config: null, issues };
    if (type === 's3') {
      const s3 = data as S3SensorConfig;
      if (s3.bucket !== this.deps.ingestBucket) {
        issues.push({ path: 'config.bucket', message: `must be the ingest bucket ${this.deps.ingestBucket} (the bucket whose events reach sensors)` });
      }
      if (s3.prefix !== undefined && s3.prefix.startsWith('/')) issues.push({ path: 'config.prefix', message: 'must not start with /' });
    }
    if (type === 'polling') {
      const polling = data as PollingSensorConfig;
      if (polling.kind === 's3_prefix' && polling.prefix.startsWith('/')) issues.push({ path: 'config.prefix', message: 'must not start with /' });
    }
    return { config: issues.length === 0 ? data : null, issues };
  }

  /** The configuration to store: a webhook's plain signing secret (new or legacy) sealed to the sensor. */
  private async storable(orgId: string, sensorId: string, type: SensorType, config: SensorConfig): Promise<SensorConfig> {
    return type === 'webhook' ? sealWebhookConfig(this.deps.keyProvider, orgId, sensorId, config as StoredWebhookConfig) : config;
  }

  async create(actor: ScheduleActor, body: unknown): Promise<SensorWithToken> {
    const raw = asObject(body);
    const { data, issues } = parse(createSensorBody, body ?? {});
    issues.push(...jsonIssues(raw.flow_params, 'flow_params'), ...targetShapeIssues(raw));
    let config: SensorConfig | null = null;
    if (data !== null) {
      const checked = this.checkConfig(data.sensor_type, data.config);
      issues.push(...checked.issues);
      config = checked.config;
    }
    if (issues.length > 0 || data === null || config === null) throw new ValidationError(issues);
    const { target } = await resolveTarget(this.deps.targets, actor.org_id, data);
    const token = data.sensor_type === 'webhook' ? newWebhookToken() : undefined;
    const nowIso = isoNow(this.deps.clock);
    const enabled = data.enabled ?? true;
    const sensorId = shortId('sen');
    const sensor: SensorRecord = {
      org_id: actor.org_id,
      sensor_id: sensorId,
      name: data.name,
      sensor_type: data.sensor_type,
      ...target,
      flow_params: (data.flow_params ?? {}) as JsonObject,
      config: await this.storable(actor.org_id, sensorId, data.sensor_type, config),
      enabled,
      webhook_token_hash: token === undefined ? null : sha256Hex(token),
      last_triggered_at: null,
      created_at: nowIso,
      updated_at: nowIso,
      version: 1,
      // A polling sensor polls first at the next poller tick.
      next_poll_epoch: data.sensor_type === 'polling' ? epochSeconds(this.deps.clock) : null,
      poll_cursor: null,
      last_polled_at: null,
      last_poll_error: null,
    };
    // Within the plan's sensor cap, atomically with the sensor (402 plan_limit_exceeded, nothing written).
    await this.deps.planLimits.addWithin(actor.org_id, 'sensors', () => this.deps.repo.countForOrg(actor.org_id), (limitOps) =>
      transact(this.deps.ddb, [
        this.deps.repo.create(sensor),
        { item: auditTransactPut(this.deps.auditTable, { ...actor, resource_type: 'sensor', resource_id: sensor.sensor_id, action: 'create', before: null, after: sensorView(sensor) }, nowIso) },
        ...limitOps,
      ]),
    );
    return token === undefined ? { sensor } : { sensor, webhook_token: token };
  }

  async get(orgId: string, sensorId: string): Promise<SensorRecord> {
    const sensor = await this.deps.repo.get(orgId, sensorId);
    if (sensor === undefined) throw new NotFoundError('sensor');
    return sensor;
  }

  list(orgId: string, page: PageRequest): Promise<Page<SensorRecord>> {
    return this.deps.repo.list(orgId, page);
  }

  async update(actor: ScheduleActor, sensorId: string, body: unknown, ifMatch: number | undefined): Promise<SensorWithToken> {
    const raw = asObject(body);
    const { data, issues } = parse(updateSensorBody, body ?? {});
    issues.push(...jsonIssues(raw.flow_params, 'flow_params'));
    if (issues.length > 0 || data === null) throw new ValidationError(issues);
    if (data.version !== undefined && ifMatch !== undefined && data.version !== ifMatch) {
      throw new ValidationError([{ path: 'version', message: 'differs from the If-Match header' }]);
    }
    const pinned = data.version ?? ifMatch;
    return withRetries(async () => {
      const current = await this.get(actor.org_id, sensorId);
      if (pinned !== undefined && pinned !== current.version) throw new PreconditionFailedError(`the sensor is at version ${current.version}, not ${pinned}`);
      let config = current.config;
      if (data.config !== undefined) {
        const checked = this.checkConfig(current.sensor_type, data.config);
        if (checked.config === null) throw new ValidationError(checked.issues);
        config = checked.config;
      }
      if (data.rotate_webhook_token === true && current.sensor_type !== 'webhook') {
        throw new ValidationError([{ path: 'rotate_webhook_token', message: 'applies only to webhook sensors' }]);
      }
      let target: RunTarget = { flow_name: current.flow_name, flow_version: current.flow_version, deployment_name: current.deployment_name };
      if (data.deployment_name !== undefined || data.flow_name !== undefined || data.flow_version !== undefined) {
        const merged: Record<string, string | undefined> = {
          deployment_name: data.deployment_name === undefined ? (current.deployment_name ?? undefined) : (data.deployment_name ?? undefined),
          flow_name: data.flow_name ?? (data.deployment_name ? undefined : current.flow_name),
          flow_version:
            data.flow_version === undefined ? (data.deployment_name ? undefined : (current.flow_version ?? undefined)) : (data.flow_version ?? undefined),
        };
        const shape = targetShapeIssues(merged);
        if (shape.length > 0) throw new ValidationError(shape);
        target = (await resolveTarget(this.deps.targets, actor.org_id, merged)).target;
      }
      const token = data.rotate_webhook_token === true ? newWebhookToken() : undefined;
      const enabled = data.enabled ?? current.enabled;
      const now = epochSeconds(this.deps.clock);
      const pollChanged = current.sensor_type === 'polling' && JSON.stringify(config) !== JSON.stringify(current.config);
      // A new signing secret is sealed; so is a legacy plain one kept from the current config.
      config = await this.storable(actor.org_id, sensorId, current.sensor_type, config);
      const next: SensorRecord = {
        ...current,
        ...target,
        name: data.name ?? current.name,
        flow_params: (data.flow_params ?? current.flow_params) as JsonObject,
        config,
        enabled,
        webhook_token_hash: token === undefined ? current.webhook_token_hash : sha256Hex(token),
        updated_at: isoNow(this.deps.clock),
        version: current.version + 1,
        // A new polling configuration starts over: polled at the next tick, from a fresh cursor.
        next_poll_epoch:
          current.sensor_type !== 'polling' ? null : pollChanged || (enabled && !current.enabled) ? now : current.next_poll_epoch,
        poll_cursor: pollChanged ? null : current.poll_cursor,
      };
      await transact(this.deps.ddb, [
        this.deps.repo.replace(next, current.version, () => (pinned === undefined ? new ConcurrentChangeError() : new PreconditionFailedError())),
        {
          item: auditTransactPut(
            this.deps.auditTable,
            { ...actor, resource_type: 'sensor', resource_id: sensorId, action: token === undefined ? 'update' : 'rotate_token', before: sensorView(current), after: sensorView(next) },
            next.updated_at,
          ),
        },
      ]);
      return token === undefined ? { sensor: next } : { sensor: next, webhook_token: token };
    });
  }

  async delete(actor: ScheduleActor, sensorId: string, ifMatch: number | undefined): Promise<void> {
    const current = await this.get(actor.org_id, sensorId);
    if (ifMatch !== undefined && ifMatch !== current.version) throw new PreconditionFailedError(`the sensor is at version ${current.version}, not ${ifMatch}`);
    const nowIso = isoNow(this.deps.clock);
    await transact(this.deps.ddb, [
      this.deps.repo.delete(current),
      { item: auditTransactPut(this.deps.auditTable, { ...actor, resource_type: 'sensor', resource_id: sensorId, action: 'delete', before: sensorView(current), after: null }, nowIso) },
    ]);
  }
}
