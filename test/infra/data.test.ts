import { Match } from 'aws-cdk-lib/assertions';
import { ENTITIES, SEED_ACCESS_PATTERNS, TABLES, TABLE_LIST } from '../../lambdas/catalogue';
import type { IndexDef, KeyAttribute, TableDef } from '../../lambdas/catalogue';
import { synthDagy } from './synth';
import type { Synth } from './synth';
import { logicalIdOf, resource, resources } from './template-helpers';
import type { Json } from './template-helpers';

let dev: Synth;
let prod: Synth;
beforeAll(() => {
  dev = synthDagy('dev');
  prod = synthDagy('prod');
});

const keySchema = (pk: KeyAttribute, sk?: KeyAttribute): Json[] => [
  { AttributeName: pk.name, KeyType: 'HASH' },
  ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' }] : []),
];

function tableProps(synth: Synth, def: TableDef): Json {
  return resource(synth.data, logicalIdOf(synth.stacks.data.tables[def.entity])).Properties ?? {};
}

describe('tables from the catalogue', () => {
  test('one DynamoDB table per entity (21)', () => {
    expect(ENTITIES).toHaveLength(21);
    expect(Object.keys(resources(dev.data, 'AWS::DynamoDB::Table'))).toHaveLength(ENTITIES.length);
  });

  test.each(TABLE_LIST.map((def) => [def.entity, def] as const))('%s: keys, attribute types, GSIs, TTL', (_entity, def) => {
    const props = tableProps(dev, def);
    expect(props.KeySchema).toEqual(keySchema(def.partitionKey, def.sortKey));

    // Every key attribute of the table and its GSIs is defined once, with its catalogued type.
    const expectedAttributes = new Map<string, string>();
    for (const key of [def.partitionKey, def.sortKey, ...def.indexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
      if (key) expectedAttributes.set(key.name, key.type);
    }
    const definitions = props.AttributeDefinitions as { AttributeName: string; AttributeType: string }[];
    expect(new Map(definitions.map((d) => [d.AttributeName, d.AttributeType]))).toEqual(expectedAttributes);
    expect(definitions).toHaveLength(expectedAttributes.size);

    const gsis = (props.GlobalSecondaryIndexes ?? []) as { IndexName: string; KeySchema: Json[]; Projection: Json }[];
    expect(gsis.map((g) => g.IndexName).sort()).toEqual(def.indexes.map((i) => i.name).sort());
    for (const index of def.indexes) {
      const gsi = gsis.find((g) => g.IndexName === index.name)!;
      expect(gsi.KeySchema).toEqual(keySchema(index.partitionKey, index.sortKey));
      expect(gsi.Projection).toEqual({ ProjectionType: index.projection });
    }

    if (def.ttlAttribute) {
      expect(props.TimeToLiveSpecification).toEqual({ AttributeName: def.ttlAttribute, Enabled: true });
    } else {
      expect(props.TimeToLiveSpecification).toBeUndefined();
    }
  });

  test.each(TABLE_LIST.map((def) => [def.entity, def] as const))('%s: on-demand, PITR, encrypted at rest', (_entity, def) => {
    const props = tableProps(dev, def);
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
    expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(props.SSESpecification).toEqual({ SSEEnabled: true });
    // Physical names are generated: no two stages or accounts can collide.
    expect(props.TableName).toBeUndefined();
  });

  test('deletion protection and RETAIN in prod only; PITR in both', () => {
    for (const def of TABLE_LIST) {
      const devTable = resource(dev.data, logicalIdOf(dev.stacks.data.tables[def.entity]));
      const prodTable = resource(prod.data, logicalIdOf(prod.stacks.data.tables[def.entity]));
      expect(devTable.Properties?.DeletionProtectionEnabled).toBe(false);
      expect(devTable.DeletionPolicy).toBe('Delete');
      expect(prodTable.Properties?.DeletionProtectionEnabled).toBe(true);
      expect(prodTable.DeletionPolicy).toBe('Retain');
      expect(prodTable.Properties?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    }
  });

  test.each(SEED_ACCESS_PATTERNS.map((p) => [p.pattern, p] as const))('access pattern "%s" is served by a key or GSI', (_name, pattern) => {
    const def = TABLES[pattern.entity];
    const props = tableProps(dev, def);
    if (pattern.index === null) {
      expect(props.KeySchema).toEqual(keySchema(def.partitionKey, def.sortKey));
      // GetItem needs the full key; Query needs a partition key to query within.
      if (pattern.operation === 'GetItem') expect(def.partitionKey).toBeDefined();
      return;
    }
    const index = def.indexes.find((i) => i.name === pattern.index) as IndexDef | undefined;
    expect(index).toBeDefined();
    const gsi = ((props.GlobalSecondaryIndexes ?? []) as { IndexName: string; KeySchema: Json[] }[]).find(
      (g) => g.IndexName === pattern.index,
    );
    expect(gsi?.KeySchema).toEqual(keySchema(index!.partitionKey, index!.sortKey));
  });

  test('every table name and ARN is exported under a stable name', () => {
    for (const entity of ENTITIES) {
      const tableId = logicalIdOf(dev.stacks.data.tables[entity]);
      dev.data.hasOutput(`ExportTable${entity}Name`, {
        Value: { Ref: tableId },
        Export: { Name: `Dagy-dev-Data-Table${entity}Name` },
      });
      dev.data.hasOutput(`ExportTable${entity}Arn`, {
        Value: { 'Fn::GetAtt': [tableId, 'Arn'] },
        Export: { Name: `Dagy-dev-Data-Table${entity}Arn` },
      });
    }
  });
});

describe('secrets key, buckets, bus', () => {
  test('the secrets key rotates', () => {
    dev.data.resourceCountIs('AWS::KMS::Key', 1);
    dev.data.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test.each(['artifacts', 'ingest'] as const)('%s bucket: private, encrypted, TLS only, access-logged', (name) => {
    const id = logicalIdOf(dev.stacks.data.buckets[name]);
    const props = resource(dev.data, id).Properties ?? {};
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(props.BucketEncryption).toBeDefined();
    expect(props.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logicalIdOf(dev.stacks.data.accessLogBucket) },
      LogFilePrefix: `${name}/`,
    });
    expect(props.BucketName).toBeUndefined();
    dev.data.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('presigned uploads expire from the artifacts bucket after a day', () => {
    const props = resource(dev.data, logicalIdOf(dev.stacks.data.buckets.artifacts)).Properties ?? {};
    expect((props.LifecycleConfiguration as { Rules: unknown[] }).Rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ Prefix: 'uploads/', ExpirationInDays: 1, Status: 'Enabled' })]),
    );
  });

  test('the ingest bucket is versioned and sends its events to EventBridge', () => {
    const props = resource(dev.data, logicalIdOf(dev.stacks.data.buckets.ingest)).Properties ?? {};
    expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(props.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    // Natively, not through the custom-resource Lambda of the L2 flag.
    expect(Object.keys(resources(dev.data, 'Custom::S3BucketNotifications'))).toHaveLength(0);
  });

  test('buckets are retained in prod, destroyed with the stack in dev', () => {
    for (const name of ['artifacts', 'ingest'] as const) {
      expect(resource(dev.data, logicalIdOf(dev.stacks.data.buckets[name])).DeletionPolicy).toBe('Delete');
      expect(resource(prod.data, logicalIdOf(prod.stacks.data.buckets[name])).DeletionPolicy).toBe('Retain');
    }
  });

  test('the Dagy event bus is named after the stage', () => {
    dev.data.hasResourceProperties('AWS::Events::EventBus', { Name: 'dagy-dev' });
    prod.data.hasResourceProperties('AWS::Events::EventBus', { Name: 'dagy-prod' });
  });
});
