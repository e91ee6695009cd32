/** A field-level problem in a request, e.g. {path: "flow_spec.tasks[1].handler", message: "..."}. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** Base of every error that maps to an HTTP status in the one error shape. */
export class DagyError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DagyError {
  constructor(details: ErrorDetail[], message = 'request validation failed') {
    super(400, 'validation_failed', message, details);
  }
}
export class BadRequestError extends DagyError {
  constructor(message: string, code = 'bad_request', details: ErrorDetail[] = []) {
    super(400, code, message, details);
  }
}
export class UnauthorizedError extends DagyError {
  constructor(message = 'authentication required') {
    super(401, 'unauthorized', message);
  }
}
/** The organization's plan or budget does not allow this (plan_limit_exceeded, subscription_past_due, budget_exceeded): nothing was done. */
export class PaymentRequiredError extends DagyError {
  constructor(message: string, code: string, details: ErrorDetail[] = []) {
    super(402, code, message, details);
  }
}
export class ForbiddenError extends DagyError {
  constructor(message = 'your role does not allow this') {
    super(403, 'forbidden', message);
  }
}
/** Also used for another organization's resources: never reveal that they exist. */
export class NotFoundError extends DagyError {
  constructor(what = 'resource') {
    super(404, 'not_found', `${what} not found`);
  }
}
export class MethodNotAllowedError extends DagyError {
  constructor(readonly allowed: string[]) {
    super(405, 'method_not_allowed', `method not allowed; allowed: ${allowed.join(', ')}`);
  }
}
export class ConflictError extends DagyError {
  constructor(message: string, code = 'conflict') {
    super(409, code, message);
  }
}
export class PreconditionFailedError extends DagyError {
  constructor(message = 'the resource changed since you read it') {
    super(412, 'precondition_failed', message);
  }
}
export class PayloadTooLargeError extends DagyError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `request body exceeds ${limitBytes} bytes`);
  }
}
export class TooManyRequestsError extends DagyError {
  constructor(message = 'too many requests', readonly retryAfterSeconds?: number) {
    super(429, 'too_many_requests', message);
  }
}

/** An error's message for a log line or a recorded reason (anything thrown, not only Errors). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
