import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** One record per authenticated request (seed entity AccessLog). */
export interface AccessLogRecord {
  org_id: string;
  request_id: string;
  request_time: string;
  principal_type: string;
  principal_id: string;
  actor_email: string;
  method: string;
  route: string;
  path: string;
  status: number;
  ip_address: string;
  user_agent: string;
  latency_ms: number;
}

export interface AccessLogWriter {
  write(record: AccessLogRecord): Promise<void>;
}

export const ACCESS_LOG_RETENTION_DAYS = 90;

/** Appends access log items; they expire through the table's TTL after the retention period. */
export class DynamoAccessLogWriter implements AccessLogWriter {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays = ACCESS_LOG_RETENTION_DAYS,
  ) {}

  async write(record: AccessLogRecord): Promise<void> {
    const expires = Math.floor(Date.parse(record.request_time) / 1000) + this.retentionDays * 86400;
    await this.ddb.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...record, sk: `${record.request_time}#${record.request_id}`, expires_at_epoch: expires },
      }),
    );
  }
}
