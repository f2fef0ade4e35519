import type { RequestHandler } from 'express';
import { AppError } from '@arasul/service-kit';
import { secretsEqual } from './tokens';

/** Only callers holding INTERNAL_SECRET (the gateway) may use `/internal/*`. */
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
