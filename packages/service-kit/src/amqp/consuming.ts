import type { ChannelModel } from 'amqplib';
import type { z } from 'zod';
import type { Logger } from '../logger';
import { errorMeta } from '../logger';
import type { AmqpConnection } from './connection';
import { type ConsumeOptions, type ConsumerStats, type IdempotencyOptions, QueueConsumer } from './consumer';
import type { EnvelopePublisher } from './publishing';
import type { RetryPolicy, Topology } from './topology';

export interface ConsumerHandle {
  readonly queue: string;
  /** Stops this consumer (running handlers finish, bounded by `closeTimeoutMs`). */
  cancel(): Promise<void>;
}

export interface ConsumingSettings {
  maxMessageBytes: number;
  closeTimeoutMs: number;
}

type AnyHandler = ConstructorParameters<typeof QueueConsumer>[3];

/**
 * Consuming of `AmqpClient`: the registered consumers, declared subscriber queues, and their restart on
 * every new connection (`startAll`, called by the connection's setup).
 */
export class ConsumerRegistry {
  private readonly consumers = new Map<string, QueueConsumer>();
  /** Aborted when close() stops waiting for handlers; handlers see it in their signal. */
  private readonly handlersAbort = new AbortController();

  constructor(
    private readonly settings: ConsumingSettings,
    private readonly topology: Topology,
    private readonly log: Logger,
    private readonly connection: AmqpConnection,
    private readonly publisher: EnvelopePublisher,
  ) {}

  /** Declares a subscriber queue; when connected, creates it on the broker now, otherwise on connect. */
  async subscribe(
    queue: string,
    patterns: readonly string[],
    options: { retry?: RetryPolicy },
  ): Promise<void> {
    const definition = this.topology.subscribe(queue, patterns, options);
    await this.connection.withSetupLock(async () => {
      const session = this.connection.usableSession();
      if (!session) return;
      try {
        const channel = await session.connection.createChannel();
        channel.on('error', (error: unknown) => this.log.warn('declaration channel error', errorMeta(error)));
        await this.topology.assertQueue(channel, definition);
        await channel.close();
      } catch (error) {
        // A broken connection is rebuilt, and the reconnect declares the queue.
        this.connection.dropSession(session, 'declaring a subscriber queue failed', error);
      }
    });
  }

  async consume(
    queue: string,
    payloadSchema: z.ZodType,
    handler: AnyHandler,
    options: ConsumeOptions & { idempotency?: IdempotencyOptions<unknown> },
  ): Promise<ConsumerHandle> {
    const definition = this.topology.get(queue);
    if (!definition)
      throw new Error(`queue ${queue} is not declared: subscribe() to it or add it to WORK_QUEUES`);
    if (this.consumers.has(queue)) throw new Error(`queue ${queue} already has a consumer in this client`);
    const consumer = new QueueConsumer(
      {
        topology: this.topology,
        logger: this.log,
        maxMessageBytes: this.settings.maxMessageBytes,
        publishRaw: (exchange, routingKey, content, publishOptions) =>
          this.publisher.publishRaw(exchange, routingKey, content, publishOptions),
        requestReconnect: (reason, connection) => this.connection.requestReconnect(reason, connection),
        isClosing: () => this.connection.stopping,
        shutdownSignal: this.handlersAbort.signal,
      },
      definition,
      payloadSchema,
      handler,
      options,
      options.idempotency,
    );
    this.consumers.set(queue, consumer);
    await this.connection.withSetupLock(async () => {
      const session = this.connection.usableSession();
      if (!session) return; // started by the next connect
      try {
        await consumer.start(session.connection);
      } catch (error) {
        this.connection.dropSession(session, `starting the consumer of ${queue} failed`, error);
      }
    });
    return {
      queue,
      cancel: async () => {
        if (this.consumers.get(queue) !== consumer) return;
        this.consumers.delete(queue);
        await consumer.stop(Date.now() + this.settings.closeTimeoutMs);
      },
    };
  }

  /** Starts every registered consumer on a new connection. */
  async startAll(connection: ChannelModel): Promise<void> {
    for (const consumer of this.consumers.values()) await consumer.start(connection);
  }

  stats(): Record<string, ConsumerStats> {
    const stats: Record<string, ConsumerStats> = {};
    for (const [queue, consumer] of this.consumers) stats[queue] = { ...consumer.stats };
    return stats;
  }

  /** Stops every consumer, waits for running handlers until `deadline`, then aborts the stragglers' signals. */
  async stopAll(deadline: number): Promise<void> {
    await Promise.all([...this.consumers.values()].map((consumer) => consumer.stop(deadline)));
    this.handlersAbort.abort();
  }

  clear(): void {
    this.consumers.clear();
  }
}
