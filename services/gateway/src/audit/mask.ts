import type { JsonValue } from '@arasul/db';
import { storableText } from './storable';

/** Any key whose name contains one of these words (any case) has its value replaced. */
const SECRET_KEY = /password|token|secret|key|authorization/i;
export const MASK = '***';
const MAX_DEPTH = 32;

/**
 * A copy of a parsed JSON body with every secret-looking field masked, at any depth and inside arrays, and
 * every string storable in jsonb (NUL and lone surrogates become U+FFFD).
 */
export function maskSecrets(value: unknown, depth = 0): JsonValue {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      out[storableText(key)] = SECRET_KEY.test(key) ? MASK : maskSecrets(inner, depth + 1);
    }
    return out;
  }
  return null;
}
