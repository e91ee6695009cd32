import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type AttributeDefinition,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { TABLE_LIST, entitySlug, type EntityName, type KeyAttribute, type TableDef } from '../lambdas/catalogue';

/** Local physical table names: `<prefix><entity-slug>`, e.g. dagy-local-task-run. */
export function localTableNames(prefix: string): Record<EntityName, string> {
  return Object.fromEntries(TABLE_LIST.map((t) => [t.entity, `${prefix}${entitySlug(t.entity)}`])) as Record<EntityName, string>;
}

function keySchema(pk: KeyAttribute, sk?: KeyAttribute) {
  return [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
  ];
}

function attributeDefinitions(table: TableDef): AttributeDefinition[] {
  const attrs = new Map<string, 'S' | 'N'>();
  const add = (k?: KeyAttribute) => k && attrs.set(k.name, k.type);
  add(table.partitionKey);
  add(table.sortKey);
  for (const index of table.indexes) {
    add(index.partitionKey);
    add(index.sortKey);
  }
  return [...attrs].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
}

/** Creates every catalogue table that does not exist yet (idempotent), with its GSIs and TTL. */
export async function ensureTables(client: DynamoDBClient, names: Record<EntityName, string>): Promise<{ created: string[] }> {
  const created: string[] = [];
  await Promise.all(
    TABLE_LIST.map(async (table) => {
      const TableName = names[table.entity];
      const exists = await client
        .send(new DescribeTableCommand({ TableName }))
        .then(() => true)
        .catch((error: Error) => {
          if (error.name === 'ResourceNotFoundException') return false;
          throw error;
        });
      if (!exists) {
        const gsis: GlobalSecondaryIndex[] = table.indexes.map((index) => ({
          IndexName: index.name,
          KeySchema: keySchema(index.partitionKey, index.sortKey),
          Projection: { ProjectionType: index.projection },
        }));
        try {
          await client.send(
            new CreateTableCommand({
              TableName,
              BillingMode: 'PAY_PER_REQUEST',
              KeySchema: keySchema(table.partitionKey, table.sortKey),
              AttributeDefinitions: attributeDefinitions(table),
              ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis } : {}),
            }),
          );
          created.push(TableName);
        } catch (error) {
          // Two starters racing on the same data dir: the other one created it.
          if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
        }
        await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName });
      } else {
        await addMissingIndexes(client, TableName, table);
      }
      if (table.ttlAttribute !== undefined) {
        const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName }));
        if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
          await client.send(
            new UpdateTimeToLiveCommand({
              TableName,
              TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
            }),
          );
        }
      }
    }),
  );
  return { created };
}

/**
 * A data directory created before an index joined the catalogue gets it added (one UpdateTable per
 * index, as DynamoDB allows), so `npm start` on old data keeps working.
 */
async function addMissingIndexes(client: DynamoDBClient, TableName: string, table: TableDef): Promise<void> {
  const described = await client.send(new DescribeTableCommand({ TableName }));
  const present = new Set((described.Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  for (const index of table.indexes) {
    if (present.has(index.name)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName,
        AttributeDefinitions: attributeDefinitions(table),
        GlobalSecondaryIndexUpdates: [
          { Create: { IndexName: index.name, KeySchema: keySchema(index.partitionKey, index.sortKey), Projection: { ProjectionType: index.projection } } },
        ],
      }),
    );
  }
}
