import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  BUCKET_ENV,
  ENV,
  FUNCTIONS,
  TABLES,
  requiredEnvVars,
  tableEnvVar,
} from '../../lambdas/catalogue';
import type { BucketAccess, BucketName, Capability, EntityName, FunctionDef, TableAccess } from '../../lambdas/catalogue';
import { OBSERVABILITY_ENV } from '../../lambdas/catalogue';
import { RUN_OBJECT_WRITE_PREFIXES } from '../../lambdas/catalogue';
import { stageConfig } from '../../lib/stage';
import { synthDagy } from './synth';
import type { Synth } from './synth';
import {
  DataIndex,
  hostedFunctions,
  logicalIdOf,
  resource,
  roleStatements,
  sorted,
  tableGrants,
} from './template-helpers';
import type { HostedFunction, Json, Statement } from './template-helpers';

// The access levels, written out independently of lib/ so a change there has to agree with this.
const READ = ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query'];
const WRITE = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
const EXPECTED_TABLE_ACTIONS: Record<TableAccess, string[]> = {
  describe: ['dynamodb:DescribeTable'],
  read: READ,
  readwrite: [...READ, ...WRITE],
  append: ['dynamodb:PutItem'],
  readappend: [...READ, 'dynamodb:PutItem'],
  readupdate: [...READ, 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
};
const QUERIES: Record<TableAccess, boolean> = { describe: false, read: true, readwrite: true, append: false, readappend: true, readupdate: true };
const EXPECTED_BUCKET_ACTIONS: Record<BucketAccess, string[]> = {
  name: [],
  read: ['s3:GetObject', 's3:ListBucket'],
  readwrite: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject'],
  // Reads the bucket; writes only under runs/ and ecs-orders/ (checked by resource below).
  'run-objects': ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject'],
};
const CAPABILITY_ACTIONS: Record<Capability, string[]> = {
  'kms:secrets': ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
  'events:put': ['events:PutEvents'],
  'states:start': ['states:DescribeExecution', 'states:StartExecution', 'states:StopExecution'],
  'states:callback': ['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess'],
  'lambda:invoke-task-runner': ['lambda:InvokeFunction'],
  'lambda:invoke-code-executor': ['lambda:InvokeFunction'],
  'ecs:run-task': ['ecs:DescribeTasks', 'ecs:RunTask', 'ecs:StopTask', 'iam:PassRole'],
  'ses:send': ['ses:SendEmail'],
  'sns:publish': ['sns:Publish'],
};
const CALLBACK_ACTIONS = CAPABILITY_ACTIONS['states:callback'];
const BASELINE_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
/** The async-invoke failure destination: its stack's dead-letter queue (and no other queue, checked below). */
// A function with its own queue (FunctionDef.queue) consumes it through Lambda's event source.
const QUEUE_CONSUMER_ACTIONS = ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'];
const DLQ_ACTIONS = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];

let dev: Synth;
let data: DataIndex;
let hosted: HostedFunction[];
beforeAll(() => {
  dev = synthDagy('dev');
  data = new DataIndex(dev);
  hosted = hostedFunctions(dev);
});

const hostedOf = (name: string): HostedFunction => {
  const found = hosted.find((h) => h.def.name === name);
  if (!found) throw new Error(`${name} is not deployed`);
  return found;
};
const lambdaProps = (h: HostedFunction): Json => resource(h.template, h.functionId).Properties ?? {};
const environment = (h: HostedFunction): Record<string, unknown> =>
  ((lambdaProps(h).Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {});
const actionsOf = (statements: Statement[]): Set<string> =>
  new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action));
const catalogue = Object.values(FUNCTIONS).map((def) => [def.name, def] as const);

/** Set on every function by DagyFunction (the ECS container runs without them: defaults apply). */
const POWERTOOLS_ENV = [OBSERVABILITY_ENV.serviceName, OBSERVABILITY_ENV.logLevel, OBSERVABILITY_ENV.logSampleRate, OBSERVABILITY_ENV.metricsNamespace];

