import { randomUUID } from 'node:crypto';
import { type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import request from 'supertest';
import type { DocumentDto } from '@arasul/contracts';
import { documentsRepository } from '../src/documents/documents.repository';
import {
  type IndexerHarness,
  identityHeader,
  makeScanPng,
  makeScannedPdf,
  startIndexer,
  waitFor,
} from './helpers';

async function upload(h: IndexerHarness, name: string, content: Buffer): Promise<string> {
  const res = await request(h.app)
    .post('/api/documents')
    .set(identityHeader('operator'))
    .attach('file', content, name);
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.body)}`);
  return (res.body as { documents: DocumentDto[] }).documents[0]?.id ?? '';
}

async function settled(h: IndexerHarness, id: string, timeoutMs = 60_000): Promise<DocumentDto> {
  return waitFor(
    `document ${id} to settle`,
    async () => {
      const dto = await h.services.documents.get(id);
      return ['indexed', 'partial', 'failed'].includes(dto.status) ? dto : undefined;
    },
    timeoutMs,
  );
}

async function chunkText(h: IndexerHarness, id: string): Promise<string> {
  const rows = await h.infra.database.db
    .selectFrom('document_chunks')
    .select('content')
    .where('document_id', '=', id)
    .execute();
  return rows.map((r) => r.content).join(' ');
}

describe('with Tesseract', () => {
  let h: IndexerHarness;
  beforeAll(async () => {
    h = await startIndexer({}, { ocr: true });
  });
  afterAll(async () => {
    await h.close();
  });

  it('reads a scanned image and a scanned PDF page by OCR', async () => {
    const png = await makeScanPng('Rechnung Nummer 4711 über dreihundert Euro');
    const imageId = await upload(h, 'scan.png', png);
    const pdfId = await upload(
      h,
      'scan.pdf',
      await makeScannedPdf(await makeScanPng('Lieferschein Nummer 8150 Paletten')),
    );
    const image = await settled(h, imageId);
    expect(image).toMatchObject({ status: 'indexed', pageCount: 1, failedParts: [] });
    expect(await chunkText(h, imageId)).toMatch(/4711/);
    const pdf = await settled(h, pdfId);
    expect(pdf).toMatchObject({ status: 'indexed', pageCount: 1 });
    expect(await chunkText(h, pdfId)).toMatch(/8150/);
  }, 90_000);

  it('indexes keyword-only while no embedding backend answers, then embeds when it returns', async () => {
    h.embed.down = true;
    const id = await upload(
      h,
      'offline.txt',
      Buffer.from('Wartungsvertrag Heizung jährlich im Herbst prüfen.'),
    );
    const done = await settled(h, id);
    expect(done).toMatchObject({ status: 'indexed', dense: 'pending' });
    expect(done.chunkCount).toBe(1);
    const stats = await h.services.documents.stats();
    expect(stats.denseBacklog).toBe(1);

    h.embed.down = false;
    expect(await h.services.maintenance.embedBacklog()).toBe(1);
    expect(await h.services.documents.get(id)).toMatchObject({ dense: 'ready' });
    const hits = await h.vectors.search(new Array<number>(64).fill(1), {
      limit: 5,
      filter: { documentIds: [id] },
    });
    expect(hits).toHaveLength(1);
  });

  it('a document whose worker died is picked up again after its lease and completes exactly once', async () => {
    const id = await upload(
      h,
      'unterbrochen.txt',
      Buffer.from('Der Prozess wurde mitten in der Arbeit beendet.'),
    );
    // Wait for the live worker to finish first, then pretend a worker took it again and was killed.
    await settled(h, id);
    await documentsRepository.update(h.infra.database.db, id, { status: 'pending' });
    const claimed = await documentsRepository.claim(h.infra.database.db, id, 1);
    expect(claimed?.status).toBe('parsing');
    // The duplicate job a restart would redeliver is ignored while the lease holds.
    await h.infra.bus.sendToQueue('documents.index', { documentId: id, reason: 'upload' });
    const done = await settled(h, id, 20_000);
    expect(done.status).toBe('indexed');
    const chunks = await h.infra.database.db
      .selectFrom('document_chunks')
      .select('id')
      .where('document_id', '=', id)
      .execute();
    expect(chunks).toHaveLength(done.chunkCount);
    const points = await h.infra.database.db
      .selectFrom('document_vectors')
      .select('id')
      .where('document_id', '=', id)
      .execute();
    expect(points).toHaveLength(done.chunkCount);
  });

  it('a document interrupted too often ends failed with the reason', async () => {
    const id = await upload(h, 'immer-abgebrochen.txt', Buffer.from('Dieser Text wird nie fertig.'));
    await settled(h, id);
    await documentsRepository.update(h.infra.database.db, id, { status: 'pending', attempts: 2 });
    await documentsRepository.claim(h.infra.database.db, id, 1);
    const done = await settled(h, id, 20_000);
    expect(done).toMatchObject({ status: 'failed', errorCode: 'interrupted' });
  });

  it('the sweeper finishes half-done deletes and removes orphan objects and vectors', async () => {
    const id = await upload(h, 'halb-geloescht.txt', Buffer.from('Eine Datei, deren Löschung abbrach.'));
    await settled(h, id);
    await documentsRepository.markDeleting(h.infra.database.db, id); // the process died right after this
    const space = await h.services.spaces.resolve(undefined);
    const orphanKey = `spaces/${space.id}/${randomUUID()}`;
    await h.objects.put(orphanKey, Readable.from([Buffer.from('verwaist')]), 'text/plain');
    const ghost = randomUUID();
    await h.vectors.replaceDocument(ghost, [
      {
        id: randomUUID(),
        documentId: ghost,
        spaceId: space.id,
        chunkIndex: 0,
        vector: new Array<number>(64).fill(1),
      },
    ]);

    // Orphan grace is an hour by default: a fresh object stays…
    const first = await h.services.maintenance.sweep();
    expect(first.deletes).toBe(1);
    expect(first.vectors).toBe(1);
    expect((await h.objects.list(orphanKey, 10)).length).toBe(1);
    expect(
      await h.infra.database.db.selectFrom('documents').select('id').where('id', '=', id).executeTakeFirst(),
    ).toBeUndefined();
    expect(await h.vectors.documentIds()).not.toContain(ghost);
  });

  it('streams status changes over SSE', async () => {
    const server = h.app.listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address() as AddressInfo;
      const controller = new AbortController();
      const response = await fetch(`http://127.0.0.1:${port}/api/documents/events`, {
        headers: identityHeader('viewer'),
        signal: controller.signal,
      });
      expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = response.body?.getReader();
      const id = await upload(h, 'live.txt', Buffer.from('Live verfolgt.'));
      let text = '';
      const deadline = Date.now() + 15_000;
      while (!text.includes('"status":"indexed"') && Date.now() < deadline) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        text += Buffer.from(chunk.value).toString('utf8');
      }
      controller.abort();
      expect(text).toContain(`"id":"${id}"`);
      expect(text).toContain('"status":"pending"');
      expect(text).toContain('"status":"indexed"');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('without Tesseract', () => {
  let h: IndexerHarness;
  beforeAll(async () => {
    h = await startIndexer({}, { ocr: false });
  });
  afterAll(async () => {
    await h.close();
  });

  it('marks the image partial with ocr_unavailable, never silently empty', async () => {
    const id = await upload(h, 'scan.png', await makeScanPng('Ohne OCR nicht lesbar'));
    const done = await settled(h, id);
    expect(done).toMatchObject({ status: 'partial', errorCode: 'ocr_unavailable', chunkCount: 0 });
    expect(done.failedParts).toEqual([
      expect.objectContaining({ kind: 'page', index: 1, code: 'ocr_unavailable' }),
    ]);
  }, 60_000);
});
