export * from './topology';
export { AMQP_ERROR_CODES, UnroutableError } from './publisher';
export {
  AMQP_HEADERS,
  type ConsumeOptions,
  type ConsumerStats,
  type IdempotencyOptions,
  type MessageContext,
  type MessageHandler,
  type TransactionalMessageContext,
  type TransactionalMessageHandler,
} from './consumer';
export { type PruneOptions, claimMessage, pruneProcessedMessages } from './idempotency';
export * from './client';
