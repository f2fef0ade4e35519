import type { Channel, ChannelModel, ConsumeMessage, MessageProperties, Options } from 'amqplib';
import type { Kysely, Transaction } from 'kysely';
import type { z } from 'zod';
import { type Envelope, envelopeSchema } from '@arasul/contracts/envelope';
import { runWithContext } from '../context';
import { type Logger, errorMeta } from '../logger';
import { claimMessage } from './idempotency';
import { type QueueDefinition, type Topology, retryDelayMs } from './topology';

/** Headers this module sets on messages it moves to a retry queue or a dead-letter queue. */
export const AMQP_HEADERS = {
  requestId: 'x-request-id',
  /** How many retries this message has had; absent on the first delivery. */
  retryCount: 'x-retry-count',
  /** The last handler error, for whoever reads the queue. */
  lastError: 'x-last-error',
  /** Why the message is in the DLQ, e.g. `handler_failed: …` or `invalid_message: …`. */
  deadReason: 'x-dead-reason',
  /** Handler runs before the message was dead-lettered (0 for invalid messages). */
  attempts: 'x-attempts',
  deadAt: 'x-dead-at',
  originalQueue: 'x-original-queue',
} as const;

export interface MessageContext<T> {
  envelope: Envelope<T>;
  /** 1 on the first delivery, 2 on the first retry, … */
  attempt: number;
  /** Aborted when the handler overruns `handlerTimeoutMs` or the client shuts down: stop and throw. */
  signal: AbortSignal;
}

export interface TransactionalMessageContext<T, DB> extends MessageContext<T> {
  /** The transaction that also records the message as processed; write through it to commit atomically. */
  trx: Transaction<DB>;
}

export type MessageHandler<T> = (context: MessageContext<T>) => Promise<void>;
export type TransactionalMessageHandler<T, DB> = (
  context: TransactionalMessageContext<T, DB>,
) => Promise<void>;

export interface IdempotencyOptions<DB> {
  db: Kysely<DB>;
  /** Name of this consumer in `amqp_processed_messages`, e.g. `telegram-notifier.alerts`. */
  consumer: string;
}

export interface ConsumeOptions {
  /** Unacknowledged messages this consumer holds at once, which is also its handler concurrency. */
  prefetch?: number;
  /** A handler running longer counts as failed (its signal aborts) and the message is retried. */
  handlerTimeoutMs?: number;
}

export interface ConsumerStats {
  processed: number;
  duplicates: number;
  retried: number;
  deadLettered: number;
  inFlight: number;
  lastError: string | null;
  lastErrorAt: string | null;
}

/** What a consumer needs from the client that owns the connection. */
export interface ConsumerHost {
  topology: Topology;
  logger: Logger;
  /** Larger messages are dead-lettered unread. */
  maxMessageBytes: number;
  /** Publishes with a broker confirm; rejects when that is not possible within the bound. */
  publishRaw(exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void>;
  /**
   * `connection` is unusable for this consumer: drop it and let the reconnect loop rebuild everything.
   * Ignored when that connection is already gone (a newer one must not be dropped for an old problem).
   */
  requestReconnect(reason: string, connection: ChannelModel): void;
  isClosing(): boolean;
  /** Aborted when the client gives up waiting for handlers at shutdown. */
  shutdownSignal: AbortSignal;
}

const DEFAULT_PREFETCH = 10;
const MAX_PREFETCH = 1_000;
const DEFAULT_HANDLER_TIMEOUT_MS = 120_000;
const MAX_REASON_LENGTH = 1_000;
/** Broker-maintained headers we do not copy: our own `x-retry-count` carries the retry state. */
const DROPPED_HEADERS = new Set([
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
]);

/** One consumer channel; replaced on every reconnect. Messages are acked on the channel that delivered them. */
interface ChannelState {
  connection: ChannelModel;
  channel: Channel;
  consumerTag: string | undefined;
  stopping: boolean;
}

type AnyHandler = (context: MessageContext<unknown> & { trx?: Transaction<unknown> }) => Promise<void>;

/**
 * One queue's consumer: parse → validate → handler (inside the message's request context, optionally in
 * one Postgres transaction with the idempotency marker) → ack. A failed handler moves the message to the
 * retry queue for its attempt, and after the last retry to the DLQ; an invalid message goes to the DLQ at
 * once. Each of those moves is confirmed by the broker before the original is acked, so a crash in
 * between redelivers the message rather than losing it.
 */
export class QueueConsumer {
  readonly stats: ConsumerStats = {
    processed: 0,
    duplicates: 0,
    retried: 0,
    deadLettered: 0,
    inFlight: 0,
    lastError: null,
    lastErrorAt: null,
  };
  private readonly log: Logger;
  private readonly schema: z.ZodType;
  private readonly prefetch: number;
  private readonly handlerTimeoutMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  private current: ChannelState | undefined;