function expectedEnvKeys(def: FunctionDef): string[] {
  const keys = new Set([...requiredEnvVars(def), 'NODE_OPTIONS', ...POWERTOOLS_ENV]);
  if (def.capabilities.includes('kms:secrets')) keys.add(ENV.kmsKeyId);
  // The stage's signup setting (lib/stage.ts), read by the identity function only.
  if (def.name === 'http-identity') keys.add(ENV.signupEnabled);
  return sorted(keys);
}

/** Table grants of a role: exactly the catalogued tables, each at exactly its access level. */
function expectTableGrants(statements: Statement[], def: FunctionDef): void {
  const grants = tableGrants(data, statements);
  expect(sorted(grants.keys())).toEqual(sorted(Object.keys(def.tables)));
  for (const [entity, access] of Object.entries(def.tables) as [EntityName, TableAccess][]) {
    const grant = grants.get(entity)!;
    expect({ entity, actions: sorted(grant.actions) }).toEqual({ entity, actions: sorted(EXPECTED_TABLE_ACTIONS[access]) });
    const indexes = QUERIES[access] ? TABLES[entity].indexes.map((i) => i.name) : [];
    expect({ entity, indexes: sorted(grant.indexes) }).toEqual({ entity, indexes: sorted(indexes) });
  }
}

