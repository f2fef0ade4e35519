import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import * as amqplib from 'amqplib';
import { sql } from 'kysely';
import { z } from 'zod';
import {
  documentsIndexJobSchema,
  type Envelope,
  envelopeSchema,
  workflowActivitySchema,
  type WorkflowActivity,
} from '@arasul/contracts';
import {
  AMQP_HEADERS,
  AmqpClient,
  type AmqpClientOptions,
  type RetryPolicy,
  Topology,
  isAppError,
  pruneProcessedMessages,
  runWithContext,
} from '@arasul/service-kit';
import {
  createAmqpNamespace,
  deleteAmqpNamespace,
  findBrokerConnections,
  killBrokerConnections,
  takeMessages,
} from '../../testkit/src/amqp';
import { createCapturedLogger, type CapturedLogger } from '../../testkit/src/logger';
import { RABBITMQ_URL, type ScratchDatabase, createScratchDatabase, waitFor } from './amqp-test-helpers';

const namespace = createAmqpNamespace();
const FAST_RETRY: RetryPolicy = { delaysMs: [50, 100, 200], maxRetries: 3 };
const clients: AmqpClient[] = [];
const servers: Server[] = [];
const sockets = new Set<Socket>();
let captured: CapturedLogger;

function newClient(overrides: Partial<AmqpClientOptions> = {}): AmqpClient {
  const client = new AmqpClient({
    url: RABBITMQ_URL,
    service: 'amqp-test',
    logger: captured.logger,
    topology: new Topology({ namespace, workQueueRetry: FAST_RETRY }),
    connectionName: `amqp-test-${namespace}${clients.length}`,
    closeTimeoutMs: 3_000,
    ...overrides,
  });
  clients.push(client);
  return client.start();
}

async function connectedClient(overrides: Partial<AmqpClientOptions> = {}): Promise<AmqpClient> {
  const client = newClient(overrides);
  await client.waitUntilConnected(5_000);
  return client;
}

function rawTopology(): Topology {
  return new Topology({ namespace });
}

const testEventSchema = z.object({ n: z.number().int() });

beforeAll(() => {
  captured = createCapturedLogger('amqp-test', 'debug');
});

// Each test closes what it opened, so no consumer of an earlier test competes for a later test's messages.
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers) server.close();
  await deleteAmqpNamespace(RABBITMQ_URL, namespace);
});

describe('publish and consume', () => {
  it('delivers a published event to a subscriber as a validated envelope with its request id', async () => {
    const client = await connectedClient();
    await client.subscribe('amqptest.roundtrip', ['workflow.activity']);
    // A second queue without a consumer shows what went over the wire.
    await client.subscribe('amqptest.wire', ['workflow.activity']);
    const received: Envelope<WorkflowActivity>[] = [];
    await client.consume('amqptest.roundtrip', workflowActivitySchema, async ({ envelope }) => {
      received.push(envelope);
    });

    const payload: WorkflowActivity = { workflowName: 'Nightly report', status: 'success', durationMs: 1234 };
    const published = await runWithContext({ requestId: 'req-roundtrip-1' }, () =>
      client.publish('workflow.activity', payload),
    );

    await waitFor('the subscriber to receive the event', () => received.length === 1);
    expect(received[0]).toEqual(published);
    expect(received[0]).toMatchObject({
      type: 'workflow.activity',
      source: 'amqp-test',
      requestId: 'req-roundtrip-1',
      payload,
    });
    expect(envelopeSchema(workflowActivitySchema).safeParse(received[0]).success).toBe(true);

    const [wire] = await takeMessages(RABBITMQ_URL, rawTopology().queueName('amqptest.wire'));
    expect(wire).toBeDefined();
    expect(wire?.properties).toMatchObject({
      deliveryMode: 2,
      messageId: published.id,
      contentType: 'application/json',
      headers: { 'x-request-id': 'req-roundtrip-1' },
    });
    expect(JSON.parse(wire?.content.toString('utf8') ?? 'null')).toEqual(published);
  });

  it('sends a job to a work queue and its consumer gets it', async () => {
    const client = await connectedClient();
    const jobs: unknown[] = [];
    await client.consume('documents.index', documentsIndexJobSchema, async ({ envelope }) => {
      jobs.push(envelope.payload);
    });
    const job = { documentId: '0b9e7c4e-55a4-4a0e-9b53-3f8f4f7e0a11', reason: 'upload' as const };
    const envelope = await client.sendToQueue('documents.index', job);
    expect(envelope.type).toBe('documents.index');
    expect(envelope.requestId).toBeNull();
    await waitFor('the job consumer to run', () => jobs.length === 1);
    expect(jobs).toEqual([job]);
  });

  it('refuses to publish a payload that breaks its contract, and nothing reaches the bus', async () => {
    const client = await connectedClient();
    await client.subscribe('amqptest.contract', ['auth.account.locked']);
    // The registry makes a registered event's payload a compile-time contract too:
    // @ts-expect-error userId must be a number
    const _typeChecked = () => client.publish('auth.account.locked', { userId: 'admin' });
    // @ts-expect-error an event outside the registry must bring its own schema
    const _unregistered = () => client.publish('amqptest.unknown', { n: 1 });
    const bad = { userId: -1, username: '', lockedUntil: 'tomorrow', failedAttempts: 5 };
    const error: unknown = await client.publish('auth.account.locked', bad).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('invalid_message_payload');

    const small = await connectedClient({ maxMessageBytes: 300 });
    const huge = { workflowName: 'w', status: 'error' as const, error: 'x'.repeat(1_000) };
    const tooLarge: unknown = await small.publish('workflow.activity', huge).catch((e: unknown) => e);
    expect(isAppError(tooLarge) && tooLarge.code).toBe('message_too_large');
    expect(await takeMessages(RABBITMQ_URL, rawTopology().queueName('amqptest.contract'))).toHaveLength(0);
  });
});

