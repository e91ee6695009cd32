import { orgPrincipal } from '../shared/http/principal';
import { createHttpHandler, type HttpEvent, type HttpResult } from '../shared/http/http-handler';
import { parsePageQuery } from '../shared/http/pagination';
import { noContent } from '../shared/http/responses';
import type { ApiRequest, ApiResponse } from '../shared/http/types';
import { parseWith } from '../shared/http/validation';
import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { actorOf, etag, ifMatchVersion, pathId } from '../scheduling/request';
import { channelView, deliveryView } from './channel-record';
import { ChannelService, type ChannelWithSecret } from './channel-service';
import { ruleView, type RuleRecord } from './rule-record';
import { RuleService } from './rule-service';
import { alertDeps } from './runtime-deps';
import { listQuery } from './schemas';

function channelResponse(status: number, { channel, signing_secret }: ChannelWithSecret): ApiResponse {
  const body: Record<string, unknown> = channelView(channel);
  // The raw signing secret exists only in this response: it is stored sealed.
  if (signing_secret !== undefined) body.signing_secret = signing_secret;
  return { status, body, headers: { etag: etag(channel.version) } };
}

const ruleResponse = (status: number, rule: RuleRecord): ApiResponse => ({ status, body: ruleView(rule), headers: { etag: etag(rule.version) } });

export function alertOperations(channels: ChannelService, rules: RuleService) {
  const org = (request: ApiRequest) => orgPrincipal(request.principal).org_id;
  const channelId = (request: ApiRequest) => pathId(request, 'channel_id', 'notification channel');
  const ruleId = (request: ApiRequest) => pathId(request, 'rule_id', 'alert rule');
  const page = (request: ApiRequest) => {
    parseWith(listQuery, request.query);
    return parsePageQuery(request.query);
  };
  return {
    listChannels: async (request: ApiRequest): Promise<ApiResponse> => {
      const result = await channels.list(org(request), page(request));
      return { status: 200, body: { items: result.items.map(channelView), next_cursor: result.next_cursor } };
    },
    createChannel: async (request: ApiRequest) => channelResponse(201, await channels.create(actorOf(request), request.body)),
    getChannel: async (request: ApiRequest) => channelResponse(200, { channel: await channels.get(org(request), channelId(request)) }),
    updateChannel: async (request: ApiRequest) =>
      channelResponse(200, { channel: await channels.update(actorOf(request), channelId(request), request.body, ifMatchVersion(request)) }),
    deleteChannel: async (request: ApiRequest) => {
      await channels.delete(actorOf(request), channelId(request), ifMatchVersion(request));
      return noContent();
    },
    testChannel: async (request: ApiRequest): Promise<ApiResponse> => ({ status: 200, body: deliveryView(await channels.test(actorOf(request), channelId(request))) }),
    listDeliveries: async (request: ApiRequest): Promise<ApiResponse> => {
      const id = channelId(request);
      const pageRequest = page(request);
      // Another organization's (or no) channel is a 404, not an empty list.
      await channels.get(org(request), id);
      const result = await channels.listDeliveries(org(request), id, pageRequest);
      return { status: 200, body: { items: result.items.map(deliveryView), next_cursor: result.next_cursor } };
    },
    listRules: async (request: ApiRequest): Promise<ApiResponse> => {
      const result = await rules.list(org(request), page(request));
      return { status: 200, body: { items: result.items.map(ruleView), next_cursor: result.next_cursor } };
    },
    createRule: async (request: ApiRequest) => ruleResponse(201, await rules.create(actorOf(request), request.body)),
    getRule: async (request: ApiRequest) => ruleResponse(200, await rules.get(org(request), ruleId(request))),
    updateRule: async (request: ApiRequest) => ruleResponse(200, await rules.update(actorOf(request), ruleId(request), request.body, ifMatchVersion(request))),
    deleteRule: async (request: ApiRequest) => {
      await rules.delete(actorOf(request), ruleId(request), ifMatchVersion(request));
      return noContent();
    },
  };
}

/** The alerts domain's HTTP function: notification channels, alert rules, deliveries. */
export const createFunction: FunctionFactory<HttpEvent, HttpResult> = (env, deps) => {
  const runtime = createRuntime('http-alerts', env, deps);
  const auditTable = runtime.config.table('AuditLog');
  const shared = alertDeps(runtime, env);
  const common = { ddb: runtime.aws.ddb, channels: shared.channels, rules: shared.rules, auditTable, clock: runtime.clock };
  return createHttpHandler({
    domain: 'alerts',
    runtime,
    operations: alertOperations(
      new ChannelService({ ...common, keyProvider: shared.keyProvider, egress: shared.egress, notifier: shared.notifier }),
      new RuleService(common),
    ),
  });
};
