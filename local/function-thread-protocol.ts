import type { FunctionName } from '../lambdas/catalogue';
import type { MetricPoint } from '../lambdas/shared/metrics';

/** What a function thread starts with (worker data). */
export interface ThreadSetup {
  /** Each function's environment, as the platform's envFor gives it. */
  envs: Partial<Record<FunctionName, Record<string, string>>>;
  /** Which host hooks the platform's thread listens to (each costs a message per call). */
  forward: { logs: boolean; metrics: boolean; aws: boolean };
}

/** Platform thread → function thread. */
export type ThreadRequest = { kind: 'invoke'; id: number; name: FunctionName; event: unknown } | { kind: 'stop' };

export interface ThreadError {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, unknown>;
}

/** Function thread → platform thread. */
export type ThreadMessage =
  | { kind: 'ready' }
  | { kind: 'stopped' }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: ThreadError }
  | { kind: 'log'; line: string }
  | { kind: 'metric'; point: MetricPoint }
  | { kind: 'aws'; service: string; command: string; functionName: FunctionName; input?: { TableName?: string; IndexName?: string } };
