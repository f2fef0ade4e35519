import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '@arasul/service-kit';

function secretsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Only other services (holding INTERNAL_SECRET) may use `/internal/*`. */
export function requireInternalSecret(internalSecret: string): RequestHandler {
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!secretsEqual(token, internalSecret)) {
      next(new AppError('unauthorized', 'This endpoint needs the internal secret.', 401));
      return;
    }
    next();
  };
}