describe('retry and dead-lettering', () => {
  it('redelivers a message whose handler failed once, and then processes it once', async () => {
    const client = await connectedClient();
    await client.subscribe('amqptest.flaky', ['amqptest.flaky'], { retry: FAST_RETRY });
    const attempts: { id: string; attempt: number }[] = [];
    let processed = 0;
    await client.consume('amqptest.flaky', testEventSchema, async ({ envelope, attempt }) => {
      attempts.push({ id: envelope.id, attempt });
      if (attempt === 1) throw new Error('transient failure');
      processed += 1;
    });

    const envelope = await client.publish('amqptest.flaky', { n: 1 }, { schema: testEventSchema });
    await waitFor('the retry to be processed', () => processed === 1);
    await new Promise((resolve) => setTimeout(resolve, 400)); // longer than every retry delay
    expect(attempts).toEqual([
      { id: envelope.id, attempt: 1 },
      { id: envelope.id, attempt: 2 },
    ]);
    expect(processed).toBe(1);
    expect(
      await takeMessages(RABBITMQ_URL, rawTopology().deadLetterQueueName('amqptest.flaky')),
    ).toHaveLength(0);
    const health = await client.healthCheck().check(new AbortController().signal);
    expect(health).toMatchObject({
      consumers: { 'amqptest.flaky': { processed: 1, retried: 1, deadLettered: 0 } },
    });
  });

  it('retries a failing handler maxRetries times with growing delays, then dead-letters it with the reason', async () => {
    const client = await connectedClient();
    await client.subscribe('amqptest.broken', ['amqptest.broken'], { retry: FAST_RETRY });
    const calls: number[] = [];
    await client.consume('amqptest.broken', testEventSchema, async () => {
      calls.push(Date.now());
      throw new Error('database is on fire');
    });

    const envelope = await client.publish('amqptest.broken', { n: 2 }, { schema: testEventSchema });
    const dlq = rawTopology().deadLetterQueueName('amqptest.broken');
    const dead: Awaited<ReturnType<typeof takeMessages>> = [];
    await waitFor('the message to reach the DLQ', async () => {
      dead.push(...(await takeMessages(RABBITMQ_URL, dlq)));
      return dead.length > 0;
    });

    expect(calls).toHaveLength(1 + FAST_RETRY.maxRetries);
    const gaps = calls.slice(1).map((at, i) => at - (calls[i] ?? at));
    // Each retry waited at least its configured delay (RabbitMQ expires TTLs with ms precision; allow 5 ms).
    FAST_RETRY.delaysMs.forEach((delay, i) => expect(gaps[i]).toBeGreaterThanOrEqual(delay - 5));
    expect(gaps[2]).toBeGreaterThan(gaps[0] ?? Infinity);

    expect(dead).toHaveLength(1);
    const headers = dead[0]?.properties.headers ?? {};
    expect(headers[AMQP_HEADERS.deadReason]).toBe('handler_failed after 4 attempts: database is on fire');
    expect(headers[AMQP_HEADERS.attempts]).toBe(4);
    expect(headers[AMQP_HEADERS.retryCount]).toBe(3);
    expect(dead[0]?.properties.messageId).toBe(envelope.id);
    expect(JSON.parse(dead[0]?.content.toString('utf8') ?? 'null')).toEqual(envelope);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).toHaveLength(4); // and not a fifth time
  });

  it('treats a handler that hangs past handlerTimeoutMs as failed: its signal aborts and the message is retried', async () => {
    const client = await connectedClient();
    await client.subscribe('amqptest.hang', ['amqptest.hang'], { retry: { delaysMs: [50], maxRetries: 1 } });
    const signals: AbortSignal[] = [];
    let processed = 0;
    await client.consume(
      'amqptest.hang',
      testEventSchema,
      async ({ attempt, signal }) => {
        signals.push(signal);
        if (attempt === 1) await new Promise(() => undefined); // ignores its signal and never finishes
        processed += 1;
      },
      { handlerTimeoutMs: 100 },
    );

    await client.publish('amqptest.hang', { n: 4 }, { schema: testEventSchema });
    await waitFor('the retry after the timeout to be processed', () => processed === 1, 5_000);
    expect(signals).toHaveLength(2);
    expect(signals[0]?.aborted).toBe(true);
    expect((signals[0]?.reason as Error).message).toBe('handler did not finish within 100 ms');
    expect(signals[1]?.aborted).toBe(false);
  });

  it('dead-letters invalid messages at once without calling the handler', async () => {
    const client = await connectedClient();
    await client.subscribe('amqptest.strict', ['amqptest.strict'], { retry: FAST_RETRY });
    let calls = 0;
    await client.consume('amqptest.strict', z.object({ name: z.string() }), async () => {
      calls += 1;
    });

    // A well-formed envelope whose payload does not match the consumer's schema …
    const wrong = await client.publish('amqptest.strict', { n: 3 }, { schema: testEventSchema });
    // … and bytes that are not JSON at all, published around the client.
    const raw = await amqplib.connect(RABBITMQ_URL);
    const channel = await raw.createConfirmChannel();
    channel.publish(rawTopology().exchange, 'amqptest.strict', Buffer.from('{not json'), {
      messageId: 'garbage-1',
    });
    await channel.waitForConfirms();
    await raw.close();

    const dlq = rawTopology().deadLetterQueueName('amqptest.strict');
    const dead: Awaited<ReturnType<typeof takeMessages>> = [];
    await waitFor('both invalid messages to reach the DLQ', async () => {
      dead.push(...(await takeMessages(RABBITMQ_URL, dlq)));
      return dead.length >= 2;
    });
    const byId = new Map(dead.map((m) => [m.properties.messageId as string, m.properties.headers ?? {}]));
    expect(String(byId.get(wrong.id)?.[AMQP_HEADERS.deadReason])).toMatch(
      /^invalid_message: payload\.name: /,
    );
    expect(String(byId.get('garbage-1')?.[AMQP_HEADERS.deadReason])).toMatch(/^invalid_json: /);
    for (const headers of byId.values()) {
      expect(headers[AMQP_HEADERS.attempts]).toBe(0);
      expect(headers[AMQP_HEADERS.retryCount]).toBeUndefined(); // never went through a retry queue
    }
    expect(calls).toBe(0);
  });
});

