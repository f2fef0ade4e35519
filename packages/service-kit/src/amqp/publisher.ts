import type { ConfirmChannel, Message, Options } from 'amqplib';
import { AppError, UnavailableError } from '../errors';

/** Stable error codes of the AMQP part; callers branch on these, never on messages. */
export const AMQP_ERROR_CODES = {
  /** No connection, or no broker confirm, within the bound; nothing is known to be delivered. */
  unavailable: 'rabbitmq_unavailable',
  /** Too many publishes already waiting for the broker (the in-memory bound). */
  backpressure: 'rabbitmq_backpressure',
  /** The broker refused the message (negative confirm), e.g. a queue at its length limit. */
  rejected: 'rabbitmq_rejected',
  /** A message for a queue reached no queue (the queue was deleted behind our back). */
  unroutable: 'rabbitmq_unroutable',
  /** The payload does not match its contract schema: a bug in the publisher. */
  invalidPayload: 'invalid_message_payload',
  /** A routing key with no schema in `eventSchemas` and none given. */
  unknownType: 'unknown_message_type',
  /** The serialised envelope is larger than `maxMessageBytes`. */
  tooLarge: 'message_too_large',
} as const;

export function unavailable(message: string, cause?: unknown): UnavailableError {
  return new UnavailableError(message, AMQP_ERROR_CODES.unavailable, cause === undefined ? {} : { cause });
}

/** A mandatory message reached no queue: it was certainly not delivered, so publishing again is safe. */
export class UnroutableError extends AppError {
  constructor(exchange: string, routingKey: string) {
    super(AMQP_ERROR_CODES.unroutable, `no queue took the message for "${routingKey}"`, 500, {
      details: { exchange, routingKey },
    });
  }
}

/** The channel died before the broker confirmed; the message may or may not have arrived. */
export class ChannelClosedError extends Error {
  constructor(message = 'channel closed before the broker confirmed') {
    super(message);
    this.name = 'ChannelClosedError';
  }
}

/**
 * One confirm channel. `publish` resolves only once the broker has taken responsibility for the message
 * (persisted it, for persistent messages to durable queues). Mandatory messages that reach no queue are
 * returned by the broker before the confirm, and reported as unroutable instead of silently dropped.
 */
export class ConfirmPublisher {
  /** Returned (unroutable) message ids awaiting their confirm; RabbitMQ sends the return first. */
  private readonly returned = new Map<string, number>();
  private closed = false;

  constructor(private readonly channel: ConfirmChannel) {
    channel.on('return', (message: Message) => {
      const id: unknown = message.properties.messageId;
      if (typeof id === 'string') this.returned.set(id, (this.returned.get(id) ?? 0) + 1);
    });
    channel.on('close', () => {
      this.closed = true;
      this.returned.clear();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish,
    timeoutMs: number,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () => finish(unavailable(`RabbitMQ did not confirm the message within ${timeoutMs} ms`)),
        timeoutMs,
      );
      if (this.closed) {
        finish(new ChannelClosedError());
        return;
      }
      try {
        this.channel.publish(exchange, routingKey, content, options, (error: unknown) => {
          if (error) {
            // amqplib reports a nack as 'message nacked' and a lost channel as 'channel closed'.
            const nacked = (error as { message?: unknown }).message === 'message nacked';
            finish(
              nacked
                ? new UnavailableError('RabbitMQ refused the message', AMQP_ERROR_CODES.rejected)
                : new ChannelClosedError(),
            );
          } else if (options.mandatory && this.takeReturned(options.messageId)) {
            finish(new UnroutableError(exchange, routingKey));
          } else {
            finish();
          }
        });
      } catch (error) {
        // amqplib throws synchronously when the channel is already closed or closing.
        finish(new ChannelClosedError(error instanceof Error ? error.message : undefined));
      }
    });
  }

  private takeReturned(messageId: string | undefined): boolean {
    if (messageId === undefined) return false;
    const count = this.returned.get(messageId) ?? 0;
    if (count === 0) return false;
    if (count === 1) this.returned.delete(messageId);
    else this.returned.set(messageId, count - 1);
    return true;
  }
}
