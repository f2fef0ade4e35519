import iconv from 'iconv-lite';
import { sql } from 'kysely';
import request from 'supertest';
import type { DocumentDto } from '@arasul/contracts';
import { type IndexerHarness, identityHeader, makeDocx, makePdf, startIndexer, waitFor } from './helpers';

let h: IndexerHarness;

beforeAll(async () => {
  h = await startIndexer({ DOCUMENTS_MAX_UPLOAD_MB: '2' });
});

afterAll(async () => {
  await h.close();
});

async function upload(name: string, content: Buffer, spaceId?: string): Promise<request.Response> {
  let req = request(h.app).post('/api/documents').set(identityHeader('operator'));
  if (spaceId !== undefined) req = req.field('spaceId', spaceId);
  return req.attach('file', content, name);
}

async function untilSettled(id: string): Promise<DocumentDto> {
  return waitFor(`document ${id} to settle`, async () => {
    const res = await request(h.app).get(`/api/documents/${id}`).set(identityHeader('viewer'));
    const body = res.body as DocumentDto;
    return ['indexed', 'partial', 'failed'].includes(body.status) ? body : undefined;
  });
}

const LONG_GERMAN = Array.from(
  { length: 40 },
  (_, i) =>
    `Satz ${i + 1}: Der Mieter zahlt die Miete monatlich im Voraus, spätestens am dritten Werktag. Die Kaution beträgt drei Monatsmieten und wird getrennt angelegt.`,
).join(' ');

