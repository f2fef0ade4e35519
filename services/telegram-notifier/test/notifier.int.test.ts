import { createHmac } from 'node:crypto';
import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { outboxPageSchema, telegramSetupSchema, telegramStatusSchema } from '@arasul/contracts';
import { type NotifierTest, asCaller, createNotifierTest, identity, linkOwnerChat, waitFor } from './helpers';

const OWNER = 424242;

function errorCode(body: unknown): string {
  return (body as { error: { code: string } }).error.code;
}

function alert(
  alertId: number,
  metric: 'cpu' | 'ram' | 'disk',
  severity: 'warning' | 'critical' = 'critical',
) {
  return { alertId, metric, value: 97, threshold: 95, severity, at: new Date().toISOString() };
}

describe('telegram-notifier against the fake Bot API', () => {
  let ctx: NotifierTest;

  beforeAll(async () => {
    ctx = await createNotifierTest();
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('refuses a bad token with telegram_token_invalid, and non-admins entirely', async () => {
    const bad = await request(ctx.notifier.app)
      .post('/api/telegram/setup')
      .set(asCaller(ctx.admin))
      .send({ token: '123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(bad.status).toBe(400);
    expect(errorCode(bad.body)).toBe('telegram_token_invalid');

    const viewer = await request(ctx.notifier.app)
      .get('/api/telegram/status')
      .set(asCaller(identity('operator')));
    expect(viewer.status).toBe(403);
  });

  it('runs the wizard: deep link with QR code, Start in Telegram, test message, chat linked', async () => {
    const started = await request(ctx.notifier.app)
      .post('/api/telegram/setup')
      .set(asCaller(ctx.admin))
      .send({ token: ctx.bot.token });
    expect(started.status).toBe(201);
    const setup = telegramSetupSchema.parse(started.body);
    expect(setup.deepLink).toBe(`https://t.me/arasul_office_bot?start=${setup.code}`);
    expect(setup.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(setup.status).toBe('token_valid');

    ctx.fake.userSends(
      ctx.bot.token,
      { id: OWNER, type: 'private', firstName: 'Owner' },
      `/start ${setup.code}`,
    );
    const done = await waitFor('setup completed', async () => {
      const res = await request(ctx.notifier.app)
        .get(`/api/telegram/setup/${setup.code}`)
        .set(asCaller(ctx.admin));
      const body = telegramSetupSchema.parse(res.body);
      return body.status === 'completed' ? body : undefined;
    });
    expect(done.chat).toMatchObject({ chatId: String(OWNER), type: 'private', adminLinked: true });
    await waitFor('the test message', () => (ctx.fake.sentTo(OWNER).length > 0 ? true : undefined));
    expect(ctx.fake.sentTo(OWNER)[0]?.text).toContain('Arasul is connected');

    const status = telegramStatusSchema.parse(
      (await request(ctx.notifier.app).get('/api/telegram/status').set(asCaller(ctx.admin))).body,
    );
    expect(status).toMatchObject({ state: 'configured', botUsername: 'arasul_office_bot', mode: 'polling' });
    expect(status.chats).toHaveLength(1);
    // The token is stored encrypted, never in clear.
    const row = await ctx.db.selectFrom('telegram_config').selectAll().executeTakeFirstOrThrow();
    expect(row.bot_token_encrypted).not.toContain(ctx.bot.token.split(':')[1]);
  });

  it('sends an alert, answers its resolve, and shows both as sent in the outbox', async () => {
    const before = ctx.fake.sentTo(OWNER).length;
    await ctx.infra.bus.publish('metrics.alert.fired', alert(1, 'cpu'));
    const fired = await waitFor('the alert message', () =>
      ctx.fake
        .sentTo(OWNER)
        .slice(before)
        .find((m) => m.text.includes('CPU')),
    );
    expect(fired.text).toContain('CPU critical: 97');

    await ctx.infra.bus.publish('metrics.alert.resolved', { ...alert(1, 'cpu'), value: 40 });
    const resolved = await waitFor('the resolve message', () =>
      ctx.fake.sentTo(OWNER).find((m) => m.text.includes('back to normal')),
    );
    expect(resolved.replyToMessageId).toBe(fired.messageId);

    const page = outboxPageSchema.parse(
      (await request(ctx.notifier.app).get('/api/notifications/events?status=sent').set(asCaller(ctx.admin)))
        .body,
    );
    expect(page.items.map((i) => i.eventType)).toEqual(
      expect.arrayContaining(['metrics.alert.fired', 'metrics.alert.resolved']),
    );
  });

  it('keeps a cooldown per (type, subject) across a restart with Redis emptied', async () => {
    // Without grouping, so the alert goes at once rather than as the follow-up of the cpu alert.
    await request(ctx.notifier.app)
      .put('/api/notifications/settings')
      .set(asCaller(ctx.admin))
      .send({ groupingWindowSeconds: 0 });
    const before = ctx.fake.sentTo(OWNER).length;
    await ctx.infra.bus.publish('metrics.alert.fired', alert(2, 'ram'));
    await waitFor('the ram alert', () =>
      ctx.fake
        .sentTo(OWNER)
        .slice(before)
        .find((m) => m.text.includes('RAM')),
    );
    await ctx.infra.bus.publish('metrics.alert.fired', alert(3, 'ram'));
    await waitFor('the repeat to be suppressed', async () => {
      const row = await ctx.db
        .selectFrom('notification_events')
        .select(['status', 'notification_error'])
        .where('event_type', '=', 'metrics.alert.fired')
        .where('subject', '=', 'ram')
        .where('status', '=', 'suppressed')
        .executeTakeFirst();
      return row?.notification_error === 'cooldown' ? true : undefined;
    });

    await ctx.restart();
    const keys = await ctx.infra.redis.keys('*');
    const prefix = ctx.infra.redisPrefix;
    for (const key of keys)
      await ctx.infra.redis.del(key.startsWith(prefix) ? key.slice(prefix.length) : key);
    await ctx.infra.bus.publish('metrics.alert.fired', alert(4, 'ram'));
    await waitFor('the third repeat to be suppressed too', async () => {
      const { n } = await ctx.db
        .selectFrom('notification_events')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('subject', '=', 'ram')
        .where('status', '=', 'suppressed')
        .executeTakeFirstOrThrow();
      return Number(n) === 2 ? true : undefined;
    });
    expect(ctx.fake.sentTo(OWNER).filter((m) => m.text.includes('RAM'))).toHaveLength(1);
  });

  it('groups follow-ups within the window into one message', async () => {
    const set = await request(ctx.notifier.app)
      .put('/api/notifications/settings')
      .set(asCaller(ctx.admin))
      .send({ groupingWindowSeconds: 2 });
    expect(set.status).toBe(200);
    const before = ctx.fake.sentTo(OWNER).length;
    for (const service of ['llm-queue', 'auth', 'gateway', 'metrics-collector']) {
      await ctx.infra.bus.publish('service.status.changed', {
        service,
        status: 'restarting',
        previousStatus: 'running',
        health: 'unhealthy',
      });
    }
    await waitFor('the group follow-up', () =>
      ctx.fake
        .sentTo(OWNER)
        .slice(before)
        .find((m) => m.text.includes('3 more')),
    );
    await sleep(2500);
    const sent = ctx.fake.sentTo(OWNER).slice(before);
    // Consumed concurrently, so any of the four may lead; the other three are the follow-up.
    expect(sent).toHaveLength(2);
    expect(sent[0]?.text).toMatch(/^⚠️ [a-z-]+ is restarting/);
    expect(sent[1]?.text).toMatch(/^⚠️ 3 more:\n(• [a-z-]+ is restarting\n?){3}$/);
    const all = sent.map((m) => m.text).join('\n');
    for (const service of ['llm-queue', 'auth', 'gateway', 'metrics-collector'])
      expect(all).toContain(`${service} is restarting`);
  });

  it('honours 429 retry_after and retries a 5xx without sending twice', async () => {
    const before = ctx.fake.sentTo(OWNER).length;
    ctx.fake.failNext('sendMessage', { kind: 'retry_after', seconds: 2 });
    ctx.fake.failNext('sendMessage', { kind: 'http', status: 502 });
    const started = Date.now();
    await ctx.infra.bus.publish('selfhealing.escalated', {
      target: 'disk:/',
      reason: 'disk cleanup did not free enough space',
      severity: 'critical',
      attempts: 3,
    });
    await waitFor(
      'the escalation',
      () =>
        ctx.fake
          .sentTo(OWNER)
          .slice(before)
          .find((m) => m.text.includes('needs attention')),
      20_000,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    const attempts = ctx.fake.requests.filter((r) => r.method === 'sendMessage' && r.at >= started);
    expect(attempts.map((r) => r.status)).toEqual([429, 502, 200]);
    expect(ctx.fake.sentTo(OWNER).slice(before)).toHaveLength(1);
  });

  it('answers commands only in linked chats', async () => {
    ctx.fake.userSends(ctx.bot.token, { id: 999, type: 'private', firstName: 'Stranger' }, '/status');
    const refusal = await waitFor('a refusal', () => ctx.fake.sentTo(999)[0]);
    expect(refusal.text).toContain('not linked');

    ctx.fake.userSends(ctx.bot.token, { id: OWNER, type: 'private', firstName: 'Owner' }, '/help');
    await waitFor('the help text', () => ctx.fake.sentTo(OWNER).find((m) => m.text.includes('/status')));
    // The offset is stored: the updates are confirmed, none is handled twice.
    await waitFor('the offset to be stored', () =>
      ctx.fake.pendingUpdates(ctx.bot.token) === 0 ? true : undefined,
    );
  });

  it('delivers to a webhook with a verifiable HMAC signature', async () => {
    const received: { body: string; signature: string; timestamp: string }[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          body: Buffer.concat(chunks).toString('utf8'),
          signature: String(req.headers['x-arasul-signature']),
          timestamp: String(req.headers['x-arasul-timestamp']),
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/hook`;
      const created = await request(ctx.notifier.app)
        .post('/api/notifications/webhooks')
        .set(asCaller(ctx.admin))
        .send({ name: 'n8n', url });
      expect(created.status).toBe(201);
      const secret = (created.body as { secret: string }).secret;

      const test = await request(ctx.notifier.app)
        .post(`/api/notifications/webhooks/${String((created.body as { id: number }).id)}/test`)
        .set(asCaller(ctx.admin));
      expect(test.body).toEqual({ delivered: true, status: 204, error: null });

      await ctx.infra.bus.publish('auth.account.locked', {
        userId: 1,
        username: 'mallory',
        lockedUntil: new Date(Date.now() + 900_000).toISOString(),
        failedAttempts: 5,
      });
      const delivery = await waitFor('the webhook delivery', () =>
        received.find((r) => r.body.includes('mallory')),
      );
      const expected = `sha256=${createHmac('sha256', secret).update(`${delivery.timestamp}.${delivery.body}`).digest('hex')}`;
      expect(delivery.signature).toBe(expected);
      expect(JSON.parse(delivery.body)).toMatchObject({
        type: 'auth.account.locked',
        severity: 'warning',
        subject: 'mallory',
      });
    } finally {
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    }
  });

  it('loses and duplicates nothing in a burst with a restart in the middle, within Telegram limits', async () => {
    await request(ctx.notifier.app)
      .put('/api/notifications/settings')
      .set(asCaller(ctx.admin))
      .send({ groupingWindowSeconds: 0, cooldownSeconds: 0 });
    const before = ctx.fake.sentTo(OWNER).length;
    const N = 12;
    for (let i = 0; i < N; i += 1) {
      await ctx.infra.bus.publish('workflow.activity', {
        workflowName: `flow-${String(i)}`,
        status: 'error',
        error: 'boom',
      });
      if (i === 4) await ctx.restart();
    }
    const burst = (): string[] =>
      ctx.fake
        .sentTo(OWNER)
        .slice(before)
        .map((m) => m.text)
        .filter((t) => t.includes('Workflow'));
    await waitFor('every burst message', () => (burst().length >= N ? true : undefined), 30_000);
    await sleep(1500);
    const expected = Array.from({ length: N }, (_, i) => `❗ Workflow flow-${String(i)} failed\nboom`);
    expect(burst().sort()).toEqual(expected.sort());
    expect(ctx.fake.limitViolations()).toEqual([]);
  });

  it('routes by rules to the chosen chats, keeps quiet hours for all but critical, never doubles a redelivery', async () => {
    const GROUP = -100777;
    const link = await request(ctx.notifier.app).post('/api/telegram/chats/link').set(asCaller(ctx.admin));
    expect(link.status).toBe(201);
    const code = (link.body as { code: string }).code;
    ctx.fake.userSends(
      ctx.bot.token,
      { id: GROUP, type: 'supergroup', title: 'Office' },
      `/start@arasul_office_bot ${code}`,
    );
    await waitFor('the group to be linked', () => (ctx.fake.sentTo(GROUP).length > 0 ? true : undefined));

    const rule = await request(ctx.notifier.app)
      .post('/api/notifications/rules')
      .set(asCaller(ctx.admin))
      .send({
        name: 'Updates to the group',
        eventType: 'update.*',
        minSeverity: 'info',
        chatIds: [String(GROUP)],
      });
    expect(rule.status).toBe(201);
    const badRule = await request(ctx.notifier.app)
      .post('/api/notifications/rules')
      .set(asCaller(ctx.admin))
      .send({ name: 'x', eventType: 'Not A Type!' });
    expect(badRule.status).toBe(400);

    const ownerBefore = ctx.fake.sentTo(OWNER).length;
    const update = {
      updateId: 3,
      versionFrom: '1.0.0',
      versionTo: '1.1.0',
      state: 'completed',
      previousState: 'health_checking',
      source: 'dashboard',
    } as const;
    const envelope = await ctx.infra.bus.publish('update.state.changed', update);
    await ctx.infra.bus.publish('update.state.changed', update, { id: envelope.id }); // a redelivery
    await waitFor('the update message in the group', () =>
      ctx.fake.sentTo(GROUP).find((m) => m.text.includes('Update 1.1.0: completed')),
    );
    await sleep(1000);
    expect(ctx.fake.sentTo(GROUP).filter((m) => m.text.includes('Update 1.1.0'))).toHaveLength(1);
    expect(
      ctx.fake
        .sentTo(OWNER)
        .slice(ownerBefore)
        .filter((m) => m.text.includes('Update 1.1.0')),
    ).toHaveLength(0);

    // Quiet all week: warnings are recorded as suppressed, a critical one still goes out.
    const allDay = { start: '00:00', end: '23:59' };
    const quiet = await request(ctx.notifier.app)
      .put('/api/notifications/settings')
      .set(asCaller(ctx.admin))
      .send({
        quietHours: {
          mon: allDay,
          tue: allDay,
          wed: allDay,
          thu: allDay,
          fri: allDay,
          sat: allDay,
          sun: allDay,
        },
        timeZone: 'UTC',
      });
    expect(quiet.status).toBe(200);
    await ctx.infra.bus.publish('metrics.alert.fired', alert(20, 'disk', 'warning'));
    await ctx.infra.bus.publish('selfhealing.escalated', {
      target: 'postgres',
      reason: 'database does not answer',
      severity: 'critical',
      attempts: 4,
    });
    await waitFor('the critical escalation', () =>
      ctx.fake.sentTo(OWNER).find((m) => m.text.includes('postgres needs attention')),
    );
    const disk = await ctx.db
      .selectFrom('notification_events')
      .select(['status', 'notification_error', 'destination'])
      .where('subject', '=', 'disk')
      .execute();
    expect(new Set(disk.map((r) => `${r.status}:${r.notification_error ?? ''}`))).toEqual(
      new Set(['suppressed:quiet_hours']),
    );
    expect(disk.map((r) => r.destination)).toEqual(
      expect.arrayContaining([`telegram:${String(OWNER)}`, `telegram:${String(GROUP)}`]),
    );
    const badZone = await request(ctx.notifier.app)
      .put('/api/notifications/settings')
      .set(asCaller(ctx.admin))
      .send({ timeZone: 'Mars/Olympus' });
    expect(badZone.status).toBe(400);
    await request(ctx.notifier.app)
      .put('/api/notifications/settings')
      .set(asCaller(ctx.admin))
      .send({ quietHours: { mon: null, tue: null, wed: null, thu: null, fri: null, sat: null, sun: null } });
  });

  it('forgets the bot and its chats', async () => {
    const res = await request(ctx.notifier.app).delete('/api/telegram').set(asCaller(ctx.admin));
    expect(res.status).toBe(204);
    const status = telegramStatusSchema.parse(
      (await request(ctx.notifier.app).get('/api/telegram/status').set(asCaller(ctx.admin))).body,
    );
    expect(status).toMatchObject({ state: 'not_configured', chats: [] });
  });
});

describe('telegram-notifier without TELEGRAM_ENCRYPTION_KEY', () => {
  let ctx: NotifierTest;
  beforeAll(async () => {
    ctx = await createNotifierTest({ TELEGRAM_ENCRYPTION_KEY: '' });
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('runs, reports no_encryption_key and refuses to store a token', async () => {
    const status = await request(ctx.notifier.app).get('/api/telegram/status').set(asCaller(ctx.admin));
    expect((status.body as { state: string }).state).toBe('no_encryption_key');
    const setup = await request(ctx.notifier.app)
      .post('/api/telegram/setup')
      .set(asCaller(ctx.admin))
      .send({ token: ctx.bot.token });
    expect(setup.status).toBe(409);
    expect(errorCode(setup.body)).toBe('telegram_encryption_key_missing');
    expect(await ctx.db.selectFrom('telegram_setup_sessions').selectAll().execute()).toHaveLength(0);
  });
});

void linkOwnerChat;
