import { randomBytes } from 'node:crypto';
import type { RunOptions, StateMachineDefinition } from 'aws-local-stepfunctions';
import type { FunctionName } from '../../lambdas/catalogue';
import { AwsApiError, type AwsEmulator, type JsonBody } from '../aws-emulator';
import { describeTask, localEcsOf, type RunTaskParams } from '../ecs/local-ecs';
import type { ExtensionHandle, PlatformContext } from '../extensions';
import { functionNameOf, loadRunStateMachine, localSubstitutions } from './definition';

const TARGET = 'AWSStepFunctions';
type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_INVOKE_WAIT = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const ECS_RUN_TASK_SYNC = 'arn:aws:states:::ecs:runTask.sync';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** What the runner reports about one execution (tests and benches read it). */
export interface LocalExecutionInfo {
  executionArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: number;
  stopDate?: number;
  /** States entered so far: Step Functions' billed state transitions. */
  transitions: number;
  /** States entered, by state name. */
  stateCounts: Record<string, number>;
}

interface Execution extends LocalExecutionInfo {
  abort: () => void;
  stopping: AbortController;
  /** The token the next `.waitForTaskToken` state reads as $$.Task.Token. */
  nextToken: string;
  tokenSeq: number;
  /** The token currently awaited (one waiting state at a time in this definition). */
  waiting?: { token: string; resolve: (value: unknown) => void; reject: (error: Error) => void };
  settled: Promise<void>;
}

export interface LocalStepFunctionsOptions {
  /** Wait state durations in ms by state name (e.g. {SleepUntilRetry: 0}); default: as defined. */
  waitTimeOverrides?: Record<string, number>;
  /** Retry waits in ms by state name (e.g. {Advance: 0}); default: IntervalSeconds with backoff and jitter. */
  retryIntervalOverrides?: Record<string, number | number[]>;
}

/** An error a Task state fails with (its name is the ASL error name, its message the Cause). */
class StatesError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

function lambdaError(error: unknown): StatesError {
  const errorType = error instanceof Error ? error.name || 'Error' : 'Error';
  const errorMessage = error instanceof Error ? error.message : String(error);
  // What Step Functions reports for a Lambda function error: Error = errorType, Cause = JSON.
  return new StatesError(errorType, JSON.stringify({ errorMessage, errorType }));
}

function installPromiseWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: () => unknown };
  if (typeof P.withResolvers === 'function') return;
  // aws-local-stepfunctions needs Promise.withResolvers (Node 22); Node 20 lacks it.
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

function epochSeconds(ms: number): number {
  return ms / 1000;
}

/**
 * Step Functions on the laptop: the run state machine's ASL file (substitutions resolved to local
 * values) executed by aws-local-stepfunctions, behind the Step Functions API on the emulator
 * endpoint (StartExecution, DescribeExecution, StopExecution, SendTaskSuccess/Failure/Heartbeat).
 * Task states are mapped by resource: `lambda:invoke` calls the local function;
 * `lambda:invoke.waitForTaskToken` invokes it and waits for SendTaskSuccess/Failure with the
 * token the state read as $$.Task.Token (a fresh token per waiting state, so a stale token is
 * refused as in AWS); `ecs:runTask.sync` starts a local ECS task and waits for its exit.
 */
export class LocalStepFunctions {
  private readonly executions = new Map<string, Execution>();
  private readonly tokens = new Map<string, Execution>();
  private options: LocalStepFunctionsOptions = {};
  private stateMachine: { run(input: unknown, options?: RunOptions): { abort(): void; result: Promise<unknown>; eventLogs: AsyncGenerator<{ type: string; state?: { name: string } }> } } | undefined;
  private definition: StateMachineDefinition | undefined;

  constructor(private readonly context: PlatformContext) {}

  get stateMachineArn(): string {
    return this.context.resources.stateMachineArn;
  }

  async start(): Promise<void> {
    installPromiseWithResolvers();
    const { StateMachine } = await import('aws-local-stepfunctions');
    const values = localSubstitutions(this.context.envFor('run-orchestrator'), this.context.resources.eventBusName);
    this.definition = loadRunStateMachine(values) as StateMachineDefinition;
    this.stateMachine = new StateMachine(this.definition);
  }

  configure(options: LocalStepFunctionsOptions): void {
    this.options = { ...this.options, ...options };
  }

  list(): LocalExecutionInfo[] {
    return [...this.executions.values()].map((e) => this.info(e));
  }

