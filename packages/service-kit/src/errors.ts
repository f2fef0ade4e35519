/**
 * The error hierarchy of every Arasul service. The class decides the HTTP status and the log level; the
 * `code` is the stable, machine-readable part of `{ error: { code, message } }` that clients branch on.
 */
export interface AppErrorOptions {
  details?: unknown;
  cause?: unknown;
  /** Whether `message` may be shown to the client. Server-side failures hide theirs behind a generic text. */
  expose?: boolean;
  /** Extra response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
}

export class AppError extends Error {
  readonly details: unknown;
  readonly expose: boolean;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus: number,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
    this.expose = options.expose ?? httpStatus < 500;
    this.headers = options.headers ?? {};
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown, code = 'validation_failed') {
    super(code, message, 400, { details });
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Authentication is required.', code = 'unauthorized') {
    super(code, message, 401);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this.', code = 'forbidden') {
    super(code, message, 403);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found.', code = 'not_found') {
    super(code, message, 404);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict', details?: unknown) {
    super(code, message, 409, { details });
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message = 'The request body is too large.', code = 'payload_too_large') {
    super(code, message, 413);
  }
}

export class LockedError extends AppError {
  constructor(message: string, retryAfterSeconds: number, code = 'locked') {
    super(code, message, 423, {
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
      details: { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) },
    });
  }
}

export class RateLimitedError extends AppError {
  constructor(message: string, retryAfterSeconds: number, code = 'rate_limited') {
    super(code, message, 429, {
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
      details: { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) },
    });
  }
}

/** A dependency (database, broker, Ollama …) cannot be reached right now; the client may retry. */
export class UnavailableError extends AppError {
  constructor(message: string, code = 'unavailable', options: AppErrorOptions = {}) {
    super(code, message, 503, { expose: true, ...options });
  }
}

/** An upstream system answered, but not in a way we can use. */
export class UpstreamError extends AppError {
  constructor(message: string, code = 'upstream_failed', options: AppErrorOptions = {}) {
    super(code, message, 502, { expose: true, ...options });
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
