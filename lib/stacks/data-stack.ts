import { Duration, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ECS_ORDERS_PREFIX, ENTITIES, TABLE_LIST, entitySlug } from '../../lambdas/catalogue';
import type { BucketName, EntityName, KeyAttribute } from '../../lambdas/catalogue';
import type { BucketRef, CatalogueResources, EventBusRef, KeyRef, TableRef } from '../constructs/bindings';
import { StableExports } from '../exports';
import type { StageConfig } from '../stage';

export interface DataStackProps extends StackProps {
  readonly stage: StageConfig;
}

type DataResources = Pick<CatalogueResources, 'tables' | 'buckets' | 'secretsKey' | 'eventBus'>;

/**
 * The stateful part of Dagy: one table per entity (from the tables catalogue), the secrets key,
 * the artifact and ingest buckets and the Dagy event bus. Other stacks reach them only through
 * `importInto`, so this stack deploys first and never depends on anything.
 */
export class DataStack extends Stack {
  readonly tables: Record<EntityName, Table>;
  readonly buckets: Record<BucketName, Bucket>;
  readonly accessLogBucket: Bucket;
  readonly secretsKey: Key;
  readonly eventBus: EventBus;
  private readonly exports = new StableExports(this);

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { stage } = props;

    this.tables = {} as Record<EntityName, Table>;
    for (const def of TABLE_LIST) {
      const table = new Table(this, `Table${def.entity}`, {
        partitionKey: attribute(def.partitionKey),
        sortKey: def.sortKey && attribute(def.sortKey),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: TableEncryption.AWS_MANAGED,
        timeToLiveAttribute: def.ttlAttribute,
        deletionProtection: stage.tableDeletionProtection,
        removalPolicy: stage.removalPolicy,
      });
      for (const index of def.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: attribute(index.partitionKey),
          sortKey: index.sortKey && attribute(index.sortKey),
          projectionType: index.projection === 'ALL' ? ProjectionType.ALL : ProjectionType.KEYS_ONLY,
        });
      }
      this.tables[def.entity] = table;
      this.exports.publish(`Table${def.entity}Name`, table.tableName, `${def.entity} table (${entitySlug(def.entity)})`);
      this.exports.publish(`Table${def.entity}Arn`, table.tableArn);
    }

    this.secretsKey = new Key(this, 'SecretsKey', {
      description: `Dagy ${stage.name}: wraps the data keys of org secrets (envelope encryption)`,
      enableKeyRotation: true,
      removalPolicy: stage.removalPolicy,
    });
    this.exports.publish('SecretsKeyArn', this.secretsKey.keyArn);

    // Access logs are delivered through a bucket policy (ACLs stay disabled), not the legacy
    // LogDeliveryWrite ACL: cdk.json sets @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy.
    this.accessLogBucket = new Bucket(this, 'AccessLogs', {
      ...bucketBasics(stage),
      // Access log delivery does not support SSE-KMS targets; S3-managed keys it is.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: stage.accessLogExpiration }],
    });

    const artifacts = new Bucket(this, 'Artifacts', {
      ...bucketBasics(stage),
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'artifacts/',
      // Versioned: an overwritten artifact or runner bundle (runtime/) can be recovered and audited.
      versioned: true,
      // Presigned multipart uploads that were never completed still cost storage.
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(1), noncurrentVersionExpiration: Duration.days(30) },
        // Presigned uploads are copied to content-addressed keys at registration; the originals
        // are kept a day so a retried registration still finds them.
        { prefix: 'uploads/', expiration: Duration.days(1) },
        // ECS work orders carry the declared secrets of a run: gone within a day even if a run's
        // collector never deleted them.
        { prefix: `${ECS_ORDERS_PREFIX}/`, expiration: Duration.days(1) },
      ],
    });
    const ingest = new Bucket(this, 'Ingest', {
      ...bucketBasics(stage),
      versioned: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'ingest/',
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });
    // S3 → EventBridge "Object Created" for the S3 sensors. Set on the CloudFormation bucket itself:
    // the L2 `eventBridgeEnabled` goes through a custom-resource Lambda that this needs no longer.
    (ingest.node.defaultChild as CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    // Artifacts → EventBridge too: an ECS runner container (no credential) announces its stored
    // progress and result this way, and the orchestrator records it (events catalogue).
    (artifacts.node.defaultChild as CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    this.buckets = { artifacts, ingest };
    for (const [name, bucket] of Object.entries(this.buckets) as [BucketName, Bucket][]) {
      this.exports.publish(`${BUCKET_KEY[name]}BucketName`, bucket.bucketName);
      this.exports.publish(`${BUCKET_KEY[name]}BucketArn`, bucket.bucketArn);
    }

    // A custom bus for Dagy's own events (run status, sensor fired): consumers never see AWS noise.
    this.eventBus = new EventBus(this, 'Bus', { eventBusName: stage.prefix });
    this.exports.publish('EventBusName', this.eventBus.eventBusName);
    this.exports.publish('EventBusArn', this.eventBus.eventBusArn);
  }

  /** The data resources as `consumer` sees them: imported through the stable exports. */
  importInto(consumer: Stack): DataResources {
    const get = (key: string): string => this.exports.importInto(consumer, key);
    const tables = Object.fromEntries(
      ENTITIES.map((entity): [EntityName, TableRef] => [
        entity,
        { tableName: get(`Table${entity}Name`), tableArn: get(`Table${entity}Arn`) },
      ]),
    ) as Record<EntityName, TableRef>;
    const bucket = (name: BucketName): BucketRef => ({
      bucketName: get(`${BUCKET_KEY[name]}BucketName`),
      bucketArn: get(`${BUCKET_KEY[name]}BucketArn`),
    });
    const secretsKey: KeyRef = { keyArn: get('SecretsKeyArn') };
    const eventBus: EventBusRef = { eventBusName: get('EventBusName'), eventBusArn: get('EventBusArn') };
    return { tables, buckets: { artifacts: bucket('artifacts'), ingest: bucket('ingest') }, secretsKey, eventBus };
  }
}

const BUCKET_KEY: Record<BucketName, string> = { artifacts: 'Artifacts', ingest: 'Ingest' };

function attribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER };
}

function bucketBasics(stage: StageConfig) {
  return {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    // In dev, DESTROY still needs the bucket emptied first: auto-delete would add a custom-resource Lambda.
    removalPolicy: stage.removalPolicy,
  } as const;
}