describe('upload and indexing', () => {
  it('indexes a text PDF page by page with page numbers, vectors and a status event', async () => {
    const pdf = await makePdf([LONG_GERMAN, 'Seite zwei: Kündigungsfrist drei Monate zum Quartalsende.'], {
      title: 'Mietvertrag',
    });
    const res = await upload('Mietvertrag.pdf', pdf);
    expect(res.status).toBe(201);
    const [created] = (res.body as { documents: DocumentDto[] }).documents;
    if (!created) throw new Error('no document in the response');
    expect(created).toMatchObject({
      status: 'pending',
      originalName: 'Mietvertrag.pdf',
      mimeType: 'application/pdf',
    });

    const done = await untilSettled(created.id);
    expect(done).toMatchObject({
      status: 'indexed',
      progress: 100,
      pageCount: 3,
      language: 'de',
      dense: 'ready',
    });
    expect(done.title).toBe('Mietvertrag');
    expect(done.chunkCount).toBeGreaterThan(1);

    const chunks = await request(h.app)
      .get(`/api/documents/${created.id}/chunks?limit=200`)
      .set(identityHeader('viewer'));
    const items = (
      chunks.body as { items: { content: string; pageStart: number; pageEnd: number; wordCount: number }[] }
    ).items;
    expect(items.length).toBe(done.chunkCount);
    expect(items.at(-1)?.content).toContain('Kündigungsfrist');
    expect(items.at(-1)?.pageEnd).toBe(3); // the long text fills two pages, the short one is the third
    expect(items[0]?.pageStart).toBe(1);
    for (const chunk of items) expect(chunk.wordCount).toBeLessThanOrEqual(300);

    const points = await h.infra.database.db
      .selectFrom('document_vectors')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('document_id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(Number(points.n)).toBe(done.chunkCount);
    expect(
      h.embed.requests.every((r) => r.priority === 'batch' && r.source === 'indexer' && r.model === 'bge-m3'),
    ).toBe(true);
    await h.infra.events.waitFor(
      'document.status.changed',
      (p) => p.documentId === created.id && p.status === 'indexed' && p.chunkCount === done.chunkCount,
    );
    // Keyword search over the German full-text column finds the stemmed word.
    const hits = await h.infra.database.db
      .selectFrom('document_chunks')
      .select('id')
      .where('document_id', '=', created.id)
      .where(sql<boolean>`fts_german @@ plainto_tsquery('german', ${'Kündigungsfristen'})`)
      .execute();
    expect(hits.length).toBeGreaterThan(0);

    // A search query is embedded at interactive priority (a person waits), tagged as RAG, not as ingest.
    const ingestRequests = h.embed.requests.length;
    const search = await request(h.app)
      .post('/api/search')
      .set(identityHeader('viewer'))
      .send({ query: 'Kündigungsfrist' });
    expect(search.status).toBe(200);
    expect(h.embed.requests.slice(ingestRequests)).toEqual([
      { model: 'bge-m3', inputs: 1, priority: 'interactive', source: 'rag' },
    ]);
  });

  it('indexes a DOCX with its headings in the chunks', async () => {
    const docx = await makeDocx([
      { heading: 'Allgemeine Geschäftsbedingungen' },
      { text: 'Diese Bedingungen gelten für alle Verträge mit der Firma.' },
      { heading: 'Haftung' },
      { text: 'Die Haftung ist auf Vorsatz und grobe Fahrlässigkeit beschränkt.' },
    ]);
    const res = await upload('agb.docx', docx);
    expect(res.status).toBe(201);
    const id = (res.body as { documents: DocumentDto[] }).documents[0]?.id ?? '';
    const done = await untilSettled(id);
    expect(done.status).toBe('indexed');
    expect(done.title).toBe('Allgemeine Geschäftsbedingungen');
    const chunks = await request(h.app).get(`/api/documents/${id}/chunks`).set(identityHeader('viewer'));
    const items = (chunks.body as { items: { content: string; headingPath: string[] }[] }).items;
    expect(items.some((c) => c.content.includes('Fahrlässigkeit'))).toBe(true);
    expect(items.flatMap((c) => c.headingPath)).toEqual(
      expect.arrayContaining(['Allgemeine Geschäftsbedingungen']),
    );
  });

  it('keeps German umlauts of a Windows-1252 text file', async () => {
    const bytes = iconv.encode(
      'Überweisung für Müller: Größe 5 €, Straße „Am Hafen“.\n\nZweiter Absatz.',
      'windows-1252',
    );
    expect(bytes.includes(0x80)).toBe(true); // € as Windows-1252 writes it
    const res = await upload('notiz.txt', bytes);
    expect(res.status).toBe(201);
    const id = (res.body as { documents: DocumentDto[] }).documents[0]?.id ?? '';
    expect((await untilSettled(id)).status).toBe('indexed');
    const chunks = await request(h.app).get(`/api/documents/${id}/chunks`).set(identityHeader('viewer'));
    const content = (chunks.body as { items: { content: string }[] }).items.map((c) => c.content).join(' ');
    expect(content).toContain('Überweisung für Müller: Größe 5 €, Straße „Am Hafen“.');
  });

  it('ends a password-protected PDF as failed with a reason a person understands', async () => {
    const res = await upload('geheim.pdf', await makePdf(['Vertraulich'], { userPassword: 'secret' }));
    expect(res.status).toBe(201);
    const done = await untilSettled((res.body as { documents: DocumentDto[] }).documents[0]?.id ?? '');
    expect(done).toMatchObject({ status: 'failed', errorCode: 'encrypted_pdf' });
    expect(done.errorMessage).toMatch(/password/);
  });

  it('ends a damaged PDF as failed (corrupt_file)', async () => {
    const res = await upload('kaputt.pdf', Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage'));
    expect(res.status).toBe(201);
    const done = await untilSettled((res.body as { documents: DocumentDto[] }).documents[0]?.id ?? '');
    expect(done).toMatchObject({ status: 'failed', errorCode: 'corrupt_file' });
  });
});

describe('refused uploads store nothing', () => {
  async function counts(): Promise<{ rows: number; objects: number }> {
    const rows = await h.infra.database.db
      .selectFrom('documents')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return { rows: Number(rows.n), objects: (await h.objects.list('spaces/', 10_000)).length };
  }

  it('409 duplicate_document with the existing id for the same content in the same space', async () => {
    const pdf = await makePdf(['Einzigartiger Inhalt für den Duplikattest.']);
    const first = await upload('a.pdf', pdf);
    expect(first.status).toBe(201);
    const before = await counts();
    const again = await upload('b.pdf', pdf);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      error: {
        code: 'duplicate_document',
        details: { existingId: (first.body as { documents: DocumentDto[] }).documents[0]?.id },
      },
    });
    expect(await counts()).toEqual(before);
  });

  it('415 naming the detected type when extension and content disagree, or the type is unknown', async () => {
    const before = await counts();
    const mismatch = await upload('bericht.docx', await makePdf(['Ich bin ein PDF']));
    expect(mismatch.status).toBe(415);
    expect(mismatch.body).toMatchObject({
      error: { code: 'unsupported_media_type', details: { detected: 'application/pdf' } },
    });
    const gif = await upload('bild.gif', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'));
    expect(gif.status).toBe(415);
    expect((gif.body as { error: { message: string } }).error.message).toContain('image/gif');
    expect(await counts()).toEqual(before);
  });

  it('400 empty_file for an empty file', async () => {
    const res = await upload('leer.txt', Buffer.alloc(0));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'empty_file' } });
  });

  it('413 file_too_large past DOCUMENTS_MAX_UPLOAD_MB, and nothing stored', async () => {
    const before = await counts();
    const res = await upload('gross.txt', Buffer.alloc(3 * 1024 * 1024, 'a'));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: 'file_too_large' } });
    expect(await counts()).toEqual(before);
  });

  it('all or nothing: a bad second file removes the first one of the same request', async () => {
    const before = await counts();
    const res = await request(h.app)
      .post('/api/documents')
      .set(identityHeader('operator'))
      .attach('file', Buffer.from('Erste Datei, gut.'), 'eins.txt')
      .attach('file', Buffer.from('GIF89a', 'latin1'), 'zwei.gif');
    expect(res.status).toBe(415);
    expect(await counts()).toEqual(before);
  });

  it('viewers and keys without documents:write cannot upload', async () => {
    const viewer = await request(h.app)
      .post('/api/documents')
      .set(identityHeader('viewer'))
      .attach('file', Buffer.from('x y z'), 'x.txt');
    expect(viewer.status).toBe(403);
    const key = await request(h.app)
      .post('/api/documents')
      .set(identityHeader('admin', { authType: 'api_key', scopes: ['documents:read'] }))
      .attach('file', Buffer.from('x y z'), 'x.txt');
    expect(key.status).toBe(403);
    expect(key.body).toMatchObject({ error: { code: 'insufficient_scope' } });
  });
});

