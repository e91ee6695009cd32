// Shared set-up of the schedule and sensor API tests: a flow with a parameters schema, a
// deployment, and a recorder in place of the run state machine (runs stay QUEUED).
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { JsonBody } from '../../../local/aws-emulator';
import type { Platform } from '../../../local/platform';
import type { TestTenant } from '../../support/auth';
import { documentClient } from './support';

export const FLOW_SPEC = {
  parameters: {
    type: 'object',
    properties: { day: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }, limit: { type: 'integer', minimum: 1 } },
    additionalProperties: true,
  },
  tasks: [{ name: 'ping', type: 'http', request: { method: 'GET', url: 'http://127.0.0.1:9/ping' } }],
};

export async function registerFlow(tenant: TestTenant, flow_name = 'etl', flow_version = '1.0.0', flow_spec: unknown = FLOW_SPEC): Promise<void> {
  const res = await tenant.api.post('/v1/flows', { flow_name, flow_version, default_executor: 'lambda', flow_spec });
  if (res.status !== 201 && res.status !== 200) throw new Error(`register flow: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function createDeployment(tenant: TestTenant, deployment_name: string, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await tenant.api.post('/v1/deployments', { deployment_name, flow_name: 'etl', flow_version: '1.0.0', environment: 'dev', ...extra });
  if (res.status !== 201) throw new Error(`create deployment: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Replaces the run state machine with a recorder of StartExecution calls. */
export function recordExecutions(platform: Platform): JsonBody[] {
  const started: JsonBody[] = [];
  platform.emulator.register('AWSStepFunctions.StartExecution', async (body) => {
    started.push(body);
    return { executionArn: `${String(body.stateMachineArn).replace(':stateMachine:', ':execution:')}:${String(body.name)}`, startDate: Date.now() / 1000 };
  });
  return started;
}

/** The raw stored item (key and index attributes included), for checks the API does not show. */
export async function rawItem(platform: Platform, table: string, key: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  return (await documentClient(platform).send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
}

export interface RunView {
  run_id: string;
  status: string;
  flow_name: string;
  deployment_name: string | null;
  parameters: Record<string, unknown>;
  trigger: { type: string; id: string | null; slot: string | null };
  created_at: string;
}

/** Every run of the tenant's organization (newest first), through GET /v1/runs. */
export async function listRuns(tenant: TestTenant, query = ''): Promise<RunView[]> {
  const runs: RunView[] = [];
  let cursor: string | null = null;
  do {
    const res: { status: number; body: { items: RunView[]; next_cursor: string | null } } = await tenant.api.get(`/v1/runs?limit=100${query}${cursor === null ? '' : `&cursor=${cursor}`}`);
    if (res.status !== 200) throw new Error(`list runs: ${res.status} ${JSON.stringify(res.body)}`);
    runs.push(...res.body.items);
    cursor = res.body.next_cursor;
  } while (cursor !== null);
  return runs;
}
