import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { z } from 'zod';
import { AmqpClient, Topology, isAppError } from '@arasul/service-kit';
import { createAmqpNamespace, deleteAmqpNamespace, rabbitmqctl } from '../../testkit/src/amqp';
import { createCapturedLogger } from '../../testkit/src/logger';
import { RABBITMQ_URL, type ScratchDatabase, createScratchDatabase, waitFor } from './amqp-test-helpers';

/**
 * Restarts the shared broker, so it runs alone (`.serial.`). The broker is started again in afterAll
 * whatever happened, or every later test on this machine would fail.
 */
jest.setTimeout(120_000);

const namespace = createAmqpNamespace();
const captured = createCapturedLogger('amqp-restart-test', 'debug');
const schema = z.object({ n: z.number().int() });
const QUEUE = 'amqprestart.durable';
const BEFORE = 200;
const AFTER = 20;
let scratch: ScratchDatabase;
let client: AmqpClient;

beforeAll(async () => {
  scratch = await createScratchDatabase([
    'CREATE TABLE deliveries (message_id uuid NOT NULL, n integer NOT NULL)',
  ]);
});

afterAll(async () => {
  try {
    await rabbitmqctl('start_app'); // a no-op when it is running
    await rabbitmqctl('await_startup');
  } finally {
    await client.close();
    await deleteAmqpNamespace(RABBITMQ_URL, namespace);
    await scratch.drop();
  }
});

it('keeps persistent messages across a broker restart, reconnects by itself and processes each exactly once', async () => {
  client = new AmqpClient({
    url: RABBITMQ_URL,
    service: 'amqp-restart-test',
    logger: captured.logger,
    topology: new Topology({ namespace }),
    connectionName: `amqp-restart-test-${namespace}`,
    reconnectMaxDelayMs: 1_000,
    closeTimeoutMs: 5_000,
  }).start();
  await client.waitUntilConnected(5_000);
  await client.subscribe(QUEUE, [QUEUE]);

  const calls = new Map<string, number>();
  await client.consume(
    QUEUE,
    schema,
    async ({ envelope, trx }) => {
      calls.set(envelope.id, (calls.get(envelope.id) ?? 0) + 1);
      await sleep(40); // slow enough that most messages are still queued when the broker stops
      await sql`INSERT INTO deliveries (message_id, n) VALUES (${envelope.id}, ${envelope.payload.n})`.execute(
        trx,
      );
    },
    { prefetch: 5, idempotency: { db: scratch.db, consumer: QUEUE } },
  );

  const publish = (n: number) => client.publish(QUEUE, { n }, { schema });
  const before = await Promise.all(Array.from({ length: BEFORE }, (_, n) => publish(n)));
  await waitFor('the consumer to start working', () => calls.size >= 10);

  await rabbitmqctl('stop_app');
  const processedWhenStopped = calls.size;
  expect(processedWhenStopped).toBeLessThan(BEFORE); // the rest must survive inside the broker

  await waitFor('the client to notice the broker is gone', () => !client.isConnected, 10_000);
  const refused: unknown = await client
    .publish(QUEUE, { n: -1 }, { schema, timeoutMs: 500 })
    .catch((e: unknown) => e);
  expect(isAppError(refused) && refused.code).toBe('rabbitmq_unavailable');

  await rabbitmqctl('start_app');
  await waitFor('the client to reconnect by itself', () => client.isConnected, 30_000);
  const after = await Promise.all(Array.from({ length: AFTER }, (_, n) => publish(1_000 + n)));

  const expected = [...before, ...after].map((e) => e.id).sort();
  const count = async () =>
    Number((await sql<{ c: string }>`SELECT count(*) AS c FROM deliveries`.execute(scratch.db)).rows[0]?.c);
  await waitFor('every message to be processed', async () => (await count()) >= expected.length, 60_000);
  await sleep(300); // a duplicate would show up now

  const rows = (
    await sql<{ message_id: string }>`SELECT message_id FROM deliveries ORDER BY message_id`.execute(
      scratch.db,
    )
  ).rows;
  expect(rows.map((r) => r.message_id)).toEqual(expected); // all there, none twice
  const markers = await sql<{ c: string }>`
    SELECT count(*) AS c FROM amqp_processed_messages WHERE consumer = ${QUEUE}`.execute(scratch.db);
  expect(Number(markers.rows[0]?.c)).toBe(expected.length);
  expect([...calls.values()].every((n) => n === 1)).toBe(true); // no handler ran twice for one message
  expect(calls.size).toBe(expected.length);

  const mine = captured.lines().filter((line) => line.module === 'amqp');
  const logged = (message: string) => mine.filter((line) => line.message === message).length;
  expect(logged('rabbitmq connection lost, reconnecting')).toBe(1);
  expect(logged('rabbitmq reconnected')).toBe(1);
});
