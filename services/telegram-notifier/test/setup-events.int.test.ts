/**
 * The wizard's progress as Server-Sent Events: the waiting state at once, `completed` with the chat as soon
 * as someone presses Start in Telegram (the fake Bot API through real telegraf), then the stream ends.
 */
import request from 'supertest';
import { type TelegramSetup, telegramSetupSchema } from '@arasul/contracts';
import { type RunningServer, listen } from '@arasul/service-kit';
import { type NotifierTest, asCaller, createNotifierTest } from './helpers';

/** Reads `progress` events until the stream ends (or the deadline passes). */
async function readProgress(response: Response, onEvent: (p: TelegramSetup) => void): Promise<void> {
  if (!response.body) throw new Error('no stream');
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      if (block.includes('event: progress') && data)
        onEvent(telegramSetupSchema.parse(JSON.parse(data.slice(6))));
    }
  }
}

describe('setup progress by SSE', () => {
  let ctx: NotifierTest;
  let server: RunningServer;
  beforeAll(async () => {
    ctx = await createNotifierTest();
    server = await listen(ctx.notifier.app, 0);
  });
  afterAll(async () => {
    await server.close(0);
    await ctx.close();
  });

  it('streams waiting → completed (with the chat) and ends', async () => {
    const started = await request(ctx.notifier.app)
      .post('/api/telegram/setup')
      .set(asCaller(ctx.admin))
      .send({ token: ctx.bot.token });
    expect(started.status).toBe(201);
    const { code } = telegramSetupSchema.parse(started.body);
    const response = await fetch(
      `http://127.0.0.1:${String(server.port)}/api/telegram/setup/${code}/events`,
      {
        headers: asCaller(ctx.admin),
        signal: AbortSignal.timeout(20_000),
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const seen: TelegramSetup[] = [];
    const reading = readProgress(response, (p) => {
      seen.push(p);
      // Start is pressed once the page saw the waiting state.
      if (p.status === 'token_valid')
        ctx.fake.userSends(ctx.bot.token, { id: 515, type: 'private', firstName: 'Owner' }, `/start ${code}`);
    });
    const pressedAt = Date.now();
    await reading;
    expect(seen.map((p) => p.status)).toEqual(['token_valid', 'completed']);
    expect(seen[1]?.chat).toMatchObject({ chatId: '515' });
    // The page learns it within seconds (pushed by the notifier that linked the chat).
    expect(Date.now() - pressedAt).toBeLessThan(8000);
  });

  it('answers 404 for an unknown code and 400 for a malformed one, before any stream', async () => {
    const unknown = await request(ctx.notifier.app)
      .get(`/api/telegram/setup/${'0'.repeat(32)}/events`)
      .set(asCaller(ctx.admin));
    expect(unknown.status).toBe(404);
    const bad = await request(ctx.notifier.app)
      .get('/api/telegram/setup/nope/events')
      .set(asCaller(ctx.admin));
    expect(bad.status).toBe(400);
  });
});
