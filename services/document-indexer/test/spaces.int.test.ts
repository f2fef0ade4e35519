import request from 'supertest';
import type { SpaceDto } from '@arasul/contracts';
import { type IndexerHarness, identityHeader, startIndexer } from './helpers';

let h: IndexerHarness;
beforeAll(async () => {
  h = await startIndexer({}, { startWorkers: false });
});
afterAll(async () => {
  await h.close();
});

describe('/api/spaces', () => {
  it('has the default space "Allgemein" that cannot be deleted', async () => {
    const list = await request(h.app).get('/api/spaces').set(identityHeader('viewer'));
    expect(list.status).toBe(200);
    const [first] = (list.body as { items: SpaceDto[] }).items;
    expect(first).toMatchObject({ name: 'Allgemein', slug: 'allgemein', isDefault: true, documentCount: 0 });
    const del = await request(h.app)
      .delete(`/api/spaces/${first?.id ?? ''}`)
      .set(identityHeader('operator'));
    expect(del.status).toBe(409);
    expect(del.body).toMatchObject({ error: { code: 'default_space' } });
  });

  it('creates with a slug from the name, refuses a taken slug, renames, deletes', async () => {
    const created = await request(h.app)
      .post('/api/spaces')
      .set(identityHeader('operator'))
      .send({ name: 'Verträge & Rechnungen', description: 'Alles mit Geld', color: '#aa3300' });
    expect(created.status).toBe(201);
    const space = created.body as SpaceDto;
    expect(space).toMatchObject({ slug: 'vertraege-rechnungen', isDefault: false, color: '#aa3300' });

    const taken = await request(h.app)
      .post('/api/spaces')
      .set(identityHeader('operator'))
      .send({ name: 'Anderer Name', slug: 'vertraege-rechnungen' });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ error: { code: 'space_slug_taken' } });

    const bad = await request(h.app)
      .post('/api/spaces')
      .set(identityHeader('operator'))
      .send({ name: 'x', color: 'red' });
    expect(bad.status).toBe(400);

    const renamed = await request(h.app)
      .patch(`/api/spaces/${space.id}`)
      .set(identityHeader('operator'))
      .send({ name: 'Verträge' });
    expect(renamed.body).toMatchObject({ name: 'Verträge', slug: 'vertraege-rechnungen' });

    expect(
      (await request(h.app).delete(`/api/spaces/${space.id}`).set(identityHeader('operator'))).status,
    ).toBe(204);
    expect((await request(h.app).get(`/api/spaces/${space.id}`).set(identityHeader('viewer'))).status).toBe(
      404,
    );
  });

  it('viewers and read-only keys cannot change spaces; anonymous callers get 401', async () => {
    expect(
      (await request(h.app).post('/api/spaces').set(identityHeader('viewer')).send({ name: 'X' })).status,
    ).toBe(403);
    const key = await request(h.app)
      .post('/api/spaces')
      .set(identityHeader('operator', { authType: 'api_key', scopes: ['documents:read'] }))
      .send({ name: 'X' });
    expect(key.status).toBe(403);
    expect((await request(h.app).get('/api/spaces')).status).toBe(401);
  });
});
