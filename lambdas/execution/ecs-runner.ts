import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV } from '../catalogue/environment';
import { runContainerOrder } from './ecs/container-run';
import type { LoopSignal } from './orchestrator/loop-protocol';
import { ECS_ORDER_ENV } from './ecs/ecs-order';

/*
 * The program of the ECS runner container (bundled; the container's bootstrap downloads and imports
 * it). The container is untrusted: it runs tenant code and holds no credential for Dagy's data.
 * Its task role may only redeem Step Functions task tokens. Everything else travels through
 * presigned URLs that the orchestrator put in its environment (ecs/ecs-order.ts): its work order
 * (one attempt, or a whole run), the flow artifact, where to PUT the result, and the run's cancel
 * marker. Exit code 0: the result was stored; non-zero: it could not be.
 */

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<number> {
  const stop = new AbortController();
  // ECS may signal more than once (StopTask from the cancel route and from Step Functions): every
  // SIGTERM is handled, so none falls back to the default action of killing the process mid-write.
  process.on('SIGTERM', () => stop.abort(new Error('the ECS task was stopped')));
  const sfnEndpoint = process.env[ENV.sfnEndpoint];
  // Loaded when first needed: only a step-functions attempt wakes a loop, and the SDK client is most
  // of this program (evaluating it cost a whole-run container ~30 ms before its first task).
  const redeem = async (token: string, signal: LoopSignal): Promise<boolean> => {
    const [{ SFNClient }, { redeemToken }] = await Promise.all([import('@aws-sdk/client-sfn'), import('./orchestrator/loop-protocol')]);
    const sfn = new SFNClient(sfnEndpoint ? { endpoint: sfnEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {});
    return redeemToken(sfn, token, signal);
  };
  return runContainerOrder({
    orderUrl: required(ECS_ORDER_ENV.orderUrl),
    resultUrl: required(ECS_ORDER_ENV.resultUrl),
    cancelUrl: required(ECS_ORDER_ENV.cancelUrl),
    redeem,
    cacheDir: join(tmpdir(), 'dagy-code'),
    signal: stop.signal,
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`ecs runner failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