describe('idempotency with Postgres', () => {
  let scratch: ScratchDatabase;

  beforeAll(async () => {
    scratch = await createScratchDatabase([
      'CREATE TABLE side_effects (message_id uuid NOT NULL, note text NOT NULL)',
    ]);
  });

  afterAll(async () => {
    await scratch.drop();
  });

  async function rows(query: string): Promise<Record<string, unknown>[]> {
    return (await sql.raw<Record<string, unknown>>(query).execute(scratch.db)).rows;
  }

  it('runs the handler once for a duplicated envelope id and records the message once', async () => {
    const client = await connectedClient();
    await client.subscribe('amqptest.idem', ['amqptest.idem'], { retry: FAST_RETRY });
    const handled: string[] = [];
    await client.consume(
      'amqptest.idem',
      testEventSchema,
      async ({ envelope, trx }) => {
        handled.push(envelope.id);
        await sql`INSERT INTO side_effects (message_id, note) VALUES (${envelope.id}, ${`n=${envelope.payload.n}`})`.execute(
          trx,
        );
      },
      { idempotency: { db: scratch.db, consumer: 'amqptest.idem' } },
    );

    const first = await client.publish('amqptest.idem', { n: 1 }, { schema: testEventSchema });
    await client.publish('amqptest.idem', { n: 1 }, { schema: testEventSchema, id: first.id });
    await client.publish('amqptest.idem', { n: 1 }, { schema: testEventSchema, id: first.id });
    const other = await client.publish('amqptest.idem', { n: 2 }, { schema: testEventSchema });

    await waitFor('all four deliveries to be settled', async () => {
      const health = (await client.healthCheck().check(new AbortController().signal)) as {
        consumers: Record<string, { processed: number; duplicates: number }>;
      };
      const stats = health.consumers['amqptest.idem'];
      return (stats?.processed ?? 0) + (stats?.duplicates ?? 0) === 4;
    });
    expect(handled.sort()).toEqual([first.id, other.id].sort());
    expect(await rows('SELECT message_id, note FROM side_effects ORDER BY note')).toEqual([
      { message_id: first.id, note: 'n=1' },
      { message_id: other.id, note: 'n=2' },
    ]);
    expect(
      await rows(
        "SELECT consumer, message_id FROM amqp_processed_messages WHERE consumer = 'amqptest.idem' ORDER BY message_id",
      ),
    ).toEqual([first.id, other.id].sort().map((id) => ({ consumer: 'amqptest.idem', message_id: id })));
  });

  it('rolls back the handler writes and the marker together when the handler fails, so the retry applies them once', async () => {
    const client = await connectedClient();
    await client.subscribe('amqptest.atomic', ['amqptest.atomic'], { retry: FAST_RETRY });
    let calls = 0;
    await client.consume(
      'amqptest.atomic',
      testEventSchema,
      async ({ envelope, trx, attempt }) => {
        calls += 1;
        await sql`INSERT INTO side_effects (message_id, note) VALUES (${envelope.id}, ${`attempt ${attempt}`})`.execute(
          trx,
        );
        if (attempt === 1) throw new Error('fails after writing');
      },
      { idempotency: { db: scratch.db, consumer: 'amqptest.atomic' } },
    );

    const envelope = await client.publish('amqptest.atomic', { n: 7 }, { schema: testEventSchema });
    await waitFor('the second attempt to commit', async () => {
      const marker = await rows(
        `SELECT 1 FROM amqp_processed_messages WHERE consumer = 'amqptest.atomic' AND message_id = '${envelope.id}'`,
      );
      return marker.length === 1;
    });
    expect(calls).toBe(2);
    expect(await rows(`SELECT note FROM side_effects WHERE message_id = '${envelope.id}'`)).toEqual([
      { note: 'attempt 2' },
    ]);
  });

  it('prunes old idempotency markers of one consumer in bounded batches and keeps recent ones', async () => {
    await sql
      .raw(
        `
      INSERT INTO amqp_processed_messages (consumer, message_id, processed_at)
      SELECT c, gen_random_uuid(), now() - (d || ' days')::interval
      FROM (VALUES ('amqptest.prune'), ('amqptest.other')) AS consumers(c), generate_series(1, 5) AS ages(d)
    `,
      )
      .execute(scratch.db);
    const deleted = await pruneProcessedMessages(scratch.db, {
      consumer: 'amqptest.prune',
      olderThan: new Date(Date.now() - 2.5 * 24 * 3600 * 1000),
      batchSize: 2,
    });
    expect(deleted).toBe(3); // ages 3, 4 and 5 days, over two batches
    expect(
      await rows(
        "SELECT consumer, count(*)::int AS n FROM amqp_processed_messages WHERE consumer LIKE 'amqptest.p%' OR consumer = 'amqptest.other' GROUP BY consumer ORDER BY consumer",
      ),
    ).toEqual([
      { consumer: 'amqptest.other', n: 5 },
      { consumer: 'amqptest.prune', n: 2 },
    ]);
  });
});

