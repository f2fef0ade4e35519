import request from 'supertest';
import type { DocumentDto, SpaceDto } from '@arasul/contracts';
import { type IndexerHarness, identityHeader, startIndexer, waitFor } from './helpers';

let h: IndexerHarness;

beforeAll(async () => {
  // Behind the gateway on loopback: the client address comes from X-Forwarded-For.
  h = await startIndexer({ TRUST_PROXY: 'loopback' });
});

afterAll(async () => {
  await h.close();
});

interface AuditRow {
  user_id: number | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  details: Record<string, unknown>;
  ip_address: string | null;
}

/** The audit rows written since `since` (an id), oldest first. */
async function rowsSince(since: number): Promise<AuditRow[]> {
  const rows = await h.infra.database.db
    .selectFrom('audit_logs')
    .select(['user_id', 'action', 'resource_type', 'resource_id', 'details', 'ip_address'])
    .where('id', '>', since)
    .orderBy('id')
    .execute();
  return rows.map((row) => ({ ...row, details: row.details as Record<string, unknown> }));
}

async function lastId(): Promise<number> {
  const row = await h.infra.database.db
    .selectFrom('audit_logs')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return row?.id ?? 0;
}

const operator = () => ({ ...identityHeader('operator'), 'x-forwarded-for': '192.168.1.20' });

describe('the indexer writes its own audit rows (actor, target, outcome)', () => {
  it('upload: one success row per stored document; a refused request one failure row with its code', async () => {
    const since = await lastId();
    const ok = await request(h.app)
      .post('/api/documents')
      .set(operator())
      .attach('file', Buffer.from('Protokoll der Sitzung vom Montag.'), 'protokoll.txt');
    expect(ok.status).toBe(201);
    const id = (ok.body as { documents: DocumentDto[] }).documents[0]?.id ?? '';
    const refused = await request(h.app)
      .post('/api/documents')
      .set(operator())
      .attach('file', Buffer.from('%PDF-1.7 not really'), 'bild.png');
    expect(refused.status).toBe(415);

    const rows = await rowsSince(since);
    expect(rows).toEqual([
      {
        user_id: expect.any(Number) as number,
        action: 'document.uploaded',
        resource_type: 'document',
        resource_id: id,
        details: expect.objectContaining({
          status: 'success',
          authType: 'jwt',
          name: 'protokoll.txt',
          mimeType: 'text/plain',
        }) as Record<string, unknown>,
        ip_address: '192.168.1.20',
      },
      {
        user_id: expect.any(Number) as number,
        action: 'document.uploaded',
        resource_type: null,
        resource_id: null,
        details: expect.objectContaining({
          status: 'failure',
          errorCode: 'unsupported_media_type',
        }) as Record<string, unknown>,
        ip_address: '192.168.1.20',
      },
    ]);
  });

  it('rename, re-index, retry-failed and delete each leave a row; a failed change says why', async () => {
    const up = await request(h.app)
      .post('/api/documents')
      .set(operator())
      .attach('file', Buffer.from('Liefervertrag: Lieferung bis Freitag.'), 'vertrag.txt');
    const id = (up.body as { documents: DocumentDto[] }).documents[0]?.id ?? '';
    await waitFor('the upload to be indexed', async () => {
      const res = await request(h.app).get(`/api/documents/${id}`).set(identityHeader('viewer'));
      return (res.body as DocumentDto).status === 'indexed' ? true : undefined;
    });
    const since = await lastId();
    expect(
      (await request(h.app).patch(`/api/documents/${id}`).set(operator()).send({ originalName: 'neu.txt' }))
        .status,
    ).toBe(200);
    expect((await request(h.app).post(`/api/documents/${id}/reindex`).set(operator())).status).toBe(202);
    expect((await request(h.app).post('/api/documents/retry-failed').set(operator())).status).toBe(200);
    await waitFor('the re-index to finish', async () => {
      const res = await request(h.app).get(`/api/documents/${id}`).set(identityHeader('viewer'));
      return (res.body as DocumentDto).status === 'indexed' ? true : undefined;
    });
    expect((await request(h.app).delete(`/api/documents/${id}`).set(operator())).status).toBe(204);
    expect((await request(h.app).delete(`/api/documents/${id}`).set(operator())).status).toBe(404);

    const rows = await rowsSince(since);
    expect(rows.map((r) => [r.action, r.resource_id, r.details.status, r.details.errorCode])).toEqual([
      ['document.changed', id, 'success', undefined],
      ['document.reindexed', id, 'success', undefined],
      ['document.retry_failed', null, 'success', undefined],
      ['document.deleted', id, 'success', undefined],
      ['document.deleted', id, 'failure', 'document_not_found'],
    ]);
    expect(rows[0]?.details.name).toBe('neu.txt');
    expect(rows[2]?.details.requeued).toBe(0);
  });

  it('spaces: create, update and delete with the acting API key named', async () => {
    const key = {
      ...identityHeader('viewer', { authType: 'api_key', scopes: ['documents:write'], apiKeyId: 7 }),
    };
    const since = await lastId();
    const created = await request(h.app).post('/api/spaces').set(key).send({ name: 'Einkauf' });
    expect(created.status).toBe(201);
    const space = created.body as SpaceDto;
    expect(
      (await request(h.app).patch(`/api/spaces/${space.id}`).set(key).send({ color: '#112233' })).status,
    ).toBe(200);
    expect((await request(h.app).post('/api/spaces').set(key).send({ name: 'Einkauf' })).status).toBe(409);
    expect((await request(h.app).delete(`/api/spaces/${space.id}`).set(key)).status).toBe(204);

    const rows = await rowsSince(since);
    expect(rows.map((r) => [r.action, r.resource_type, r.resource_id, r.details.status])).toEqual([
      ['space.created', 'space', null, 'success'],
      ['space.updated', 'space', space.id, 'success'],
      ['space.created', 'space', null, 'failure'],
      ['space.deleted', 'space', space.id, 'success'],
    ]);
    expect(rows[0]?.details).toMatchObject({
      spaceId: space.id,
      slug: 'einkauf',
      authType: 'api_key',
      apiKeyId: 7,
    });
    expect(rows[1]?.details.changed).toEqual(['color']);
    expect(rows[2]?.details.errorCode).toBe('space_slug_taken');
  });

  it('reads write no audit rows', async () => {
    const since = await lastId();
    await request(h.app).get('/api/documents').set(identityHeader('viewer'));
    await request(h.app).get('/api/spaces').set(identityHeader('viewer'));
    expect(await rowsSince(since)).toEqual([]);
  });
});
