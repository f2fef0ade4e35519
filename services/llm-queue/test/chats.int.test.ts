/** Conversations: CRUD, privacy (404 for other users), search, export, soft delete and purge. */
import { conversationHitListSchema, conversationListSchema, messageListSchema } from '@arasul/contracts';
import { sql } from 'kysely';
import request from 'supertest';
import { HealthRegistry } from '@arasul/service-kit';
import { createSilentLogger } from '@arasul/testkit';
import { RetentionJob } from '../src/chats/chats.retention';
import { type TestContext, type TestUser, chatStream, createTestContext } from './helpers';

describe('chats', () => {
  let ctx: TestContext;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    ctx = await createTestContext();
    alice = await ctx.user('operator', 'alice');
    bob = await ctx.user('operator', 'bob');
  });
  afterAll(() => ctx.close());

  it('creates, lists, renames and reads a conversation of its owner only', async () => {
    const created = await request(ctx.instance.url)
      .post('/api/chats')
      .set(alice.headers)
      .send({ title: 'Plans' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ title: 'Plans', messageCount: 0 });

    const list = await request(ctx.instance.url).get('/api/chats').set(alice.headers);
    expect(conversationListSchema.safeParse(list.body).error).toBeUndefined();
    expect(list.body.items.map((c: { id: string }) => c.id)).toContain(id);
    const bobs = await request(ctx.instance.url).get('/api/chats').set(bob.headers);
    expect(bobs.body.items.map((c: { id: string }) => c.id)).not.toContain(id);

    const renamed = await request(ctx.instance.url)
      .patch(`/api/chats/${id}`)
      .set(alice.headers)
      .send({ title: 'Q3 plans' });
    expect(renamed.body.title).toBe('Q3 plans');
    for (const [method, path] of [
      ['get', `/api/chats/${id}`],
      ['patch', `/api/chats/${id}`],
      ['delete', `/api/chats/${id}`],
      ['get', `/api/chats/${id}/messages`],
      ['get', `/api/chats/${id}/export`],
    ] as const) {
      const res = await request(ctx.instance.url)[method](path).set(bob.headers).send({ title: 'x' });
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    expect(
      (
        await request(ctx.instance.url)
          .post('/api/llm/chat')
          .set(bob.headers)
          .send({ message: 'x', conversationId: id })
      ).status,
    ).toBe(404);
  });

  it('lists messages, searches and exports as Markdown and JSON', async () => {
    const stream = await chatStream(ctx.instance, alice, { message: 'Where is the Zebra invoice?' });
    await stream.waitForEnd();
    const id = String(stream.events[0]?.conversationId);
    const messages = await request(ctx.instance.url).get(`/api/chats/${id}/messages`).set(alice.headers);
    expect(messageListSchema.safeParse(messages.body).error).toBeUndefined();
    expect(messages.body.items.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ['user', 'Where is the Zebra invoice?'],
      ['assistant', 'Hello, world!'],
    ]);

    const found = await request(ctx.instance.url).get('/api/chats/search?q=zebra').set(alice.headers);
    expect(conversationHitListSchema.safeParse(found.body).error).toBeUndefined();
    expect(found.body.items).toEqual([
      expect.objectContaining({ id, snippet: expect.stringContaining('Zebra') }),
    ]);
    expect(
      (await request(ctx.instance.url).get('/api/chats/search?q=zebra').set(bob.headers)).body.items,
    ).toEqual([]);
    expect(
      (await request(ctx.instance.url).get('/api/chats/search?q=%25').set(alice.headers)).body.items,
    ).toEqual([]);

    const md = await request(ctx.instance.url).get(`/api/chats/${id}/export?format=md`).set(alice.headers);
    expect(md.headers['content-type']).toContain('text/markdown');
    expect(md.headers['content-disposition']).toContain('attachment');
    expect(md.text).toContain('## You');
    expect(md.text).toContain('Where is the Zebra invoice?');
    expect(md.text).toContain('Hello, world!');
    const json = await request(ctx.instance.url)
      .get(`/api/chats/${id}/export?format=json`)
      .set(alice.headers);
    const parsed = JSON.parse(json.text) as { conversation: { id: string }; messages: unknown[] };
    expect(parsed.conversation.id).toBe(id);
    expect(parsed.messages).toHaveLength(2);
  });

  it('soft-deletes: gone for the user at once, purged by retention after 30 days', async () => {
    const created = await request(ctx.instance.url).post('/api/chats').set(alice.headers).send({});
    const id = created.body.id as string;
    expect((await request(ctx.instance.url).delete(`/api/chats/${id}`).set(alice.headers)).status).toBe(204);
    expect((await request(ctx.instance.url).get(`/api/chats/${id}`).set(alice.headers)).status).toBe(404);
    const row = await ctx.db
      .selectFrom('chat_conversations')
      .select('deleted_at')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.deleted_at).not.toBeNull();
    await sql`UPDATE chat_conversations SET deleted_at = now() - interval '31 days' WHERE id = ${id}`.execute(
      ctx.db,
    );
    await new RetentionJob(
      ctx.db,
      { intervalSeconds: 3600, chatRetentionDays: 30 },
      new HealthRegistry('t'),
      createSilentLogger(),
    ).runOnce();
    expect(await ctx.db.selectFrom('chat_conversations').selectAll().where('id', '=', id).execute()).toEqual(
      [],
    );
  });

  it('needs the operator role (or llm:chat) for chats', async () => {
    const viewer = await ctx.user('viewer');
    expect((await request(ctx.instance.url).get('/api/chats').set(viewer.headers)).status).toBe(403);
    expect((await request(ctx.instance.url).get('/api/chats')).status).toBe(401);
  });
});
