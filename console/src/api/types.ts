// The shapes of the /v1 API that the console reads (see lambdas/*/schemas.ts for the sources).
import type { Role } from '../../../lambdas/catalogue/roles';

export type { Role };

export { RUN_STATUSES, TASK_STATUSES } from '../../../lambdas/engine/states';
/** As RUN_TRIGGER_TYPES in lambdas/execution/run-repository.ts (kept equal by console/test/api-types.test.ts). */
export const TRIGGER_TYPES = ['manual', 'schedule', 'sensor', 'retry'] as const;

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Organization {
  org_id: string;
  name: string;
}

export interface Me {
  principal_type: 'user' | 'api_key';
  user: { user_id: string; email: string; name: string } | null;
  api_key: { key_id: string; name: string; role: Role } | null;
  organization: Organization | null;
  role: Role | null;
  organizations: Array<{ org_id: string; name: string; role: Role }>;
}

export interface TaskRun {
  task_run_id: string;
  run_id: string;
  task_name: string;
  status: string;
  attempt: number;
  executor: string | null;
  started_at: string | null;
  completed_at: string | null;
  error_message: string | null;
  output_ref: string | null;
  not_before: string | null;
  reused_from_run_id: string | null;
}

export interface Run {
  run_id: string;
  run_slug: string;
  flow_name: string;
  flow_version: string;
  deployment_name: string | null;
  status: string;
  parameters: Record<string, unknown>;
  executor: string;
  trigger: { type: string; id: string | null; slot: string | null };
  retry_of: string | null;
  error_message: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  cost_usd?: number | null;
}

export interface RunDetail extends Run {
  task_runs: TaskRun[];
  outputs: Record<string, unknown> | null;
}

export interface TaskSpec {
  name: string;
  type: 'code' | 'http';
  handler?: string;
  request?: { method: string; url: string; headers?: Record<string, string>; body?: unknown };
  executor?: 'lambda' | 'ecs';
  retries?: number;
  retry_delay_seconds?: number;
  timeout_seconds?: number;
  trigger_rule?: string;
  parameters?: Record<string, unknown>;
  secrets?: string[];
}

export interface EdgeSpec {
  from: string;
  to: string;
}

export interface FlowSpec {
  parameters?: Record<string, unknown>;
  tasks: TaskSpec[];
  edges?: EdgeSpec[];
  outputs?: Record<string, string>;
}

export interface FlowVersion {
  flow_name: string;
  flow_version: string;
  namespace: string;
  status: string;
  default_executor: string;
  created_at: string;
  flow_spec?: FlowSpec;
}

export interface Deployment {
  deployment_name: string;
  flow_name: string;
  flow_version: string;
  environment: string;
  schedule: string | null;
  status: string;
  parameters: Record<string, unknown>;
  deployment_version: number;
  updated_at: string;
}

export interface Draft {
  draft_id: string;
  name: string;
  description: string;
  flow_name: string | null;
  namespace: string | null;
  tags: Record<string, string>;
  default_executor: string | null;
  artifact: { upload_key: string } | null;
  version: number;
  flow_spec: Record<string, unknown>;
  layout: Record<string, { x: number; y: number }>;
  updated_at: string;
}

export interface DraftIssue {
  task: string | null;
  path: string;
  message: string;
}
