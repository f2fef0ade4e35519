import type { Channel, Options } from 'amqplib';
import { ROUTING_KEY_PATTERN } from '@arasul/contracts/envelope';
import type { JobQueueName } from '@arasul/contracts/jobs';

/**
 * THE one place that names things on the broker. Every exchange and queue name is built here, prefixed
 * with the topology's `namespace` (empty in production, `t_<random>.` in tests, so test files never share
 * a queue).
 *
 * Per consumed queue `<q>` (work queue or subscriber queue) there are:
 *   `<q>`                 durable; a rejected message dead-letters to `<q>.dlq` (safety net)
 *   `<q>.retry.<n>ms`     one per distinct retry delay: no consumer, `x-message-ttl = n`, dead-letters back
 *                         into `<q>`. One queue per delay (not per-message expiration on one queue) because
 *                         RabbitMQ only expires the head of a queue: a 30 s message would hold back a 1 s one.
 *                         The delay is in the name so changing a delay creates a new queue instead of
 *                         failing with PRECONDITION_FAILED on the old queue's arguments.
 *   `<q>.dlq`             durable, capped at DEAD_LETTER_MAX_LENGTH (oldest dropped): where messages go
 *                         that must not be retried (invalid) or failed every retry, with `x-dead-reason`.
 */
export const EVENTS_EXCHANGE = 'arasul.events';

export interface RetryPolicy {
  /** Delay before retry n (0-based); the last entry repeats when `maxRetries` is larger. */
  delaysMs: readonly number[];
  /** Redeliveries after the first attempt; the attempt after the last retry goes to the DLQ. */
  maxRetries: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  delaysMs: Object.freeze([1_000, 5_000, 30_000]),
  maxRetries: 3,
});

/** Dead letters are for a person to look at; beyond this many the oldest go, so the disk never fills. */
export const DEAD_LETTER_MAX_LENGTH = 10_000;

const MAX_RETRIES_LIMIT = 25;
const MAX_DELAY_MS = 24 * 60 * 60 * 1000;
const MAX_DELAY_TIERS = 10;
const NAMESPACE_PATTERN = /^([a-z0-9_-]+\.)?$/i;
const BINDING_PATTERN = /^([a-z0-9_-]+|\*|#)(\.([a-z0-9_-]+|\*|#))*$/;

interface WorkQueueSpec {
  retry: RetryPolicy;
}

/**
 * Every work queue of the platform. Later features add theirs here together with the job's payload schema
 * in `@arasul/contracts` `jobSchemas`; `satisfies` keeps the two lists identical.
 */
export const WORK_QUEUES = {
  'documents.index': { retry: DEFAULT_RETRY },
} as const satisfies Record<JobQueueName, WorkQueueSpec>;

export type WorkQueueName = keyof typeof WORK_QUEUES;

export interface QueueDefinition {
  /** Logical name, without the namespace, e.g. `documents.index` or `telegram-notifier.alerts`. */
  name: string;
  kind: 'work' | 'subscriber';
  /** Routing patterns on the events exchange (subscriber queues only). */
  bindings: readonly string[];
  retry: RetryPolicy;
}

export interface TopologyOptions {
  /** Prefix of every name; must be empty or end with a dot, e.g. `t_x1y2.`. */
  namespace?: string;
  /** Retry policy of the work queues, instead of their own (tests use short delays). */
  workQueueRetry?: RetryPolicy;
}

/** Physical names declared per namespace in this process, so a test can delete exactly what it made. */
const declared = new Map<string, { exchanges: Set<string>; queues: Set<string> }>();

export function declaredAmqpNames(namespace: string): { exchanges: string[]; queues: string[] } {
  const entry = declared.get(namespace);
  return { exchanges: [...(entry?.exchanges ?? [])], queues: [...(entry?.queues ?? [])] };
}

export function validateRetryPolicy(retry: RetryPolicy): RetryPolicy {
  const { delaysMs, maxRetries } = retry;
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > MAX_RETRIES_LIMIT) {
    throw new Error(`retry.maxRetries must be an integer 0..${MAX_RETRIES_LIMIT}, got ${maxRetries}`);
  }
  if (delaysMs.length === 0 || delaysMs.length > MAX_DELAY_TIERS) {
    throw new Error(`retry.delaysMs must have 1..${MAX_DELAY_TIERS} entries`);
  }
  for (const delay of delaysMs) {
    if (!Number.isInteger(delay) || delay < 1 || delay > MAX_DELAY_MS) {
      throw new Error(`retry delay must be an integer 1..${MAX_DELAY_MS} ms, got ${delay}`);
    }
  }
  return Object.freeze({ delaysMs: Object.freeze([...delaysMs]), maxRetries });
}

/** The delay before retry number `retry` (1-based). */
export function retryDelayMs(policy: RetryPolicy, retry: number): number {
  const index = Math.min(Math.max(retry - 1, 0), policy.delaysMs.length - 1);
  return policy.delaysMs[index] ?? policy.delaysMs[policy.delaysMs.length - 1] ?? 1_000;
}

export class Topology {
  readonly namespace: string;
  private readonly queues = new Map<string, QueueDefinition>();

