import { AsyncLocalStorage } from 'node:async_hooks';

/** What travels with one unit of work (an HTTP request, an AMQP message) through every await. */
export interface RequestContext {
  requestId: string;
  userId?: number;
  username?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