  constructor(
    private readonly host: ConsumerHost,
    readonly definition: QueueDefinition,
    payloadSchema: z.ZodType,
    private readonly handler: AnyHandler,
    options: ConsumeOptions,
    private readonly idempotency: IdempotencyOptions<unknown> | undefined,
  ) {
    this.log = host.logger.child({ queue: definition.name });
    this.schema = envelopeSchema(payloadSchema);
    this.prefetch = boundedInt(options.prefetch ?? DEFAULT_PREFETCH, 1, MAX_PREFETCH, 'prefetch');
    this.handlerTimeoutMs = boundedInt(
      options.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS,
      10,
      24 * 60 * 60 * 1000,
      'handlerTimeoutMs',
    );
  }

  get queue(): string {
    return this.definition.name;
  }

  /** Starts consuming on a fresh channel of `connection`; called after every (re)connect. */
  async start(connection: ChannelModel): Promise<void> {
    // Idempotent per connection: a consumer registered during a reconnect must not get two channels.
    if (this.current?.connection === connection) return;
    const channel = await connection.createChannel();
    const state: ChannelState = { connection, channel, consumerTag: undefined, stopping: false };
    channel.on('error', (error: unknown) => this.log.warn('consumer channel error', errorMeta(error)));
    channel.on('close', () => {
      if (this.current === state) this.current = undefined;
      if (!state.stopping && !this.host.isClosing()) {
        this.host.requestReconnect(`consumer channel of ${this.queue} closed`, connection);
      }
    });
    await channel.prefetch(this.prefetch);
    this.current = state;
    const { consumerTag } = await channel.consume(this.host.topology.queueName(this.queue), (message) => {
      if (message === null) {
        // The broker cancelled us (queue deleted): reconnecting re-declares the queue and resumes.
        this.log.warn('consumer cancelled by the broker');
        if (!this.host.isClosing()) {
          this.host.requestReconnect(`consumer of ${this.queue} cancelled by the broker`, connection);
        }
        return;
      }
      this.track(this.handle(state, message));
    });
    state.consumerTag = consumerTag;
  }

  /** Stops taking messages, waits for running handlers until `deadline`, then closes the channel. */
  async stop(deadline: number): Promise<void> {
    const state = this.current;
    if (state) {
      state.stopping = true;
      if (state.consumerTag !== undefined) {
        await bounded(state.channel.cancel(state.consumerTag), deadline).catch(() => undefined);
      }
    }
    await this.drain(deadline);
    if (state) await bounded(state.channel.close(), deadline).catch(() => undefined);
    if (this.current === state) this.current = undefined;
  }

  /** Resolves when no handler runs any more, or at `deadline`. */
  async drain(deadline: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    await bounded(Promise.allSettled([...this.inFlight]), deadline).catch(() => undefined);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    this.stats.inFlight = this.inFlight.size;
    void work
      .catch((error: unknown) => this.log.error('message processing crashed', errorMeta(error)))
      .finally(() => {
        this.inFlight.delete(work);
        this.stats.inFlight = this.inFlight.size;
      });
  }