  constructor(options: TopologyOptions = {}) {
    const namespace = options.namespace ?? '';
    if (!NAMESPACE_PATTERN.test(namespace)) {
      throw new Error(`AMQP namespace must be empty or like "t_abc.", got "${namespace}"`);
    }
    this.namespace = namespace;
    for (const [name, spec] of Object.entries(WORK_QUEUES)) {
      this.define({ name, kind: 'work', bindings: [], retry: options.workQueueRetry ?? spec.retry });
    }
  }

  get exchange(): string {
    return `${this.namespace}${EVENTS_EXCHANGE}`;
  }

  queueName(logical: string): string {
    return `${this.namespace}${logical}`;
  }

  retryQueueName(logical: string, delayMs: number): string {
    return `${this.namespace}${logical}.retry.${delayMs}ms`;
  }

  deadLetterQueueName(logical: string): string {
    return `${this.namespace}${logical}.dlq`;
  }

  /**
   * Declares a subscriber queue `<service>.<purpose>` bound to routing patterns on the events exchange,
   * e.g. `subscribe('telegram-notifier.alerts', ['metrics.alert.*'])`. Declaring the same queue again
   * with the same bindings is a no-op; with different ones it is a programming error.
   */
  subscribe(
    name: string,
    patterns: readonly string[],
    options: { retry?: RetryPolicy } = {},
  ): QueueDefinition {
    if (patterns.length === 0) throw new Error(`subscriber queue ${name} needs at least one routing pattern`);
    for (const pattern of patterns) {
      if (!BINDING_PATTERN.test(pattern)) throw new Error(`invalid routing pattern "${pattern}" for ${name}`);
    }
    const definition: QueueDefinition = {
      name,
      kind: 'subscriber',
      bindings: Object.freeze([...new Set(patterns)].sort()),
      retry: options.retry ?? DEFAULT_RETRY,
    };
    const existing = this.queues.get(name);
    if (existing) {
      if (sameDefinition(existing, definition)) return existing;
      throw new Error(`queue ${name} is already declared differently`);
    }
    return this.define(definition);
  }

  get(name: string): QueueDefinition | undefined {
    return this.queues.get(name);
  }

  definitions(): QueueDefinition[] {
    return [...this.queues.values()];
  }

  /** Every physical name this topology declares. */
  names(): { exchanges: string[]; queues: string[] } {
    const queues: string[] = [];
    for (const definition of this.queues.values()) queues.push(...this.physicalQueues(definition));
    return { exchanges: [this.exchange], queues };
  }

  /** Declares the exchange and every queue (idempotent, as AMQP declarations are). */
  async assert(channel: Channel): Promise<void> {
    await channel.assertExchange(this.exchange, 'topic', { durable: true });
    this.record('exchanges', this.exchange);
    for (const definition of this.queues.values()) await this.assertQueue(channel, definition);
  }

  /** Declares one queue with its retry tiers, dead-letter queue and bindings. */
  async assertQueue(channel: Channel, definition: QueueDefinition): Promise<void> {
    const queue = this.queueName(definition.name);
    const dlq = this.deadLetterQueueName(definition.name);
    await channel.assertQueue(dlq, {
      durable: true,
      arguments: { 'x-max-length': DEAD_LETTER_MAX_LENGTH, 'x-overflow': 'drop-head' },
    });
    this.record('queues', dlq);
    for (const delay of new Set(definition.retry.delaysMs)) {
      const retryQueue = this.retryQueueName(definition.name, delay);
      await channel.assertQueue(retryQueue, {
        durable: true,
        arguments: {
          'x-message-ttl': delay,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': queue,
        },
      });
      this.record('queues', retryQueue);
    }
    const options: Options.AssertQueue = {
      durable: true,
      arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': dlq },
    };
    await channel.assertQueue(queue, options);
    this.record('queues', queue);
    for (const pattern of definition.bindings) await channel.bindQueue(queue, this.exchange, pattern);
  }

  private define(definition: QueueDefinition): QueueDefinition {
    if (!ROUTING_KEY_PATTERN.test(definition.name) || definition.name.length > 200) {
      throw new Error(`queue name must look like <service>.<purpose>, got "${definition.name}"`);
    }
    const frozen = Object.freeze({ ...definition, retry: validateRetryPolicy(definition.retry) });
    this.queues.set(definition.name, frozen);
    return frozen;
  }

  private physicalQueues(definition: QueueDefinition): string[] {
    return [
      this.queueName(definition.name),
      this.deadLetterQueueName(definition.name),
      ...[...new Set(definition.retry.delaysMs)].map((delay) => this.retryQueueName(definition.name, delay)),
    ];
  }

  private record(kind: 'exchanges' | 'queues', name: string): void {
    let entry = declared.get(this.namespace);
    if (!entry) {
      entry = { exchanges: new Set(), queues: new Set() };
      declared.set(this.namespace, entry);
    }
    entry[kind].add(name);
  }
}

function sameDefinition(a: QueueDefinition, b: QueueDefinition): boolean {
  return (
    a.kind === b.kind &&
    a.bindings.join(',') === b.bindings.join(',') &&
    a.retry.maxRetries === b.retry.maxRetries &&
    a.retry.delaysMs.join(',') === b.retry.delaysMs.join(',')
  );
}