  describe(executionArn: string): LocalExecutionInfo | undefined {
    const e = this.executions.get(executionArn);
    return e === undefined ? undefined : this.info(e);
  }

  /** Resolves when the execution has ended (any status). */
  async settled(executionArn: string): Promise<LocalExecutionInfo | undefined> {
    const e = this.executions.get(executionArn);
    if (e === undefined) return undefined;
    await e.settled;
    return this.info(e);
  }

  private info(e: Execution): LocalExecutionInfo {
    const { executionArn, name, status, input, output, error, cause, startDate, stopDate, transitions, stateCounts } = e;
    return {
      executionArn,
      name,
      status,
      input,
      startDate,
      transitions,
      stateCounts: { ...stateCounts },
      ...(output !== undefined ? { output } : {}),
      ...(error !== undefined ? { error } : {}),
      ...(cause !== undefined ? { cause } : {}),
      ...(stopDate !== undefined ? { stopDate } : {}),
    };
  }

  startExecution(name: string, input: string): { executionArn: string; startDate: number } {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new AwsApiError('InvalidName', `Invalid Name: '${name}'`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      throw new AwsApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
    }
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing !== undefined) {
      // Standard workflows: same name and input while running → the same execution; else a conflict.
      if (existing.status === 'RUNNING' && existing.input === input) return { executionArn, startDate: existing.startDate };
      throw new AwsApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const machine = this.stateMachine;
    if (machine === undefined) throw new AwsApiError('StateMachineDoesNotExist', 'the local state machine is not loaded');
    const stopping = new AbortController();
    const e: Execution = {
      executionArn,
      name,
      status: 'RUNNING',
      input,
      startDate: Date.now(),
      transitions: 0,
      stateCounts: {},
      abort: () => undefined,
      stopping,
      nextToken: '',
      tokenSeq: 0,
      settled: Promise.resolve(),
    };
    this.rotateToken(e);
    this.executions.set(executionArn, e);
    const tokenHolder = {
      get Token(): string {
        return e.nextToken;
      },
    };
    const run = machine.run(parsed, {
      overrides: {
        taskResourceLocalHandlers: this.taskHandlers(e) as TaskHandlers,
        ...(this.options.waitTimeOverrides ? { waitTimeOverrides: this.options.waitTimeOverrides } : {}),
        ...(this.options.retryIntervalOverrides ? { retryIntervalOverrides: this.options.retryIntervalOverrides } : {}),
      },
      noThrowOnAbort: true,
      context: {
        Execution: { Id: executionArn, Name: name, RoleArn: 'arn:aws:iam::000000000000:role/dagy-local-states' },
        StateMachine: { Id: this.stateMachineArn, Name: this.stateMachineArn.split(':').pop() },
        Task: tokenHolder,
      },
    });
    e.abort = run.abort;
    const counting = (async () => {
      for await (const event of run.eventLogs) {
        if (event.type === 'StateEntered' && event.state !== undefined) {
          e.transitions++;
          e.stateCounts[event.state.name] = (e.stateCounts[event.state.name] ?? 0) + 1;
        }
      }
    })().catch(() => undefined);
    e.settled = run.result.then(
      (output) => {
        if (e.status !== 'RUNNING') return;
        e.status = 'SUCCEEDED';
        e.output = JSON.stringify(output ?? null);
        e.stopDate = Date.now();
      },
      (error: unknown) => {
        if (e.status !== 'RUNNING') return;
        const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
        e.status = error instanceof Error && error.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
        e.error = cause instanceof Error ? cause.name : 'Error';
        e.cause = cause instanceof Error ? cause.message : String(cause);
        e.stopDate = Date.now();
      },
    ).then(async () => {
      this.retireWait(e, new Error('execution ended'));
      await Promise.race([counting, new Promise((r) => setTimeout(r, 50))]);
    });
    return { executionArn, startDate: e.startDate };
  }

  stopExecution(executionArn: string, error?: string, cause?: string): { stopDate: number } {
    const e = this.executions.get(executionArn);
    if (e === undefined) throw new AwsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    if (e.status === 'RUNNING') {
      e.status = 'ABORTED';
      e.stopDate = Date.now();
      if (error !== undefined) e.error = error;
      if (cause !== undefined) e.cause = cause;
      e.stopping.abort(new Error('execution stopped'));
      e.abort();
      this.retireWait(e, new Error('execution stopped'));
    }
    return { stopDate: e.stopDate ?? Date.now() };
  }