  private async handle(state: ChannelState, message: ConsumeMessage): Promise<void> {
    const retries = readRetryCount(message.properties.headers?.[AMQP_HEADERS.retryCount]);
    const attempt = retries + 1;

    if (message.content.length > this.host.maxMessageBytes) {
      const reason = `message_too_large: ${message.content.length} bytes > ${this.host.maxMessageBytes}`;
      await this.deadLetter(state, message, reason, 0);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(message.content.toString('utf8'));
    } catch (error) {
      const reason = `invalid_json: ${error instanceof Error ? error.message : String(error)}`;
      await this.deadLetter(state, message, reason, 0);
      return;
    }
    const parsed = this.schema.safeParse(raw);
    if (!parsed.success) {
      await this.deadLetter(state, message, `invalid_message: ${summarizeIssues(parsed.error)}`, 0);
      return;
    }
    const envelope = parsed.data as Envelope<unknown>;
    const meta = { messageId: envelope.id, type: envelope.type, attempt };

    await runWithContext({ requestId: envelope.requestId ?? envelope.id }, async () => {
      try {
        const outcome = await this.runHandler(envelope, attempt);
        if (outcome === 'duplicate') {
          this.stats.duplicates += 1;
          this.log.debug('duplicate message skipped', meta);
        } else {
          this.stats.processed += 1;
          this.log.debug('message processed', meta);
        }
        this.ack(state, message);
      } catch (error) {
        const errorText = error instanceof Error ? error.message : String(error);
        this.stats.lastError = errorText;
        this.stats.lastErrorAt = new Date().toISOString();
        if (this.host.isClosing()) {
          // Shutting down: leave it unacked; the broker hands it out again after we are gone.
          this.log.info('handler interrupted by shutdown, message will be redelivered', {
            ...meta,
            ...errorMeta(error),
          });
          return;
        }
        const { retry } = this.definition;
        if (retries < retry.maxRetries) {
          const delayMs = retryDelayMs(retry, retries + 1);
          const moved = await this.moveTo(
            state,
            message,
            this.host.topology.retryQueueName(this.queue, delayMs),
            {
              [AMQP_HEADERS.retryCount]: retries + 1,
              [AMQP_HEADERS.lastError]: truncate(errorText),
            },
          );
          if (moved) {
            this.stats.retried += 1;
            this.log.warn('message handler failed, retry scheduled', {
              ...meta,
              retryInMs: delayMs,
              ...errorMeta(error),
            });
          }
        } else {
          const reason = `handler_failed after ${attempt} attempts: ${errorText}`;
          if (await this.deadLetter(state, message, reason, attempt)) {
            this.log.error('message handler failed for good, message dead-lettered', {
              ...meta,
              ...errorMeta(error),
            });
          }
        }
      }
    });
  }

