import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ecsCancelKey, ecsOrderKey, ecsResultKey } from '../run-objects';
import { ECS_ORDER_ENV, type EcsOrder } from './ecs-order';

/**
 * How long the URLs handed to a container stay valid. A presigned URL also dies with the signing
 * role's session, so a container that runs longer than the orchestrator's credentials last cannot
 * store its result (docs/security.md): the ecs executor suits runs of hours, not days.
 */
export const ECS_URL_TTL_SECONDS = 12 * 3600;

function isNotFound(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === 'NoSuchKey' || error.name === 'NotFound' || status === 404;
}

/**
 * The trusted side of the ECS exchange: writes work orders and presigns what a container may
 * touch (its order, its result, the run's cancel marker), and reads results back.
 */
export class EcsExchange {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  /** Stores the order of `slot` and returns the container's environment overrides (presigned URLs). */
  async prepare(order: EcsOrder, slot: string): Promise<Record<string, string>> {
    const { org_id, run_id } = order;
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: ecsOrderKey(org_id, run_id, slot), Body: JSON.stringify(order), ContentType: 'application/json' }));
    const sign = (command: GetObjectCommand | PutObjectCommand) => getSignedUrl(this.s3, command, { expiresIn: ECS_URL_TTL_SECONDS });
    const [orderUrl, resultUrl, cancelUrl] = await Promise.all([
      sign(new GetObjectCommand({ Bucket: this.bucket, Key: ecsOrderKey(org_id, run_id, slot) })),
      sign(new PutObjectCommand({ Bucket: this.bucket, Key: ecsResultKey(org_id, run_id, slot) })),
      sign(new GetObjectCommand({ Bucket: this.bucket, Key: ecsCancelKey(org_id, run_id) })),
    ]);
    return { [ECS_ORDER_ENV.orderUrl]: orderUrl, [ECS_ORDER_ENV.resultUrl]: resultUrl, [ECS_ORDER_ENV.cancelUrl]: cancelUrl };
  }

  /** The result the container stored for `slot`, as raw JSON, or null when there is none yet. */
  async readResult(orgId: string, runId: string, slot: string): Promise<unknown> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: ecsResultKey(orgId, runId, slot) }));
      const text = await out.Body!.transformToString('utf8');
      return JSON.parse(text) as unknown;
    } catch (error) {
      if (isNotFound(error)) return null;
      if (error instanceof SyntaxError) return { unreadable: true };
      throw error;
    }
  }

  /** Removes the order (it holds the run's secrets) once its result is recorded. */
  async discard(orgId: string, runId: string, slot: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: ecsOrderKey(orgId, runId, slot) }));
  }

  /** Tells the run's containers to stop (they poll this marker). */
  async markCancelled(orgId: string, runId: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: ecsCancelKey(orgId, runId), Body: 'cancelled' }));
  }
}