describe('changes', () => {
  it('re-index gives the same chunks and vectors, never duplicates', async () => {
    const res = await upload('regeln.txt', Buffer.from(LONG_GERMAN));
    const id = (res.body as { documents: DocumentDto[] }).documents[0]?.id ?? '';
    const first = await untilSettled(id);
    const idsBefore = await h.infra.database.db
      .selectFrom('document_chunks')
      .select('id')
      .where('document_id', '=', id)
      .orderBy('chunk_index')
      .execute();
    const again = await request(h.app).post(`/api/documents/${id}/reindex`).set(identityHeader('operator'));
    expect(again.status).toBe(202);
    await waitFor('re-index to start', async () =>
      (await h.services.documents.get(id)).attempts === 0 ? undefined : true,
    );
    const second = await untilSettled(id);
    expect(second.chunkCount).toBe(first.chunkCount);
    const idsAfter = await h.infra.database.db
      .selectFrom('document_chunks')
      .select('id')
      .where('document_id', '=', id)
      .orderBy('chunk_index')
      .execute();
    expect(idsAfter).toEqual(idsBefore);
    const points = await h.infra.database.db
      .selectFrom('document_vectors')
      .select('id')
      .where('document_id', '=', id)
      .execute();
    expect(points.length).toBe(first.chunkCount);
  });

  it('moving a document moves its vector payloads; deleting removes row, object and vectors', async () => {
    const space = await request(h.app)
      .post('/api/spaces')
      .set(identityHeader('operator'))
      .send({ name: 'Verträge', color: '#3366ff' });
    expect(space.status).toBe(201);
    const spaceId = (space.body as { id: string }).id;
    const res = await upload('umzug.txt', Buffer.from('Umzugskarton Inhalt Liste Bücher Geschirr'));
    const id = (res.body as { documents: DocumentDto[] }).documents[0]?.id ?? '';
    await untilSettled(id);

    const moved = await request(h.app)
      .patch(`/api/documents/${id}`)
      .set(identityHeader('operator'))
      .send({ spaceId, originalName: 'Umzug 2026.txt' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ spaceId, originalName: 'Umzug 2026.txt' });
    const hits = await h.vectors.search(new Array<number>(64).fill(0.1), {
      limit: 10,
      filter: { spaceIds: [spaceId] },
    });
    expect(hits.map((hit) => hit.documentId)).toEqual([id]);

    const blocked = await request(h.app).delete(`/api/spaces/${spaceId}`).set(identityHeader('operator'));
    expect(blocked.status).toBe(409);
    expect(blocked.body).toMatchObject({ error: { code: 'space_not_empty' } });

    const objectKey = (await h.services.documents.get(id)).id;
    const deleted = await request(h.app).delete(`/api/documents/${id}`).set(identityHeader('operator'));
    expect(deleted.status).toBe(204);
    expect((await request(h.app).get(`/api/documents/${id}`).set(identityHeader('viewer'))).status).toBe(404);
    expect(
      await h.vectors.search(new Array<number>(64).fill(0.1), { limit: 10, filter: { documentIds: [id] } }),
    ).toEqual([]);
    expect((await h.objects.list('spaces/', 10_000)).some((o) => o.key.endsWith(objectKey))).toBe(false);
    const row = await h.infra.database.db
      .selectFrom('documents')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    expect(row).toBeUndefined();
    expect(
      (await request(h.app).delete(`/api/spaces/${spaceId}`).set(identityHeader('operator'))).status,
    ).toBe(204);
  });

  it('download streams the original bytes with a safe Content-Disposition', async () => {
    const bytes = Buffer.from('Rechnung "Nr. 5"\n\nBetrag: 100 Euro');
    const res = await upload('Rechnung "Nr. 5"\r\n.txt', bytes);
    expect(res.status).toBe(201);
    const id = (res.body as { documents: DocumentDto[] }).documents[0]?.id ?? '';
    const download = await request(h.app)
      .get(`/api/documents/${id}/download`)
      .set(identityHeader('viewer'))
      .buffer(true)
      .parse((response, callback) => {
        const parts: Buffer[] = [];
        response.on('data', (c: Buffer) => parts.push(c));
        response.on('end', () => callback(null, Buffer.concat(parts)));
      });
    expect(download.status).toBe(200);
    expect(download.body).toEqual(bytes);
    const disposition = download.headers['content-disposition'] ?? '';
    expect(disposition).toMatch(/^attachment; filename="[^"\r\n]*"; filename\*=UTF-8''/);
    expect(disposition).not.toMatch(/[\r\n]/);
  });

  it('lists with filters and keyset pagination', async () => {
    const page1 = await request(h.app).get('/api/documents?limit=2').set(identityHeader('viewer'));
    expect(page1.status).toBe(200);
    const body1 = page1.body as { items: DocumentDto[]; nextCursor: string | null };
    expect(body1.items).toHaveLength(2);
    expect(body1.nextCursor).not.toBeNull();
    const page2 = await request(h.app)
      .get(`/api/documents?limit=2&cursor=${body1.nextCursor ?? ''}`)
      .set(identityHeader('viewer'));
    const body2 = page2.body as { items: DocumentDto[] };
    expect(body2.items.map((d) => d.id)).not.toEqual(expect.arrayContaining(body1.items.map((d) => d.id)));
    const failed = await request(h.app).get('/api/documents?status=failed').set(identityHeader('viewer'));
    expect((failed.body as { items: DocumentDto[] }).items.every((d) => d.status === 'failed')).toBe(true);
    const named = await request(h.app).get('/api/documents?q=mietvertrag').set(identityHeader('viewer'));
    expect((named.body as { items: DocumentDto[] }).items.map((d) => d.originalName)).toEqual([
      'Mietvertrag.pdf',
    ]);
    const stats = await request(h.app).get('/api/documents/stats').set(identityHeader('viewer'));
    expect(stats.body).toMatchObject({ vectorStore: { kind: 'embedded', fallback: true } });
  });
});