  /** Runs the handler, bounded by `handlerTimeoutMs`; `duplicate` when the idempotency marker already existed. */
  private async runHandler(envelope: Envelope<unknown>, attempt: number): Promise<'processed' | 'duplicate'> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`handler did not finish within ${this.handlerTimeoutMs} ms`)),
      this.handlerTimeoutMs,
    );
    const onShutdown = (): void => controller.abort(new Error('handler interrupted by shutdown'));
    const shutdown = this.host.shutdownSignal;
    if (shutdown.aborted) onShutdown();
    else shutdown.addEventListener('abort', onShutdown, { once: true });
    // The handler may ignore its signal; we still stop waiting for it. Promise.race also observes a late
    // rejection of the handler, so that cannot become an unhandled rejection.
    const aborted = new Promise<never>((_, reject) => {
      const fail = (): void => reject(controller.signal.reason as Error);
      if (controller.signal.aborted) fail();
      else controller.signal.addEventListener('abort', fail, { once: true });
    });
    try {
      return await Promise.race([this.invoke(envelope, attempt, controller.signal), aborted]);
    } finally {
      clearTimeout(timer);
      shutdown.removeEventListener('abort', onShutdown);
    }
  }

  private async invoke(
    envelope: Envelope<unknown>,
    attempt: number,
    signal: AbortSignal,
  ): Promise<'processed' | 'duplicate'> {
    const idempotency = this.idempotency;
    if (!idempotency) {
      await this.handler({ envelope, attempt, signal });
      return 'processed';
    }
    return idempotency.db.transaction().execute(async (trx) => {
      if (!(await claimMessage(trx, idempotency.consumer, envelope.id))) return 'duplicate';
      await this.handler({ envelope, attempt, signal, trx });
      return 'processed';
    });
  }

  /** Sends the message to the DLQ with the reason; true when the original could be acked. */
  private deadLetter(
    state: ChannelState,
    message: ConsumeMessage,
    reason: string,
    attempts: number,
  ): Promise<boolean> {
    if (attempts === 0) {
      this.log.error('invalid message dead-lettered', {
        reason: truncate(reason),
        messageId: message.properties.messageId as unknown,
      });
    }
    return this.moveTo(state, message, this.host.topology.deadLetterQueueName(this.queue), {
      [AMQP_HEADERS.deadReason]: truncate(reason),
      [AMQP_HEADERS.attempts]: attempts,
      [AMQP_HEADERS.deadAt]: new Date().toISOString(),
      [AMQP_HEADERS.originalQueue]: this.queue,
    }).then((moved) => {
      if (moved) this.stats.deadLettered += 1;
      return moved;
    });
  }

  /**
   * Publishes a copy to `queue` (confirmed, mandatory) and then acks the original. When the copy cannot be
   * placed, the original stays unacked and the connection is rebuilt: the broker redelivers it, and the
   * reconnect re-declares whatever queue was missing. Never acks a message that is not safely elsewhere.
   */
  private async moveTo(
    state: ChannelState,
    message: ConsumeMessage,
    queue: string,
    extraHeaders: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.host.publishRaw(
        '',
        queue,
        message.content,
        copyProperties(message.properties, extraHeaders),
      );
    } catch (error) {
      this.log.error('could not move message, it will be redelivered', {
        target: queue,
        ...errorMeta(error),
      });
      this.host.requestReconnect(`could not move a message to ${queue}`, state.connection);
      return false;
    }
    this.ack(state, message);
    return true;
  }

  private ack(state: ChannelState, message: ConsumeMessage): void {
    try {
      state.channel.ack(message);
    } catch (error) {
      // The channel died while the handler ran; the broker redelivers the message (idempotency skips it).
      this.log.debug('ack lost with its channel, message will be redelivered', errorMeta(error));
    }
  }
}

function copyProperties(
  properties: MessageProperties,
  extraHeaders: Record<string, unknown>,
): Options.Publish {
  const headers: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties.headers ?? {})) {
    if (!DROPPED_HEADERS.has(key)) headers[key] = value;
  }
  Object.assign(headers, extraHeaders);
  const options: Options.Publish = { persistent: true, mandatory: true, headers };
  if (typeof properties.messageId === 'string') options.messageId = properties.messageId;
  if (typeof properties.contentType === 'string') options.contentType = properties.contentType;
  if (typeof properties.contentEncoding === 'string') options.contentEncoding = properties.contentEncoding;
  if (typeof properties.type === 'string') options.type = properties.type;
  if (typeof properties.appId === 'string') options.appId = properties.appId;
  if (typeof properties.timestamp === 'number') options.timestamp = properties.timestamp;
  return options;
}

function readRetryCount(value: unknown): number {
  const count = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : 0;
  return Number.isInteger(count) && count > 0 ? count : 0;
}

function summarizeIssues(error: z.ZodError): string {
  return truncate(
    error.issues
      .slice(0, 10)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; '),
  );
}

function truncate(text: string): string {
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
}

function boundedInt(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer ${min}..${max}, got ${value}`);
  }
  return value;
}

/** Waits for `promise` at most until `deadline`; rejects after it. */
export function bounded<T>(promise: Promise<T>, deadline: number): Promise<T> {
  const remaining = Math.max(0, deadline - Date.now());
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${remaining} ms`)), remaining);
    }),
  ]).finally(() => clearTimeout(timer));
}
