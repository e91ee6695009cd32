import { orgPrincipal } from '../shared/http/principal';
import { createHttpHandler, type HttpEvent, type HttpResult } from '../shared/http/http-handler';
import { parsePageQuery } from '../shared/http/pagination';
import { noContent } from '../shared/http/responses';
import type { ApiRequest, ApiResponse } from '../shared/http/types';
import { parseWith } from '../shared/http/validation';
import { createRuntime, type FunctionFactory } from '../shared/runtime';
import { createPlanLimitCheck } from '../billing/plan-limit-check';
import { scheduleView, type ScheduleRecord } from './schedule-record';
import { ScheduleRepository } from './schedule-repository';
import { ScheduleService } from './schedule-service';
import { flowTargets } from './targets';
import { listSchedulesQuery, previewQuery } from './schemas';
import { actorOf, etag, ifMatchVersion, pathId } from './request';

function withEtag(status: number, schedule: ScheduleRecord): ApiResponse {
  return { status, body: scheduleView(schedule), headers: { etag: etag(schedule.version) } };
}

export function scheduleOperations(service: ScheduleService) {
  const org = (request: ApiRequest) => orgPrincipal(request.principal).org_id;
  const id = (request: ApiRequest) => pathId(request, 'schedule_id', 'schedule');
  return {
    listSchedules: async (request: ApiRequest): Promise<ApiResponse> => {
      parseWith(listSchedulesQuery, request.query);
      const page = await service.list(org(request), parsePageQuery(request.query));
      return { status: 200, body: { items: page.items.map(scheduleView), next_cursor: page.next_cursor } };
    },
    createSchedule: async (request: ApiRequest) => withEtag(201, await service.create(actorOf(request), request.body)),
    getSchedule: async (request: ApiRequest) => withEtag(200, await service.get(org(request), id(request))),
    updateSchedule: async (request: ApiRequest) =>
      withEtag(200, await service.update(actorOf(request), id(request), request.body, ifMatchVersion(request))),
    deleteSchedule: async (request: ApiRequest) => {
      await service.delete(actorOf(request), id(request), ifMatchVersion(request));
      return noContent();
    },
    previewSchedule: async (request: ApiRequest): Promise<ApiResponse> => {
      const { count } = parseWith(previewQuery, request.query);
      return { status: 200, body: await service.preview(org(request), id(request), count) };
    },
  };
}

/** The scheduling domain's HTTP function: one router for all of its catalogued routes. */
export const createFunction: FunctionFactory<HttpEvent, HttpResult> = (env, deps) => {
  const runtime = createRuntime('http-scheduling', env, deps);
  const service = new ScheduleService({
    repo: new ScheduleRepository(runtime.aws.ddb, runtime.config.table('Schedule')),
    ddb: runtime.aws.ddb,
    auditTable: runtime.config.table('AuditLog'),
    targets: flowTargets(runtime),
    clock: runtime.clock,
    planLimits: createPlanLimitCheck(runtime.aws.ddb, { subscription: runtime.config.table('Subscription'), usageAggregate: runtime.config.table('UsageAggregate') }, runtime.clock),
  });
  return createHttpHandler({ domain: 'scheduling', runtime, operations: scheduleOperations(service) });
};
