import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Platform } from '../local/platform';
import type { TickReport } from '../lambdas/scheduling/evaluator';
import type { ScheduleRecord } from '../lambdas/scheduling/schedule-record';
import { toScheduleItem } from '../lambdas/scheduling/schedule-repository';
import { epochToUtcIso } from '../lambdas/scheduling/slots';
import { summarize, withBenchPlatform } from './support';

/*
 * The schedule evaluator on the local platform (DynamoDB Local, the real run starter; the run
 * state machine replaced by a recorder of StartExecution, so only scheduling is measured):
 * - DynamoDB items read per tick with 10,000 enabled schedules of which 10 are due (goal:
 *   proportional to the due ones, not to the total): the due-index Queries' Count/ScannedCount
 *   summed by the evaluator, and every DynamoDB command it sent (observeAws) during the tick;
 * - slot-to-run-start delay (goal ≤ 1 s): schedules whose slot falls inside the coming minute are
 *   claimed by the tick and started at their slot second; measured from the slot to the
 *   evaluator's start call and to the run's StartExecution.
 */

const TOTAL = 10_000;
const DUE = 10;

async function signUpWithFlow(platform: Platform): Promise<string> {
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${platform.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const suffix = Math.random().toString(16).slice(2, 10);
  const signup = await post('/v1/auth/signup', { email: `bench-${suffix}@example.com`, password: `bench-horse-${suffix}-battery`, name: 'bench', org_name: `bench ${suffix}` });
  if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${JSON.stringify(signup.body)}`);
  const token = signup.body.access_token.token as string;
  const flow = await post('/v1/flows', { flow_name: 'etl', flow_version: '1.0.0', flow_spec: { tasks: [{ name: 'ping', type: 'http', request: { method: 'GET', url: 'http://127.0.0.1:9/' } }] } }, token);
  if (flow.status !== 201) throw new Error(`register flow: ${flow.status} ${JSON.stringify(flow.body)}`);
  // Executions are stubbed and never end, so each run keeps its slot: on the free plan's five, the
  // slot rounds' runs only queued (no StartExecution to time). The enterprise plan has room for all.
  const plan = await fetch(`${platform.url}/v1/subscription`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ plan: 'enterprise' }),
  });
  if (plan.status !== 200) throw new Error(`subscription: ${plan.status} ${await plan.text()}`);
  return signup.body.organization.org_id as string;
}

function schedule(org: string, id: string, nowEpoch: number, next: number, over: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return {
    org_id: org,
    schedule_id: id,
    flow_name: 'etl',
    flow_version: '1.0.0',
    deployment_name: null,
    mode: 'interval',
    enabled: true,
    cron_expression: null,
    interval_seconds: 86_400,
    timezone: 'UTC',
    catchup_policy: 'none',
    parameters: {},
    start_at: epochToUtcIso(next),
    end_at: null,
    next_run_epoch: next,
    next_run_at: epochToUtcIso(next),
    last_triggered_at: null,
    last_slot_at: null,
    last_skipped_at: null,
    last_skipped_slot_at: null,
    last_skip_reason: null,
    last_error: null,
    last_error_at: null,
    managed_by: null,
    created_at: epochToUtcIso(nowEpoch),
    updated_at: epochToUtcIso(nowEpoch),
    version: 1,
    ...over,
  };
}

async function putAll(ddb: DynamoDBDocumentClient, table: string, records: ScheduleRecord[]): Promise<void> {
  const batches: ScheduleRecord[][] = [];
  for (let i = 0; i < records.length; i += 25) batches.push(records.slice(i, i + 25));
  for (let i = 0; i < batches.length; i += 16) {
    await Promise.all(
      batches.slice(i, i + 16).map(async (batch) => {
        let pending = batch.map((r) => ({ PutRequest: { Item: toScheduleItem(r) } }));
        while (pending.length > 0) {
          const out = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
          pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
        }
      }),
    );
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const commands = new Map<string, number>();
  let counting = false;
  return withBenchPlatform(
    async (platform) => {
      const executions: Array<{ name: string; at_ms: number }> = [];
      platform.emulator.register('AWSStepFunctions.StartExecution', async (body) => {
        executions.push({ name: String(body.name), at_ms: Date.now() });
        return { executionArn: `${String(body.stateMachineArn).replace(':stateMachine:', ':execution:')}:${String(body.name)}`, startDate: Date.now() / 1000 };
      });
      const ddb = DynamoDBDocumentClient.from(platform.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
      const table = platform.resources.tables.Schedule;
      const org = await signUpWithFlow(platform);
      const now = Math.floor(Date.now() / 1000);

      // 10,000 enabled schedules: 10 due now, the rest due in a day or later.
      const records = Array.from({ length: TOTAL }, (_, i) =>
        i < DUE ? schedule(org, `due-${i}`, now, now - 30) : schedule(org, `later-${i}`, now, now + 86_400 + (i % 3600)),
      );
      const loadStarted = Date.now();
      await putAll(ddb, table, records);
      const loadMs = Date.now() - loadStarted;

      commands.clear();
      counting = true;
      const tickStarted = Date.now();
      const report = (await platform.invoke('schedule-evaluator', {})) as TickReport;
      const tickMs = Date.now() - tickStarted;
      counting = false;
      const perTick = Object.fromEntries([...commands].sort());
      const ddbCommands = [...commands].filter(([k]) => k.startsWith('ddb:')).reduce((n, [, c]) => n + c, 0);

      // Slot-to-run-start: 3 rounds of 10 schedules whose slot is 4 s after the tick starts.
      const startCallDelays: number[] = [];
      const executionDelays: number[] = [];
      for (let round = 0; round < 3; round++) {
        const slot = Math.floor(Date.now() / 1000) + 4;
        const ids = Array.from({ length: DUE }, (_, i) => `soon-${round}-${i}`);
        await putAll(ddb, table, ids.map((id) => schedule(org, id, slot - 4, slot)));
        const seenBefore = executions.length;
        const r = (await platform.invoke('schedule-evaluator', {})) as TickReport;
        startCallDelays.push(...r.start_delays_ms);
        for (const e of executions.slice(seenBefore)) executionDelays.push(e.at_ms - slot * 1000);
      }

      // For scale: every schedule of the table (what a Scan, which the sparse index avoids, reads).
      let inTable = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const page = await ddb.send(
          new QueryCommand({ TableName: table, KeyConditionExpression: 'org_id = :o', ExpressionAttributeValues: { ':o': org }, Select: 'COUNT', ExclusiveStartKey: start }),
        );
        inTable += page.Count ?? 0;
        start = page.LastEvaluatedKey;
      } while (start !== undefined);

      return {
        schedules_total: TOTAL,
        schedules_due: DUE,
        load_10k_ms: loadMs,
        tick: {
          wall_ms: tickMs,
          due_index_queries: report.queries,
          items_read_query_count: report.items_read,
          items_scanned_query_scanned_count: report.items_scanned,
          items_read_per_due_schedule: report.items_read / DUE,
          runs_created: report.runs_created,
          dynamodb_commands: ddbCommands,
          commands_by_name: perTick,
        },
        schedules_in_table: inTable,
        slot_to_start_call_ms: summarize(startCallDelays),
        slot_to_start_execution_ms: summarize(executionDelays),
        max_slot_to_start_execution_ms: executionDelays.length === 0 ? null : Math.max(...executionDelays),
      };
    },
    {
      // Its flow's http task names http://127.0.0.1:9/ (runs are recorded, never executed).
      allowLoopbackEgress: true,
      observeAws: (service, command) => {
        if (!counting) return;
        const key = `${service}:${command}`;
        commands.set(key, (commands.get(key) ?? 0) + 1);
      },
    },
  );
}
