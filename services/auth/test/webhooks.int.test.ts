import request from 'supertest';
import { signWebhook } from '../src/webhooks/webhook-signature';
import { type TestContext, WEBHOOK_SECRET, createTestContext } from './helpers';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.close();
});

const now = () => Math.floor(Date.now() / 1000);

function deliver(body: string, options: { timestamp?: number; signature?: string; secret?: string } = {}) {
  const timestamp = options.timestamp ?? now();
  const signature = options.signature ?? signWebhook(options.secret ?? WEBHOOK_SECRET, timestamp, body);
  return request(ctx.app)
    .post('/api/webhooks/n8n')
    .set('Content-Type', 'application/json')
    .set('X-Arasul-Timestamp', String(timestamp))
    .set('X-Arasul-Signature', signature)
    .send(body);
}

describe('POST /api/webhooks/n8n', () => {
  it('accepts a signed delivery: a workflow_activity row and workflow.activity on the bus', async () => {
    // Unusual spacing proves the HMAC is over the raw bytes, not re-serialised JSON.
    const body =
      '{ "workflowName" : "Invoice sync", "status":"error", "durationMs": 1234, "error": "timeout" }';
    const res = await deliver(body);
    expect(res.status).toBe(201);
    const row = await ctx.db
      .selectFrom('workflow_activity')
      .selectAll()
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      workflow_name: 'Invoice sync',
      status: 'error',
      duration_ms: 1234,
      error: 'timeout',
    });
    const event = await ctx.events.waitFor('workflow.activity', (p) => p.workflowName === 'Invoice sync');
    expect(event.payload).toEqual({
      workflowName: 'Invoice sync',
      status: 'error',
      durationMs: 1234,
      error: 'timeout',
    });
  });

  it('rejects a missing or wrong signature with 401 invalid_signature', async () => {
    const body = JSON.stringify({ workflowName: 'w', status: 'success' });
    const wrong = await deliver(body, { secret: 'not-the-right-secret' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_signature');
    const none = await request(ctx.app)
      .post('/api/webhooks/n8n')
      .set('Content-Type', 'application/json')
      .send(body);
    expect(none.body.error.code).toBe('invalid_signature');
    const tampered = await request(ctx.app)
      .post('/api/webhooks/n8n')
      .set('Content-Type', 'application/json')
      .set('X-Arasul-Timestamp', String(now()))
      .set('X-Arasul-Signature', signWebhook(WEBHOOK_SECRET, now(), body))
      .send(JSON.stringify({ workflowName: 'evil', status: 'success' }));
    expect(tampered.body.error.code).toBe('invalid_signature');
  });

  it('rejects a correctly signed delivery older than 5 minutes with 401 stale_signature', async () => {
    const body = JSON.stringify({ workflowName: 'w', status: 'success' });
    const res = await deliver(body, { timestamp: now() - 301 });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('stale_signature');
  });

  it('rejects a replayed delivery with 409 replayed', async () => {
    const body = JSON.stringify({ workflowName: 'replay-me', status: 'success' });
    const timestamp = now();
    expect((await deliver(body, { timestamp })).status).toBe(201);
    const again = await deliver(body, { timestamp });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('replayed');
    const rows = await ctx.db
      .selectFrom('workflow_activity')
      .select('id')
      .where('workflow_name', '=', 'replay-me')
      .execute();
    expect(rows).toHaveLength(1);
    const remembered = await ctx.redis.ttl(`webhook:n8n:sig:${signWebhook(WEBHOOK_SECRET, timestamp, body)}`);
    expect(remembered).toBeGreaterThan(590);
  });

  it('validates the body after the signature (400 for an unknown status)', async () => {
    const res = await deliver(JSON.stringify({ workflowName: 'w', status: 'exploded' }));
    expect(res.status).toBe(400);
    expect((await deliver('not json')).body.error.code).toBe('invalid_json');
  });

  it('answers 503 webhooks_not_configured without N8N_WEBHOOK_SECRET', async () => {
    const { app } = ctx.appWith({ N8N_WEBHOOK_SECRET: '' });
    const body = JSON.stringify({ workflowName: 'w', status: 'success' });
    const res = await request(app)
      .post('/api/webhooks/n8n')
      .set('X-Arasul-Timestamp', String(now()))
      .set('X-Arasul-Signature', signWebhook(WEBHOOK_SECRET, now(), body))
      .send(body);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('webhooks_not_configured');
  });
});
