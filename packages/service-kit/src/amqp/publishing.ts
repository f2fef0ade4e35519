import type { Options } from 'amqplib';
import { z } from 'zod';
import { type Envelope, ROUTING_KEY_PATTERN, envelopeSchema } from '@arasul/contracts/envelope';
import { AppError, UnavailableError } from '../errors';
import { currentRequestId } from '../context';
import { bounded } from './consumer';
import type { AmqpConnection, Session } from './connection';
import { AMQP_ERROR_CODES, ChannelClosedError, UnroutableError } from './publisher';

export interface PublishOptions {
  /** Reuse an envelope id when re-publishing the same fact (e.g. an outbox replay) so consumers dedupe. */
  id?: string;
  /** Defaults to the request id of the current context (`runWithContext`), else `null`. */
  requestId?: string | null;
  /** Overrides `publishTimeoutMs` for this message. */
  timeoutMs?: number;
}

export interface PublishingSettings {
  service: string;
  publishTimeoutMs: number;
  maxPendingPublishes: number;
  maxMessageBytes: number;
}

/** The envelope around an already validated payload. */
const ENVELOPE_FIELDS = envelopeSchema(z.unknown());

/**
 * Publishing of `AmqpClient`: builds and checks the envelope, then publishes it with a broker confirm,
 * waiting (bounded) for a connection. Nothing is buffered beyond `maxPendingPublishes` callers, and
 * nothing is dropped silently.
 */
export class EnvelopePublisher {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly settings: PublishingSettings,
    private readonly connection: AmqpConnection,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Waits (until `deadline`) for publishes that still wait for a connection or a confirm. */
  async settle(deadline: number): Promise<void> {
    if (this.pending.size === 0) return;
    await bounded(Promise.allSettled([...this.pending]), deadline).catch(() => undefined);
  }

  buildEnvelope(
    type: string,
    schema: z.ZodType,
    payload: unknown,
    options: PublishOptions,
  ): Envelope<unknown> {
    if (!ROUTING_KEY_PATTERN.test(type)) {
      throw new AppError(AMQP_ERROR_CODES.unknownType, `"${type}" is not a valid routing key`, 500);
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      throw new AppError(
        AMQP_ERROR_CODES.invalidPayload,
        `payload of "${type}" does not match its schema`,
        500,
        {
          details: parsed.error.issues,
        },
      );
    }
    const envelope: Envelope<unknown> = {
      id: options.id ?? globalThis.crypto.randomUUID(),
      type,
      occurredAt: new Date().toISOString(),
      source: this.settings.service,
      requestId: options.requestId === undefined ? (currentRequestId() ?? null) : options.requestId,
      payload: parsed.data,
    };
    const check = ENVELOPE_FIELDS.safeParse(envelope); // checks `id` and `requestId` from the options
    if (!check.success) {
      throw new AppError(AMQP_ERROR_CODES.invalidPayload, `envelope of "${type}" is invalid`, 500, {
        details: check.error.issues,
      });
    }
    return envelope;
  }

  async publishEnvelope(
    exchange: string,
    routingKey: string,
    envelope: Envelope<unknown>,
    mandatory: boolean,
    timeoutMs = this.settings.publishTimeoutMs,
  ): Promise<void> {
    const content = Buffer.from(JSON.stringify(envelope), 'utf8');
    if (content.length > this.settings.maxMessageBytes) {
      throw new AppError(
        AMQP_ERROR_CODES.tooLarge,
        `message of ${content.length} bytes exceeds ${this.settings.maxMessageBytes}`,
        500,
      );
    }
    const headers: Record<string, string> = {};
    if (envelope.requestId !== null) headers['x-request-id'] = envelope.requestId;
    const options: Options.Publish = {
      persistent: true,
      mandatory,
      messageId: envelope.id,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      type: envelope.type,
      appId: envelope.source,
      timestamp: Math.floor(Date.parse(envelope.occurredAt) / 1000),
      headers,
    };
    await this.publishRaw(exchange, routingKey, content, options, timeoutMs);
  }

  /**
   * Publishes with a broker confirm within `timeoutMs`, waiting for a connection if there is none. A
   * confirm lost with its channel is retried on the next connection (same message id, so a consumer that
   * got both dedupes) until the time is up.
   */
  publishRaw(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish,
    timeoutMs = this.settings.publishTimeoutMs,
  ): Promise<void> {
    if (this.pending.size >= this.settings.maxPendingPublishes) {
      return Promise.reject(
        new UnavailableError(
          `${this.pending.size} publishes already wait for RabbitMQ`,
          AMQP_ERROR_CODES.backpressure,
        ),
      );
    }
    const work = this.publishConfirmed(exchange, routingKey, content, options, Date.now() + timeoutMs);
    this.pending.add(work);
    void work.then(
      () => this.pending.delete(work),
      () => this.pending.delete(work),
    );
    return work;
  }

  private async publishConfirmed(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish,
    deadline: number,
  ): Promise<void> {
    let lastFailure: Error | undefined;
    for (;;) {
      let session: Session;
      try {
        session = await this.connection.waitForSession(deadline);
      } catch (error) {
        throw lastFailure ?? error;
      }
      try {
        await session.publisher.publish(
          exchange,
          routingKey,
          content,
          options,
          Math.max(1, deadline - Date.now()),
        );
        return;
      } catch (error) {
        if (error instanceof UnroutableError) {
          // A declared queue is gone (deleted by hand?). Reconnecting re-declares the topology; the
          // message was not delivered, so sending it again after that cannot duplicate it.
          lastFailure = error;
          this.connection.dropSession(session, `no queue for "${routingKey}", re-declaring the topology`);
        } else if (error instanceof ChannelClosedError) {
          this.connection.dropSession(session, 'publish channel lost');
        } else {
          throw error;
        }
      }
    }
  }
}
