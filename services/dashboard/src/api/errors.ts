/**
 * Every failure the dashboard can meet ends up as an `ApiError`: an HTTP answer with the platform's
 * `{ error: { code, message, details? } }` body, an answer without it, or no answer at all (network).
 * `describeError` is the one place that turns any of them into a sentence a person understands.
 */
export interface ApiErrorInit {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  retryAfterSeconds?: number | undefined;
  requestId?: string | undefined;
}

/** `status` 0: the request never got an answer (offline, gateway down, aborted). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly retryAfterSeconds: number | undefined;
  readonly requestId: string | undefined;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.requestId = init.requestId;
  }

  static network(cause: unknown): ApiError {
    const message = cause instanceof Error ? cause.message : String(cause);
    return new ApiError({ status: 0, code: 'network_error', message });
  }

  /** A 2xx answer whose body does not match the contract (a service and the dashboard disagree). */
  static invalidResponse(path: string, issues: string): ApiError {
    return new ApiError({ status: 0, code: 'invalid_response', message: `${path}: ${issues}` });
  }

  /** Reads the error body of a non-2xx response (never throws). */
  static async fromResponse(response: Response): Promise<ApiError> {
    const retryAfterSeconds = parseRetryAfter(response.headers.get('Retry-After'));
    const requestId = response.headers.get('X-Request-Id') ?? undefined;
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    const error = isErrorBody(body) ? body.error : undefined;
    const details = error?.details;
    return new ApiError({
      status: response.status,
      code: error?.code ?? `http_${response.status}`,
      message: error?.message ?? response.statusText,
      details,
      retryAfterSeconds: retryAfterSeconds ?? retryAfterFromDetails(details),
      requestId,
    });
  }
}

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function retryAfterFromDetails(details: unknown): number | undefined {
  const value = (details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  return typeof value === 'number' && Number.isFinite(value) ? Math.ceil(value) : undefined;
}

/** The translation function shape `describeError` needs (the i18n layer provides it). */
export interface ErrorTranslator {
  has(key: string): boolean;
  t(key: string, params?: Record<string, string | number>): string;
  duration(seconds: number): string;
}

/**
 * A sentence for a person. Known codes have their own text (with the wait time where there is one);
 * unknown ones fall back to what kind of failure it was, never to a stack trace or raw JSON.
 */
export function describeError(error: unknown, tr: ErrorTranslator): string {
  if (!(error instanceof ApiError)) {
    if (error instanceof DOMException && error.name === 'AbortError') return tr.t('errors.aborted');
    return tr.t('errors.unexpected');
  }
  const params: Record<string, string | number> = {
    wait: tr.duration(error.retryAfterSeconds ?? 60),
  };
  const key = `errors.${error.code}`;
  if (tr.has(key)) return tr.t(key, params);
  if (error.status === 0) return tr.t('errors.network_error');
  if (error.status === 400) return tr.t('errors.validation', { message: error.message });
  if (error.status === 401) return tr.t('errors.unauthorized');
  if (error.status === 403) return tr.t('errors.forbidden');
  if (error.status === 404) return tr.t('errors.not_found');
  if (error.status === 409) return tr.t('errors.conflict', { message: error.message });
  if (error.status === 429) return tr.t('errors.rate_limited', params);
  if (error.status >= 500) return tr.t('errors.server', { code: error.code });
  return tr.t('errors.generic', { message: error.message });
}
