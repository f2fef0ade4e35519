import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Runs a fixed list of middleware in order, like an express Router without per-layer path matching: the
 * API chain runs on every request, so it should cost a function call per step and nothing more. A thrown
 * error or a rejected promise goes to `next(error)` exactly as in express.
 */
export function pipeline(
  steps: readonly RequestHandler[],
  onError?: (error: unknown, req: Request) => void,
): RequestHandler {
  return (req: Request, res: Response, done: NextFunction) => {
    let index = 0;
    const fail = (error: unknown) => {
      onError?.(error, req);
      done(error);
    };
    const next: NextFunction = (error?: unknown) => {
      if (error !== undefined && error !== null && error !== 'route' && error !== 'router') {
        fail(error);
        return;
      }
      const step = steps[index];
      index += 1;
      if (step === undefined) {
        done();
        return;
      }
      try {
        const result: unknown = step(req, res, next);
        if (result instanceof Promise) result.catch(fail);
      } catch (thrown) {
        fail(thrown);
      }
    };
    next();
  };
}
