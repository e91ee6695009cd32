/**
 * The orchestrator's error classes, by the names the run state machine retries or catches
 * (lambdas/execution/run-state-machine.asl.json): Step Functions sees a Lambda function error as
 * its errorType, so these names are the contract between the code and the ASL.
 */
export const RETRYABLE_ERROR = 'Dagy.Retryable';
export const FATAL_ERROR = 'Dagy.Fatal';

/** A transient failure (a throttle, a timeout, a dependency's 5xx): the state is retried with backoff. */
export class RetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = RETRYABLE_ERROR;
  }
}

/** A failure no retry can fix (invalid input, a run that does not exist): caught, the run fails. */
export class FatalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = FATAL_ERROR;
  }
}

/** AWS error names that mean "try again later" (throttles, conflicts of concurrent writers, outages). */
const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'TransactionConflictException',
  'TransactionInProgressException',
  'InternalServerError',
  'InternalServerErrorException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServiceException',
  'SlowDown',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET']);

/** AWS names that are the caller's fault: retrying sends the same bad request again. */
const FATAL_NAMES = new Set(['ValidationException', 'ValidationError', 'ResourceNotFoundException', 'AccessDeniedException', 'InvalidParameterException']);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  cause?: unknown;
}

/** Whether an error is transient: worth retrying the same step later. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as ErrorShape;
  if (e.name === RETRYABLE_ERROR) return true;
  if (e.name === FATAL_ERROR) return false;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (e.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  // fetch() and the SDK wrap socket errors: look one level down.
  if (e.cause !== undefined && e.cause !== error) return isRetryable(e.cause);
  return false;
}

/** Whether an error is known to be permanent (validation, missing resources). */
export function isFatal(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as ErrorShape;
  return e.name === FATAL_ERROR || (typeof e.name === 'string' && FATAL_NAMES.has(e.name));
}

/**
 * The error as the state machine should see it: Dagy.Retryable or Dagy.Fatal with the original
 * message (and the original as `cause`); anything else unchanged (the catch-all fails the run).
 */
export function classifyError(error: unknown): unknown {
  if (error instanceof RetryableError || error instanceof FatalError) return error;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (isRetryable(error)) return new RetryableError(message, { cause: error });
  if (isFatal(error)) return new FatalError(message, { cause: error });
  return error;
}
