import request from 'supertest';
import { diagnosisAnswerSchema, diagnosisStreamEventSchema } from '@arasul/contracts';
import { HealthRegistry, type Identity, listen, signIdentity } from '@arasul/service-kit';
import { createSilentLogger } from '@arasul/testkit';
import {
  INTERNAL_SECRET as LLM_SECRET,
  StreamClient,
  type TestContext,
  createTestContext,
} from '../../llm-queue/test/helpers';
import { type Agent, createAgent } from '../src/agent';
import { createApp } from '../src/app';
import { parseSelfHealingConfig } from '../src/config';
import { NativeRuntime } from '../src/runtime/native.runtime';

jest.setTimeout(60_000);

/** The diagnosis assistant against a real llm-queue (in-process, its real queue) with the fake Ollama. */
describe('diagnosis assistant', () => {
  let llm: TestContext;
  const agents: Agent[] = [];
  beforeAll(async () => {
    llm = await createTestContext(
      {},
      { defaultReply: { tokens: ['Alles', ' läuft', ' normal.'], tokenDelayMs: 1 } },
    );
  });
  afterAll(async () => {
    for (const a of agents) await a.stop();
    await llm.close();
  });

  async function app(llmQueueUrl: string) {
    const config = parseSelfHealingConfig({
      INTERNAL_SECRET: LLM_SECRET,
      LLM_QUEUE_URL: llmQueueUrl,
      SUPERVISOR_URL: 'http://127.0.0.1:1',
      ARASUL_VAR: '/nonexistent-arasul-var',
      SELF_HEALING_ASK_TIMEOUT_MS: '20000',
    });
    const health = new HealthRegistry('self-healing-agent');
    const logger = createSilentLogger();
    const runtime = new NativeRuntime({ baseUrl: 'http://127.0.0.1:1', tokenFile: '/nonexistent', logger });
    const bus = { publish: () => Promise.resolve() };
    const agent = createAgent({ config, logger, health, db: llm.db, bus, runtime });
    await agent.start();
    agents.push(agent);
    return createApp({ config, logger, health, db: llm.db, ...agent });
  }

  const as = (who: Identity) => ({ 'X-Arasul-Identity': signIdentity(who, LLM_SECRET) });

  it('asks the local model through llm-queue, answers, and keeps question, answer and context per user', async () => {
    const operator = await llm.user('operator');
    const target = await app(llm.instance.url);
    const response = await request(target)
      .post('/api/self-healing/ask')
      .set(as(operator.identity))
      .send({ question: 'Warum war der Dienst vorhin weg?', language: 'de', stream: false })
      .expect(200);
    const answer = diagnosisAnswerSchema.parse(response.body);
    expect(answer).toMatchObject({ answer: 'Alles läuft normal.', llmAvailable: true });
    expect(answer.context).toMatchObject({ runtime: 'native', services: [], language: 'de' });

    const row = await llm.db
      .selectFrom('claude_terminal_sessions')
      .selectAll()
      .where('id', '=', answer.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      user_id: operator.id,
      query: 'Warum war der Dienst vorhin weg?',
      response: 'Alles läuft normal.',
    });
    const job = await llm.db
      .selectFrom('llm_jobs')
      .select(['source'])
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    expect(job.source).toBe('selfhealing');
    const lastPrompt = llm.fake.requests.at(-1);
    expect(JSON.stringify(lastPrompt)).toContain('Antworte auf Deutsch');

    const viewer = await llm.user('viewer');
    await request(target)
      .post('/api/self-healing/ask')
      .set(as(viewer.identity))
      .send({ question: 'Status?' })
      .expect(403);
    const bad = await request(target)
      .post('/api/self-healing/ask')
      .set(as(operator.identity))
      .send({ question: '' })
      .expect(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });

  it('says so when no model answers and still returns the assembled state', async () => {
    const operator = await llm.user('operator');
    const target = await app('http://127.0.0.1:1');
    const answer = diagnosisAnswerSchema.parse(
      (
        await request(target)
          .post('/api/self-healing/ask')
          .set(as(operator.identity))
          .send({ question: 'What happened?', language: 'en', stream: false })
          .expect(200)
      ).body,
    );
    expect(answer).toMatchObject({ answer: null, llmAvailable: false });
    expect(answer.context).toMatchObject({ runtime: 'native', language: 'en' });
  });

  it('streams the answer as Server-Sent Events: the state first, then the words as the model writes them, then the record', async () => {
    const operator = await llm.user('operator');
    llm.fake.setDefaultReply({ tokens: ['Der', ' Dienst', ' lief', ' wieder', '.'], tokenDelayMs: 60 });
    const server = await listen(await app(llm.instance.url), 0);
    try {
      const stream = await StreamClient.open(`http://127.0.0.1:${server.port}/api/self-healing/ask`, {
        method: 'POST',
        headers: as(operator.identity),
        body: { question: 'Was war mit dem Dienst?', language: 'de' },
      });
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toContain('text/event-stream');
      // The first words are there while the model still writes the rest.
      await stream.waitForType('token', 10_000);
      expect(stream.types()).not.toContain('done');
      await stream.waitForEnd(10_000);

      const events = stream.events.map((e) => diagnosisStreamEventSchema.parse(e));
      expect(events[0]).toMatchObject({ type: 'context', context: { runtime: 'native' } });
      expect(stream.text()).toBe('Der Dienst lief wieder.');
      const done = events.at(-1);
      if (done?.type !== 'done') throw new Error(`the stream ended with ${done?.type ?? 'nothing'}`);
      expect(done.answer).toMatchObject({ answer: 'Der Dienst lief wieder.', llmAvailable: true });
      const row = await llm.db
        .selectFrom('claude_terminal_sessions')
        .select(['user_id', 'response'])
        .where('id', '=', done.answer.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ user_id: operator.id, response: 'Der Dienst lief wieder.' });
    } finally {
      llm.fake.setDefaultReply({ tokens: ['Alles', ' läuft', ' normal.'], tokenDelayMs: 1 });
      await server.close();
    }
  });
});