  sendTaskResult(token: string, result: { output: unknown } | { error: string; cause: string }): void {
    const e = this.tokens.get(token);
    if (e === undefined) {
      if (/^dagy-local-token:/.test(token)) throw new AwsApiError('TaskTimedOut', 'Task Timed Out');
      throw new AwsApiError('InvalidToken', 'Invalid Token');
    }
    const waiting = e.waiting;
    this.tokens.delete(token);
    if (waiting === undefined || waiting.token !== token) throw new AwsApiError('TaskTimedOut', 'Task Timed Out');
    e.waiting = undefined;
    if ('output' in result) waiting.resolve(result.output);
    else waiting.reject(new StatesError(result.error, result.cause));
  }

  /** Every running execution stopped (the platform is stopping). */
  async stop(): Promise<void> {
    const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
    for (const e of running) this.stopExecution(e.executionArn);
    // The limit's timer holds nothing open: a platform that stopped in time lets its host exit at once.
    await Promise.race([Promise.all(running.map((e) => e.settled)), new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  private rotateToken(e: Execution): void {
    e.tokenSeq++;
    e.nextToken = `dagy-local-token:${e.name}:${e.tokenSeq}:${randomBytes(12).toString('hex')}`;
  }

  /** A new wait for `token`; a previous wait of the execution (timed out) is retired. */
  private beginWait(e: Execution, token: string): Promise<unknown> {
    this.retireWait(e, new Error('superseded'));
    return new Promise<unknown>((resolve, reject) => {
      e.waiting = { token, resolve, reject };
      this.tokens.set(token, e);
    });
  }

  private retireWait(e: Execution, reason: Error): void {
    const waiting = e.waiting;
    if (waiting === undefined) return;
    e.waiting = undefined;
    this.tokens.delete(waiting.token);
    waiting.reject(reason);
  }

  private invoke(functionArn: unknown, payload: unknown): Promise<unknown> {
    return this.context.invoke(functionNameOf(String(functionArn)) as FunctionName, payload ?? {});
  }

  private taskHandlers(e: Execution): Record<string, (input: unknown) => Promise<unknown>> {
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [stateName, state] of Object.entries(this.definition!.States)) {
      if (state.Type !== 'Task') continue;
      const resource = state.Resource;
      if (resource === LAMBDA_INVOKE) {
        handlers[stateName] = async (input) => {
          const params = input as { FunctionName?: unknown; Payload?: unknown };
          try {
            const payload = await this.invoke(params.FunctionName, params.Payload);
            return { ExecutedVersion: '$LATEST', Payload: payload ?? null, StatusCode: 200 };
          } catch (error) {
            throw lambdaError(error);
          }
        };
      } else if (resource === LAMBDA_INVOKE_WAIT) {
        handlers[stateName] = (input) => {
          // The state's Parameters were just evaluated with e.nextToken; the next waiting state
          // gets a new one.
          const token = e.nextToken;
          this.rotateToken(e);
          const params = input as { FunctionName?: unknown; Payload?: unknown; InvocationType?: unknown };
          const wait = this.beginWait(e, token);
          const invocation = this.invoke(params.FunctionName, params.Payload);
          if (params.InvocationType !== 'Event') {
            invocation.catch((error: unknown) => {
              if (e.waiting?.token === token) {
                const failure = lambdaError(error);
                this.tokens.delete(token);
                e.waiting.reject(failure);
                e.waiting = undefined;
              }
            });
          } else {
            invocation.catch(() => undefined);
          }
          return wait;
        };
      } else if (resource === ECS_RUN_TASK_SYNC) {
        handlers[stateName] = async (input) => {
          const params = input as Record<string, unknown>;
          const ecs = localEcsOf(this.context.emulator);
          const task = ecs.runTask({
            cluster: String(params.Cluster ?? ''),
            taskDefinition: String(params.TaskDefinition ?? ''),
            overrides: lowerOverrides(params.Overrides),
          });
          const onStop = () => ecs.stopTask(task.taskArn, 'Execution stopped');
          e.stopping.signal.addEventListener('abort', onStop, { once: true });
          try {
            const done = await task.exited;
            const description = pascalTask(describeTask(done));
            if (done.exitCode !== 0) throw new StatesError('States.TaskFailed', JSON.stringify({ ...description, Output: done.output.slice(-2000) }));
            return description;
          } finally {
            e.stopping.signal.removeEventListener('abort', onStop);
          }
        };
      } else {
        throw new Error(`local Step Functions: state ${stateName} uses ${resource}, which the local platform does not emulate`);
      }
    }
    return handlers;
  }
}

/** The ASL (PascalCase) container overrides → the ECS API's camelCase. */
function lowerOverrides(overrides: unknown): RunTaskParams['overrides'] {
  const o = (overrides ?? {}) as { ContainerOverrides?: Array<{ Name?: string; Environment?: Array<{ Name?: string; Value?: string }> }> };
  return {
    containerOverrides: (o.ContainerOverrides ?? []).map((c) => ({
      ...(c.Name !== undefined ? { name: c.Name } : {}),
      environment: (c.Environment ?? []).map((v) => ({ ...(v.Name !== undefined ? { name: v.Name } : {}), ...(v.Value !== undefined ? { value: v.Value } : {}) })),
    })),
  };
}

/** ecs:runTask.sync returns the DescribeTasks task with PascalCase keys. */
function pascalTask(task: JsonBody): JsonBody {
  const convert = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(convert);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), convert(v)]));
    }
    return value;
  };
  return convert(task) as JsonBody;
}