describe('every catalogued function', () => {
  test('is deployed exactly once', () => {
    expect(sorted(hosted.map((h) => h.def.name))).toEqual(sorted(Object.keys(FUNCTIONS)));
  });

  test.each(catalogue)('%s: Node.js 22 on arm64, traced, memory/timeout from the catalogue, own log group', (name, def) => {
    const h = hostedOf(name);
    const props = lambdaProps(h);
    expect(props).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: def.memoryMb,
      Timeout: def.timeoutSeconds,
    });
    // Tenant code's function: per-tenant execution environments, no X-Ray (its role holds log writes only).
    if (def.untrusted) {
      expect((props.TracingConfig as { Mode?: string } | undefined)?.Mode ?? 'PassThrough').toBe('PassThrough');
      expect(props.TenancyConfig).toEqual({ TenantIsolationMode: 'PER_TENANT' });
    } else {
      expect(props.TracingConfig).toEqual({ Mode: 'Active' });
      expect(props.TenancyConfig).toBeUndefined();
    }
    expect(props.FunctionName).toBeUndefined();
    const logGroupRef = (props.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(resource(h.template, logGroupRef).Properties?.RetentionInDays).toBe(stageConfig('dev').logRetention);
    expect(stageConfig('dev').logRetention).toBe(RetentionDays.ONE_WEEK);
    // No AWS managed policy (IAM4): log writes are granted on the function's own group only.
    expect(resource(h.template, h.roleId).Properties?.ManagedPolicyArns).toBeUndefined();
  });

  test.each(catalogue)('%s: environment is exactly the catalogue contract', (name, def) => {
    const env = environment(hostedOf(name));
    expect(sorted(Object.keys(env))).toEqual(expectedEnvKeys(def));
    expect(env[ENV.stage]).toBe('dev');
    expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
    for (const entity of Object.keys(def.tables) as EntityName[]) {
      // The variable names the table it is for, not just some table.
      expect({ variable: tableEnvVar(entity), table: data.entityOf(env[tableEnvVar(entity)]) }).toEqual({
        variable: tableEnvVar(entity),
        table: entity,
      });
    }
    for (const bucket of Object.keys(def.buckets) as BucketName[]) {
      expect(data.imported(env[BUCKET_ENV[bucket]])).toEqual({ Ref: logicalIdOf(dev.stacks.data.buckets[bucket]) });
    }
  });

  test.each(catalogue)('%s: tables granted are exactly its own, at its access level', (name, def) => {
    const h = hostedOf(name);
    expectTableGrants(roleStatements(h.template, h.roleId), def);
  });

  test.each(catalogue)('%s: no action beyond its tables, buckets and capabilities', (name, def) => {
    const h = hostedOf(name);
    const statements = roleStatements(h.template, h.roleId);
    const allowed = new Set([
      ...BASELINE_ACTIONS,
      ...DLQ_ACTIONS,
      ...(def.queue === undefined ? [] : QUEUE_CONSUMER_ACTIONS),
      ...Object.values(def.tables).flatMap((access) => EXPECTED_TABLE_ACTIONS[access]),
      ...Object.values(def.buckets).flatMap((access) => EXPECTED_BUCKET_ACTIONS[access]),
      ...def.capabilities.flatMap((c) => CAPABILITY_ACTIONS[c]),
    ]);
    const granted = actionsOf(statements);
    expect(sorted([...granted].filter((a) => !allowed.has(a)))).toEqual([]);
    // ...and everything the catalogue promises is there.
    for (const capability of def.capabilities) {
      for (const action of CAPABILITY_ACTIONS[capability]) expect({ capability, action, granted: granted.has(action) }).toMatchObject({ granted: true });
    }
    // Resource "*" only for actions without resource-level permissions: X-Ray, and task-token
    // callbacks for states:callback holders.
    const unscoped = new Set([...(def.untrusted ? [] : ['xray:PutTelemetryRecords', 'xray:PutTraceSegments']), ...(def.capabilities.includes('states:callback') ? CALLBACK_ACTIONS : [])]);
    const onStar = statements.filter((st) => st.Resource.includes('*')).flatMap((st) => st.Action);
    expect(sorted(new Set(onStar))).toEqual(sorted(unscoped));
  });

  test.each(catalogue)('%s: bucket grants match the catalogue', (name, def) => {
    const h = hostedOf(name);
    const statements = roleStatements(h.template, h.roleId).filter((s) => s.Action.some((a) => a.startsWith('s3:')));
    const byBucket = new Map<string, Set<string>>();
    const prefixed = new Map<string, Set<string>>();
    for (const s of statements) {
      for (const ref of s.Resource) {
        const prefix = data.bucketPrefixOf(ref);
        if (prefix !== null) {
          const actions = prefixed.get(prefix) ?? new Set<string>();
          s.Action.forEach((a) => actions.add(a));
          prefixed.set(prefix, actions);
          continue;
        }
        const target = data.classify(ref);
        expect(target.kind).toBe('bucket');
        if (target.kind !== 'bucket') continue;
        const actions = byBucket.get(target.name) ?? new Set<string>();
        s.Action.forEach((a) => actions.add(a));
        byBucket.set(target.name, actions);
      }
    }
    const granted = (Object.entries(def.buckets) as [BucketName, BucketAccess][]).filter(([, access]) => access !== 'name');
    expect(sorted(byBucket.keys())).toEqual(sorted(granted.map(([bucket]) => bucket)));
    for (const [bucket, access] of granted) {
      const actions = new Set(byBucket.get(bucket)!);
      for (const [, writes] of prefixed) writes.forEach((a) => actions.add(a));
      expect(sorted(actions)).toEqual(sorted(EXPECTED_BUCKET_ACTIONS[access]));
      // run-objects writes only under the run-object prefixes; nothing else writes under a prefix.
      if (access === 'run-objects') {
        expect(byBucket.get(bucket)!.has('s3:PutObject')).toBe(false);
        expect(sorted(prefixed.keys())).toEqual(sorted(RUN_OBJECT_WRITE_PREFIXES.map((p) => `artifacts/${p}/*`)));
      }
    }
    if (!Object.values(def.buckets).includes('run-objects')) expect(prefixed.size).toBe(0);
  });
});

describe('append-only tables', () => {
  test('no API function can update, delete or batch-write the audit log', () => {
    for (const h of hosted.filter((x) => x.template === dev.api)) {
      const audit = tableGrants(data, roleStatements(h.template, h.roleId)).get('AuditLog');
      if (!audit) continue;
      for (const forbidden of ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) {
        expect({ fn: h.def.name, forbidden, granted: audit.actions.has(forbidden) }).toMatchObject({ granted: false });
      }
    }
    // The catalogue actually binds the audit log somewhere in the API, so the loop above checked something.
    expect(hosted.some((h) => h.template === dev.api && FUNCTIONS[h.def.name].tables.AuditLog === 'append')).toBe(true);
  });
});

