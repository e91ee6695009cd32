import { createHash } from 'node:crypto';
import type { JsonObject } from '../../engine';
import { canonicalJson } from '../../engine';
import { auditActor } from '../../shared/audit/audit-log';
import { NotFoundError } from '../../shared/errors';
import { parsePageQuery } from '../../shared/http/pagination';
import { orgPrincipal } from '../../shared/http/principal';
import { accepted, ok } from '../../shared/http/responses';
import type { ApiRequest, ApiResponse, Operation } from '../../shared/http/types';
import { parseWith } from '../../shared/http/validation';
import type { RunRecord } from '../run-repository';
import type { TaskRunRecord } from '../task-run-repository';
import { idempotencyKeySchema, listRunsQuery, pageQuery, retryRunBody, startRunBody } from '../schemas';
import type { RunsService } from './runs-service';

// The runs HTTP adapter: parse, authorize (the stack did), call the service, shape the response.

const RUN_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TASK_RUN_ID_PATTERN = /^tr_[0-9a-f]{24}$/;

export function runResponse(run: RunRecord) {
  return {
    run_id: run.run_id,
    run_slug: run.run_slug,
    org_id: run.org_id,
    flow_name: run.flow_name,
    flow_version: run.flow_version,
    deployment_name: run.deployment_name,
    status: run.status,
    parameters: run.parameters,
    executor: run.executor,
    external_id: run.external_id,
    trigger: { type: run.trigger_type, id: run.trigger_id, slot: run.trigger_slot },
    retry_of: run.retry_of,
    error_message: run.error_message,
    created_at: run.created_at,
    started_at: run.started_at,
    completed_at: run.completed_at,
    updated_at: run.updated_at,
    cost: run.cost,
  };
}

export function taskRunResponse(t: TaskRunRecord) {
  return {
    task_run_id: t.task_run_id,
    run_id: t.run_id,
    task_name: t.task_name,
    status: t.status,
    attempt: t.attempt,
    executor: t.executor,
    started_at: t.started_at,
    completed_at: t.completed_at,
    error_message: t.error_message,
    output_ref: t.output_ref,
    not_before: t.not_before,
    reused_from_run_id: t.reused_from_run_id,
    cost: t.cost,
  };
}

/** A run id from the path; anything that is not a UUID names no run (404, like another org's). */
function runIdOf(request: ApiRequest): string {
  const id = request.pathParameters.run_id;
  if (id === undefined || !RUN_ID_PATTERN.test(id)) throw new NotFoundError('run');
  return id;
}

/**
 * The client's Idempotency-Key with the SHA-256 of the canonical request (operation, path ids,
 * validated body): the same key with another request is then told apart (409), not replayed.
 */
function clientIdempotencyOf(request: ApiRequest, what: Record<string, unknown>): { key: string; request_hash: string } | undefined {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const key = parseWith(idempotencyKeySchema, raw, 'Idempotency-Key');
  return { key, request_hash: createHash('sha256').update(canonicalJson(what)).digest('hex') };
}

/** 202 with the run; a repeat of an Idempotency-Key says so in `Idempotency-Replayed: true`. */
function replayAware(body: unknown, created: boolean): ApiResponse {
  const response = accepted(body);
  return created ? response : { ...response, headers: { 'idempotency-replayed': 'true' } };
}

export function runsOperations(service: RunsService): Record<string, Operation> {
  return {
    async startRun(request) {
      const actor = auditActor(request);
      const { role } = orgPrincipal(request.principal);
      const body = parseWith(startRunBody, request.body ?? {});
      const idempotency = clientIdempotencyOf(request, { operation: 'startRun', body });
      const { run, created } = await service.start({
        org_id: actor.org_id,
        ...(body.deployment_name === undefined ? {} : { deployment_name: body.deployment_name }),
        ...(body.flow_name === undefined ? {} : { flow_name: body.flow_name }),
        ...(body.flow_version === undefined ? {} : { flow_version: body.flow_version }),
        ...(body.parameters === undefined ? {} : { parameters: body.parameters as JsonObject }),
        ...(body.executor === undefined ? {} : { executor: body.executor }),
        ...(idempotency === undefined ? {} : { client_idempotency: idempotency }),
        trigger: { type: 'manual' },
        actor_email: actor.actor_email,
        audit: { ip_address: actor.ip_address },
        admit: service.admission(actor.org_id, role, body.parameters !== undefined && Object.keys(body.parameters).length > 0),
      });
      return replayAware(runResponse(run), created);
    },

    async listRuns(request) {
      const principal = orgPrincipal(request.principal);
      const query = parseWith(listRunsQuery, request.query);
      const page = parsePageQuery(request.query);
      const result = await service.list(
        principal.org_id,
        {
          ...(query.status === undefined ? {} : { status: query.status }),
          ...(query.flow_name === undefined ? {} : { flow_name: query.flow_name }),
          ...(query.deployment_name === undefined ? {} : { deployment_name: query.deployment_name }),
        },
        page,
      );
      return ok({ items: result.items.map(runResponse), next_cursor: result.next_cursor });
    },

    async getRun(request) {
      const principal = orgPrincipal(request.principal);
      const detail = await service.get(principal.org_id, runIdOf(request));
      return ok({ ...runResponse(detail.run), task_runs: detail.task_runs.map(taskRunResponse), outputs: detail.outputs });
    },

    async listTaskRuns(request) {
      const principal = orgPrincipal(request.principal);
      parseWith(pageQuery, request.query);
      const result = await service.listTaskRuns(principal.org_id, runIdOf(request), parsePageQuery(request.query));
      return ok({ items: result.items.map(taskRunResponse), next_cursor: result.next_cursor });
    },

    async getTaskRunLogs(request) {
      const principal = orgPrincipal(request.principal);
      const runId = runIdOf(request);
      const taskRunId = request.pathParameters.task_run_id;
      if (taskRunId === undefined || !TASK_RUN_ID_PATTERN.test(taskRunId)) throw new NotFoundError('task run');
      const logs = await service.logs(principal.org_id, runId, taskRunId);
      return ok({
        task_run_id: logs.task_run.task_run_id,
        task_name: logs.task_run.task_name,
        attempt: logs.task_run.attempt,
        content: logs.content,
        truncated: logs.truncated,
      });
    },

    async cancelRun(request) {
      const actor = auditActor(request);
      const result = await service.cancel(actor, runIdOf(request));
      return ok({ ...runResponse(result.run), task_runs: result.task_runs.map(taskRunResponse) });
    },

    async retryRun(request) {
      const actor = auditActor(request);
      const runId = runIdOf(request);
      const body = parseWith(retryRunBody, request.body ?? {});
      const idempotency = clientIdempotencyOf(request, { operation: 'retryRun', run_id: runId, body });
      const { role } = orgPrincipal(request.principal);
      const { run, created } = await service.retry(actor, runId, {
        role,
        ...(body.parameters === undefined ? {} : { parameters: body.parameters as JsonObject }),
        ...(body.executor === undefined ? {} : { executor: body.executor }),
        ...(idempotency === undefined ? {} : { client_idempotency: idempotency }),
      });
      return replayAware(runResponse(run), created);
    },
  };
}
