import type { z } from 'zod';
import { ValidationError } from '../errors';
import { assertSafeStrings } from '../security/safe-strings';

export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * Parses input at an edge (body, query, params, AMQP payload); a mismatch becomes a 400 naming each field,
 * a string with NUL or a lone surrogate a 400 `invalid_input`.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = 'request'): z.output<S> {
  // The one place every validated string passes: NUL and lone surrogates end here as 400 invalid_input.
  assertSafeStrings(value);
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems: FieldProblem[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const summary = problems
    .slice(0, 3)
    .map((p) => (p.path ? `${p.path}: ${p.message}` : p.message))
    .join('; ');
  throw new ValidationError(`The ${what} is invalid: ${summary}`, { fields: problems });
}