describe('run starters and secrets', () => {
  // Every function that starts runs refuses a run whose tasks declare an unknown secret, so it
  // reads the Secret table; only those with kms:secrets (their own sealing needs) can open a value.
  const STARTERS = ['http-execution', 'schedule-evaluator', 'http-sensors', 's3-sensor', 'sensor-poller'];
  test.each(STARTERS)('%s reads the Secret table without writing it', (name) => {
    const h = hostedOf(name);
    const statements = roleStatements(h.template, h.roleId);
    const secret = tableGrants(data, statements).get('Secret');
    expect(secret === undefined ? [] : sorted(secret.actions)).toEqual(sorted(READ));
    const canDecrypt = actionsOf(statements).has('kms:Decrypt');
    expect({ name, canDecrypt }).toEqual({ name, canDecrypt: FUNCTIONS[name as keyof typeof FUNCTIONS].capabilities.includes('kms:secrets') });
  });
});

describe('capability wiring', () => {
  const stateMachineId = (): string => logicalIdOf(dev.stacks.orchestration.stateMachine);

  test('states:start: DAGY_STATE_MACHINE_ARN is the run state machine, in every stack', () => {
    const outputs = (dev.orchestration.toJSON() as { Outputs: Record<string, { Value: unknown; Export?: { Name: string } }> }).Outputs;
    const exported = new Map(Object.values(outputs).flatMap((o) => (o.Export ? [[o.Export.Name, o.Value] as const] : [])));
    const machineName = resource(dev.orchestration, stateMachineId()).Properties?.StateMachineName;
    for (const def of Object.values(FUNCTIONS).filter((d) => d.capabilities.includes('states:start'))) {
      const h = hostedOf(def.name);
      const value = environment(h)[ENV.stateMachineArn] as Json;
      if (h.template === dev.orchestration) {
        // Built from the name (no cycle with the state machine): the name must be the real one.
        expect(JSON.stringify(value)).toContain(`:stateMachine:${String(machineName)}`);
      } else {
        expect(exported.get((value as { 'Fn::ImportValue': string })['Fn::ImportValue'])).toEqual({ Ref: stateMachineId() });
      }
    }
  });

  test('lambda:invoke-task-runner: the orchestrator names and may invoke the task runner', () => {
    const taskRunnerId = logicalIdOf(dev.stacks.orchestration.functions['task-runner'].function);
    for (const def of Object.values(FUNCTIONS).filter((d) => d.capabilities.includes('lambda:invoke-task-runner'))) {
      const h = hostedOf(def.name);
      expect(environment(h)[ENV.taskRunnerFunction]).toEqual({ Ref: taskRunnerId });
      const invoke = roleStatements(h.template, h.roleId).filter((s) => s.Action.includes('lambda:InvokeFunction'));
      expect(invoke.flatMap((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [taskRunnerId, 'Arn'] }]);
    }
  });

  test('ecs:run-task: RunTask only in the runner cluster, PassRole only to ECS', () => {
    for (const def of Object.values(FUNCTIONS).filter((d) => d.capabilities.includes('ecs:run-task'))) {
      const h = hostedOf(def.name);
      const env = environment(h);
      expect(env[ENV.ecsTaskDefinition]).toBe(dev.stacks.orchestration.runnerTaskDefinition.family);
      expect(env[ENV.ecsContainerName]).toBe('runner');
      const statements = roleStatements(h.template, h.roleId);
      const runTask = statements.find((s) => s.Action.includes('ecs:RunTask'))!;
      expect(runTask.Condition).toEqual({ ArnEquals: { 'ecs:cluster': expect.anything() } });
      const passRole = statements.find((s) => s.Action.includes('iam:PassRole'))!;
      expect(passRole.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
      expect(passRole.Resource).toHaveLength(2);
    }
  });

  test('states:callback: SendTask* on Resource "*" (task tokens are not ARNs), for functions and the ECS runner alike', () => {
    const holders = Object.values(FUNCTIONS).filter((d) => d.capabilities.includes('states:callback'));
    expect(holders.length).toBeGreaterThan(0);
    const roles: [string, Statement[]][] = holders.map((def) => {
      const h = hostedOf(def.name);
      return [def.name, roleStatements(h.template, h.roleId)];
    });
    const taskRole = logicalIdOf(dev.stacks.orchestration.runnerTaskDefinition.taskRole);
    roles.push(['ECS runner task role', roleStatements(dev.orchestration, taskRole)]);
    for (const [who, statements] of roles) {
      const callbacks = statements.filter((s) => s.Action.some((a) => CALLBACK_ACTIONS.includes(a)));
      expect({ who, statements: callbacks.length }).toEqual({ who, statements: 1 });
      const [statement] = callbacks;
      expect({ who, effect: statement!.Effect, resource: statement!.Resource }).toEqual({ who, effect: 'Allow', resource: ['*'] });
      const granted = statement!.Action.filter((a) => a.startsWith('states:'));
      expect({ who, actions: sorted(granted) }).toEqual({ who, actions: sorted(CALLBACK_ACTIONS) });
      expect(statement!.Condition).toBeUndefined();
    }
  });

  test('kms:secrets: the key id variable and key grants point at the secrets key', () => {
    const keyId = logicalIdOf(dev.stacks.data.secretsKey);
    for (const def of Object.values(FUNCTIONS).filter((d) => d.capabilities.includes('kms:secrets'))) {
      const h = hostedOf(def.name);
      expect(data.importedLogicalId(environment(h)[ENV.kmsKeyId])).toBe(keyId);
      const kms = roleStatements(h.template, h.roleId).filter((s) => s.Action.some((a) => a.startsWith('kms:')));
      expect(kms.flatMap((s) => s.Resource).map((r) => data.importedLogicalId(r))).toEqual([keyId]);
    }
  });

  test('events:put: PutEvents on the Dagy bus only', () => {
    const busId = logicalIdOf(dev.stacks.data.eventBus);
    for (const def of Object.values(FUNCTIONS).filter((d) => d.capabilities.includes('events:put'))) {
      const h = hostedOf(def.name);
      expect(data.importedLogicalId(environment(h)[ENV.eventBusName])).toBe(busId);
      const put = roleStatements(h.template, h.roleId).filter((s) => s.Action.includes('events:PutEvents'));
      expect(put.flatMap((s) => s.Resource).map((r) => data.importedLogicalId(r))).toEqual([busId]);
    }
  });
});

describe('the ECS runner holds no credential for Dagy data', () => {
  test('its container environment names no table, bucket, key or bus; its task role may only redeem task tokens', () => {
    const orchestration = dev.stacks.orchestration;
    const taskDef = resource(dev.orchestration, logicalIdOf(orchestration.runnerTaskDefinition)).Properties!;
    const container = (taskDef.ContainerDefinitions as { Environment: { Name: string; Value: unknown }[] }[])[0]!;
    expect(sorted(container.Environment.map((e) => e.Name))).toEqual([ENV.stage]);
    const taskRoleId = logicalIdOf(orchestration.runnerTaskDefinition.taskRole);
    const statements = roleStatements(dev.orchestration, taskRoleId);
    expect(sorted(actionsOf(statements))).toEqual(sorted(CALLBACK_ACTIONS));
    expect([...actionsOf(statements)].some((a) => /^(dynamodb|s3|kms|lambda|events):/.test(a))).toBe(false);
  });
});

describe('no runtime role can write the runner bundle or flow artifacts', () => {
  test.each(catalogue)('%s: object writes, if any, only under the run-object prefixes', (name) => {
    const h = hostedOf(name);
    const writes = roleStatements(h.template, h.roleId).filter((s) => s.Action.some((a) => a === 's3:PutObject' || a === 's3:DeleteObject'));
    for (const s of writes) {
      for (const ref of s.Resource) {
        // Only the http-flows function (artifact registration) writes the bucket at large; runtime/ is uploaded at deploy.
        if (name === 'http-flows') continue;
        expect({ name, prefix: data.bucketPrefixOf(ref) }).toEqual({ name, prefix: expect.stringMatching(/^artifacts\/(runs|ecs-orders)\/\*$/) });
      }
    }
  });
});
