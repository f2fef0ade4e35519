import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import type { DocumentDto } from '@arasul/contracts';
import { rabbitmqctl } from '../../../packages/testkit/src/amqp';
import { type IndexerHarness, identityHeader, makePdf, startIndexer, waitFor } from './helpers';

/**
 * Stops and starts the shared RabbitMQ while documents are being ingested, so it runs alone (`.serial.`,
 * under the serial lock). The broker is started again in afterAll whatever happened, or every later test on
 * this machine would fail.
 */
jest.setTimeout(180_000);

const BEFORE = 8;
const DURING = 2;
let h: IndexerHarness;
/** Every status change the indexer made, seen in-process (the bus is down for part of the test). */
const changes: { id: string; status: string }[] = [];

beforeAll(async () => {
  h = await startIndexer({ DOCUMENTS_LEASE_SECONDS: '5' });
  h.services.events.on((change) => changes.push({ id: change.document.id, status: change.document.status }));
  h.embed.delayMs = 150; // embedding takes a while, so the stop lands mid-ingest
});

afterAll(async () => {
  try {
    await rabbitmqctl('start_app'); // a no-op when it is running
    await rabbitmqctl('await_startup');
  } finally {
    await h.close();
  }
});

async function upload(name: string, content: Buffer): Promise<string> {
  const res = await request(h.app)
    .post('/api/documents')
    .set(identityHeader('operator'))
    .attach('file', content, name);
  expect(res.status).toBe(201);
  return (res.body as { documents: DocumentDto[] }).documents[0]?.id ?? '';
}

const text = (i: number, page: number): string =>
  Array.from(
    { length: 30 },
    (_, s) => `Dokument ${i}, Seite ${page}, Satz ${s}: Die Lieferung erfolgt frei Haus bis zum Monatsende.`,
  ).join(' ');

it('indexes every document exactly once when RabbitMQ restarts mid-ingest, none stuck', async () => {
  const ids: string[] = [];
  for (let i = 0; i < BEFORE; i += 1) {
    ids.push(await upload(`vor-${i}.pdf`, await makePdf([text(i, 1), text(i, 2), text(i, 3)])));
  }
  const statuses = async () =>
    (await h.infra.database.db.selectFrom('documents').select(['id', 'status']).execute()).filter((d) =>
      ids.includes(d.id),
    );
  await waitFor('the first document to be in the pipeline', async () =>
    (await statuses()).some((d) => !['pending', 'indexed'].includes(d.status)) ? true : undefined,
  );

  await rabbitmqctl('stop_app');
  const atStop = await statuses();
  expect(atStop.filter((d) => d.status === 'indexed').length).toBeLessThan(BEFORE); // work left for later
  await waitFor('the indexer to notice the broker is gone', () =>
    Promise.resolve(h.infra.bus.isConnected ? undefined : true),
  );
  // Uploads keep working without the broker: the rows wait as `pending` and the watchdog sends their jobs.
  for (let i = 0; i < DURING; i += 1) {
    ids.push(await upload(`waehrend-${i}.pdf`, await makePdf([text(100 + i, 1)])));
  }
  await sleep(1000);

  await rabbitmqctl('start_app');
  await rabbitmqctl('await_startup');
  h.embed.delayMs = 0;
  const final = await waitFor(
    'every document to be indexed after the restart',
    async () => {
      const rows = await statuses();
      return rows.length === ids.length && rows.every((d) => d.status === 'indexed') ? rows : undefined;
    },
    120_000,
  );
  expect(final).toHaveLength(BEFORE + DURING);
  await sleep(1500); // a redelivered job that processed a document again would show up now

  for (const id of ids) {
    const doc = await h.services.documents.get(id);
    expect({ id, status: doc.status }).toEqual({ id, status: 'indexed' });
    const chunks = await h.infra.database.db
      .selectFrom('document_chunks')
      .select('chunk_index')
      .where('document_id', '=', id)
      .execute();
    const vectors = await h.infra.database.db
      .selectFrom('document_vectors')
      .select('id')
      .where('document_id', '=', id)
      .execute();
    // Same chunks once each, a vector for each: no duplicate from a job that ran twice.
    expect({ id, chunks: chunks.length, vectors: vectors.length }).toEqual({
      id,
      chunks: doc.chunkCount,
      vectors: doc.chunkCount,
    });
    expect(new Set(chunks.map((c) => c.chunk_index)).size).toBe(chunks.length);
    // Reached `indexed` exactly once.
    expect({ id, indexed: changes.filter((c) => c.id === id && c.status === 'indexed').length }).toEqual({
      id,
      indexed: 1,
    });
  }
});
