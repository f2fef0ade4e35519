/**
 * A readable message even for Node's AggregateError (connecting to "localhost" tries ::1 and 127.0.0.1 and
 * reports both with an empty message). Duck-typed, because errors from Node's own modules are not
 * `instanceof Error` inside a jest sandbox.
 */
export function describeError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  if ('errors' in error && Array.isArray(error.errors) && error.errors.length > 0) {
    return describeError(error.errors[0]);
  }
  if ('message' in error && typeof error.message === 'string' && error.message !== '') return error.message;
  return JSON.stringify(error);
}
