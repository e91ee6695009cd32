import { orgPrincipal } from '../shared/http/principal';
import { createHttpHandler, type HttpEvent, type HttpResult } from '../shared/http/http-handler';
import { parsePageQuery } from '../shared/http/pagination';
import { noContent } from '../shared/http/responses';
import type { ApiRequest, ApiResponse } from '../shared/http/types';
import { parseWith } from '../shared/http/validation';
import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { createPlanLimitCheck } from '../billing/plan-limit-check';
import { actorOf, etag, ifMatchVersion, pathId } from '../scheduling/request';
import { keyProviderFromConfig } from '../secrets/secret-resolver';
import { flowTargets } from '../scheduling/targets';
import { sensorRunDeps } from './runtime-deps';
import { sensorView } from './sensor-record';
import { SensorService, type SensorWithToken } from './sensor-service';
import { listSensorsQuery } from './schemas';
import { SigningSecretOpener } from './signing-secret';
import { triggerWebhook, type WebhookDeps } from './webhook';

function sensorResponse(status: number, { sensor, webhook_token }: SensorWithToken): ApiResponse {
  const body: Record<string, unknown> = sensorView(sensor);
  // The raw token exists only in this response: it is stored as its hash.
  if (webhook_token !== undefined) Object.assign(body, { webhook_token, webhook_path: `/v1/hooks/${webhook_token}` });
  return { status, body, headers: { etag: etag(sensor.version) } };
}

export function sensorOperations(service: SensorService, webhook: WebhookDeps) {
  const org = (request: ApiRequest) => orgPrincipal(request.principal).org_id;
  const id = (request: ApiRequest) => pathId(request, 'sensor_id', 'sensor');
  return {
    listSensors: async (request: ApiRequest): Promise<ApiResponse> => {
      parseWith(listSensorsQuery, request.query);
      const page = await service.list(org(request), parsePageQuery(request.query));
      return { status: 200, body: { items: page.items.map(sensorView), next_cursor: page.next_cursor } };
    },
    createSensor: async (request: ApiRequest) => sensorResponse(201, await service.create(actorOf(request), request.body)),
    getSensor: async (request: ApiRequest) => sensorResponse(200, { sensor: await service.get(org(request), id(request)) }),
    updateSensor: async (request: ApiRequest) => sensorResponse(200, await service.update(actorOf(request), id(request), request.body, ifMatchVersion(request))),
    deleteSensor: async (request: ApiRequest) => {
      await service.delete(actorOf(request), id(request), ifMatchVersion(request));
      return noContent();
    },
    triggerWebhook: async (request: ApiRequest): Promise<ApiResponse> => {
      const result = await triggerWebhook(webhook, {
        token: request.pathParameters.token ?? '',
        headers: request.headers,
        rawBody: request.rawBody,
        body: request.body,
        sourceIp: request.sourceIp,
      });
      return result.created ? { status: 202, body: result } : { status: 200, body: result, headers: { 'idempotency-replayed': 'true' } };
    },
  };
}

/** The sensors domain's HTTP function: sensors, and the public webhook trigger. */
export const createFunction: FunctionFactory<HttpEvent, HttpResult> = (env, deps) => {
  const runtime = createRuntime('http-sensors', env, deps);
  const auditTable = runtime.config.table('AuditLog');
  const runs = sensorRunDeps(runtime, { auditTable });
  const keyProvider = keyProviderFromConfig(runtime);
  const service = new SensorService({
    repo: runs.repo,
    ddb: runtime.aws.ddb,
    auditTable,
    targets: flowTargets(runtime),
    ingestBucket: runtime.config.bucket('ingest'),
    keyProvider,
    clock: runtime.clock,
    planLimits: createPlanLimitCheck(runtime.aws.ddb, { subscription: runtime.config.table('Subscription'), usageAggregate: runtime.config.table('UsageAggregate') }, runtime.clock),
  });
  return createHttpHandler({
    domain: 'sensors',
    runtime,
    operations: sensorOperations(service, { ...runs, logger: runtime.logger, signingSecrets: new SigningSecretOpener(keyProvider, runtime.clock) }),
  });
};
