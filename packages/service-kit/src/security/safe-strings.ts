import { ValidationError } from '../errors';

/** NUL, and UTF-16 surrogates that are not part of a pair (they cannot be stored as UTF-8). */
// eslint-disable-next-line no-control-regex
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAX_DEPTH = 64;

export function isSafeString(value: string): boolean {
  return !UNSAFE.test(value);
}

/**
 * The dotted path of the first string (or object key) in `value` that contains NUL or a lone surrogate,
 * or `null` when there is none. Postgres refuses both (22021 / 22P05), so they must stop at the edge.
 */
export function findUnsafeString(value: unknown, path = '', depth = 0): string | null {
  if (typeof value === 'string') return isSafeString(value) ? null : path;
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const found = findUnsafeString(
        value[index],
        path === '' ? String(index) : `${path}.${String(index)}`,
        depth + 1,
      );
      if (found !== null) return found;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    const itemPath = path === '' ? key : `${path}.${key}`;
    if (!isSafeString(key)) return path === '' ? '(key)' : `${path}.(key)`;
    const found = findUnsafeString(item, itemPath, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

export class InvalidInputError extends ValidationError {
  constructor(field: string) {
    super(
      field === ''
        ? 'The input contains a NUL character or invalid Unicode.'
        : `${field}: contains a NUL character or invalid Unicode.`,
      { fields: [{ path: field, message: 'contains a NUL character or invalid Unicode' }] },
      'invalid_input',
    );
  }
}

/** Throws `400 invalid_input` when any string inside `value` contains NUL or a lone surrogate. */
export function assertSafeStrings(value: unknown): void {
  const found = findUnsafeString(value);
  if (found !== null) throw new InvalidInputError(found);
}

/** Postgres SQLSTATEs for text it cannot store: 22021 invalid byte sequence, 22P05 untranslatable character. */
const INVALID_TEXT_STATES = new Set(['22021', '22P05']);

export function isInvalidTextError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && INVALID_TEXT_STATES.has(code);
}