const instances = new WeakMap<AwsEmulator, LocalStepFunctions>();

/** The local Step Functions of a platform (by its emulator): executions, transitions, options. */
export function localStepFunctionsOf(emulator: AwsEmulator): LocalStepFunctions {
  const sfn = instances.get(emulator);
  if (sfn === undefined) throw new Error('the local Step Functions extension is not started on this platform');
  return sfn;
}

/** Platform extension: the Step Functions API on the emulator endpoint, running the run state machine. */
export async function startLocalStepFunctions(context: PlatformContext): Promise<ExtensionHandle> {
  const sfn = new LocalStepFunctions(context);
  await sfn.start();
  const { emulator } = context;
  const arnOf = (body: JsonBody, field: string): string => {
    const value = body[field];
    if (typeof value !== 'string' || value === '') throw new AwsApiError('ValidationException', `${field} is required`);
    return value;
  };
  emulator.register(`${TARGET}.StartExecution`, async (body) => {
    if (arnOf(body, 'stateMachineArn') !== sfn.stateMachineArn) {
      throw new AwsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(body.stateMachineArn)}'`);
    }
    const name = typeof body.name === 'string' ? body.name : randomBytes(16).toString('hex');
    const started = sfn.startExecution(name, typeof body.input === 'string' ? body.input : '{}');
    return { executionArn: started.executionArn, startDate: epochSeconds(started.startDate) };
  });
  emulator.register(`${TARGET}.DescribeExecution`, async (body) => {
    const info = sfn.describe(arnOf(body, 'executionArn'));
    if (info === undefined) throw new AwsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(body.executionArn)}'`);
    return {
      executionArn: info.executionArn,
      stateMachineArn: sfn.stateMachineArn,
      name: info.name,
      status: info.status,
      startDate: epochSeconds(info.startDate),
      input: info.input,
      ...(info.stopDate !== undefined ? { stopDate: epochSeconds(info.stopDate) } : {}),
      ...(info.output !== undefined ? { output: info.output } : {}),
      ...(info.error !== undefined ? { error: info.error } : {}),
      ...(info.cause !== undefined ? { cause: info.cause } : {}),
    };
  });
  emulator.register(`${TARGET}.StopExecution`, async (body) => {
    const stopped = sfn.stopExecution(
      arnOf(body, 'executionArn'),
      typeof body.error === 'string' ? body.error : undefined,
      typeof body.cause === 'string' ? body.cause : undefined,
    );
    return { stopDate: epochSeconds(stopped.stopDate) };
  });
  emulator.register(`${TARGET}.SendTaskSuccess`, async (body) => {
    let output: unknown;
    try {
      output = JSON.parse(String(body.output ?? ''));
    } catch {
      throw new AwsApiError('InvalidOutput', 'Invalid Output: not JSON');
    }
    sfn.sendTaskResult(arnOf(body, 'taskToken'), { output });
    return {};
  });
  emulator.register(`${TARGET}.SendTaskFailure`, async (body) => {
    sfn.sendTaskResult(arnOf(body, 'taskToken'), {
      error: typeof body.error === 'string' ? body.error : 'States.TaskFailed',
      cause: typeof body.cause === 'string' ? body.cause : '',
    });
    return {};
  });
  emulator.register(`${TARGET}.SendTaskHeartbeat`, async (body) => {
    arnOf(body, 'taskToken');
    return {};
  });
  instances.set(emulator, sfn);
  return { stop: () => sfn.stop() };
}