describe('broker trouble', () => {
  async function listen(server: Server): Promise<number> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  async function expectUnavailableWithin(client: AmqpClient, boundMs: number) {
    const started = Date.now();
    const error: unknown = await client
      .publish('amqptest.nowhere', { n: 1 }, { schema: testEventSchema })
      .catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(isAppError(error) && error.code).toBe('rabbitmq_unavailable');
    expect(elapsed).toBeGreaterThanOrEqual(boundMs - 50);
    expect(elapsed).toBeLessThan(boundMs + 1_000);
    await expect(client.healthCheck().check(new AbortController().signal)).rejects.toThrow(/not connected/);
  }

  it('rejects a publish with rabbitmq_unavailable within the bound when nothing listens on the port', async () => {
    const closedPort = await listen(createServer());
    servers.pop()?.close(); // free the port again: connections to it are refused
    const client = newClient({ url: `amqp://guest:guest@127.0.0.1:${closedPort}`, publishTimeoutMs: 800 });
    await expectUnavailableWithin(client, 800);
  });

  it('rejects a publish within the bound when the peer accepts TCP but never speaks AMQP', async () => {
    const silentPort = await listen(createServer((socket) => sockets.add(socket)));
    const client = newClient({
      url: `amqp://guest:guest@127.0.0.1:${silentPort}`,
      publishTimeoutMs: 800,
      connectTimeoutMs: 300,
    });
    await expectUnavailableWithin(client, 800);
  });

  it('reconnects after the broker kills its connection; the consumer resumes and no message is lost', async () => {
    const logsBefore = captured.lines().length;
    const connectionName = `amqp-test-kill-${namespace}`;
    const client = await connectedClient({ connectionName });
    await client.subscribe('amqptest.survivor', ['amqptest.survivor'], { retry: FAST_RETRY });
    const seen: string[] = [];
    await client.consume(
      'amqptest.survivor',
      testEventSchema,
      async ({ envelope }) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        seen.push(envelope.id);
      },
      { prefetch: 5 },
    );

    const publish = (n: number) => client.publish('amqptest.survivor', { n }, { schema: testEventSchema });
    const before = await Promise.all(Array.from({ length: 30 }, (_, n) => publish(n)));
    await waitFor('the consumer to be busy', () => seen.length >= 3);
    const [oldPid] = await killBrokerConnections(connectionName);
    // Published while the client is finding out and reconnecting: they wait for the new connection.
    const after = await Promise.all(Array.from({ length: 30 }, (_, n) => publish(100 + n)));

    const expected = new Set([...before, ...after].map((e) => e.id));
    await waitFor('every message to be consumed', () => expected.size === new Set(seen).size, 15_000);
    expect(new Set(seen)).toEqual(expected);
    // At-least-once: only the few messages unacked at the kill may come twice.
    expect(seen.length - expected.size).toBeLessThanOrEqual(5);

    const pids = await findBrokerConnections(connectionName);
    expect(pids).toHaveLength(1);
    expect(pids[0]).not.toBe(oldPid);
    const mine = captured
      .lines()
      .slice(logsBefore)
      .filter((line) => line.module === 'amqp');
    const count = (message: string) => mine.filter((line) => line.message === message).length;
    expect(count('rabbitmq connection lost, reconnecting')).toBe(1);
    expect(count('rabbitmq reconnected')).toBe(1);
    expect(count('dropping rabbitmq connection to recover')).toBe(0);
  });

  it('re-declares a work queue deleted behind its back, so a job sent to it is not dropped', async () => {
    const client = await connectedClient();
    const queue = rawTopology().queueName('documents.index');
    const raw = await amqplib.connect(RABBITMQ_URL);
    const channel = await raw.createChannel();
    await channel.deleteQueue(queue);
    await raw.close();

    const envelope = await client.sendToQueue('documents.index', {
      documentId: '5f0c2a51-8d1e-4c6f-9a53-0e2b7c9d4f10',
      reason: 'reindex',
    });
    const messages = await takeMessages(RABBITMQ_URL, queue);
    expect(messages.map((m) => m.properties.messageId as unknown)).toEqual([envelope.id]);
  });
});
