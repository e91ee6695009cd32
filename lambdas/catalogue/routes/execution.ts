import type { RouteDef } from './types';

// Run bodies are small but carry run parameters (at most 64 KB as JSON, see execution/schemas.ts).
const RUN_BODY = 96 * 1024;

export const EXECUTION_ROUTES: RouteDef[] = [
  { method: 'POST', path: '/v1/runs', domain: 'execution', operation: 'startRun', permission: 'runs:write', summary: 'Start a run of a deployment or a flow version (honours Idempotency-Key)', maxBodyBytes: RUN_BODY },
  { method: 'GET', path: '/v1/runs', domain: 'execution', operation: 'listRuns', permission: 'runs:read', summary: 'Runs of the organization, newest first, filtered by status, flow_name or deployment_name (paginated)' },
  { method: 'GET', path: '/v1/runs/{run_id}', domain: 'execution', operation: 'getRun', permission: 'runs:read', summary: 'A run with its task runs and, once finished, its outputs' },
  { method: 'GET', path: '/v1/runs/{run_id}/task-runs', domain: 'execution', operation: 'listTaskRuns', permission: 'runs:read', summary: 'Task runs of a run (paginated)' },
  { method: 'GET', path: '/v1/runs/{run_id}/task-runs/{task_run_id}/logs', domain: 'execution', operation: 'getTaskRunLogs', permission: 'runs:read', summary: "A task run's log text" },
  { method: 'POST', path: '/v1/runs/{run_id}/cancel', domain: 'execution', operation: 'cancelRun', permission: 'runs:write', summary: 'Cancel a QUEUED or RUNNING run: stops its execution and settles its open task runs', maxBodyBytes: 1024 },
  { method: 'POST', path: '/v1/runs/{run_id}/retry', domain: 'execution', operation: 'retryRun', permission: 'runs:write', summary: 'A new run of a FAILED or CANCELLED run that keeps the succeeded tasks\' outputs (honours Idempotency-Key)', maxBodyBytes: RUN_BODY },
];
