import { setTimeout as sleep } from 'node:timers/promises';
import { type Database, createDb, createPool } from '@arasul/db';
import { HealthRegistry, duplicateForSubscribe, listen, type RunningServer } from '@arasul/service-kit';
import {
  type FakeOllama,
  type ServiceTestInfra,
  createServiceTestInfra,
  startFakeOllama,
} from '@arasul/testkit';
import type { Kysely } from 'kysely';
import {
  createApp as createAuthApp,
  createServices as createAuthServices,
} from '../../services/auth/src/app';
import { parseAuthConfig } from '../../services/auth/src/config';
import {
  createApp as createLlmApp,
  createServices as createLlmServices,
  ollamaHealthCheck,
  type LlmQueueServices,
} from '../../services/llm-queue/src/app';
import { parseLlmQueueConfig } from '../../services/llm-queue/src/config';
import { createApp as createMetricsApp } from '../../services/metrics-collector/src/app';
import { type Collector, createCollector } from '../../services/metrics-collector/src/collector';
import { parseMetricsConfig } from '../../services/metrics-collector/src/config';
import { ScriptedSampler } from '../../services/metrics-collector/test/helpers';
import {
  INTERNAL_SECRET,
  JWT_SECRET,
  buildGateway,
  type TestGateway,
} from '../../services/gateway/test/helpers';

export { INTERNAL_SECRET, JWT_SECRET };

type ServiceApp = ReturnType<typeof createAuthApp>;

/**
 * The platform as the fuzz suite attacks it: the real gateway in front of the real auth, llm-queue and
 * metrics-collector, all on ONE migrated database (as in production), with Redis and RabbitMQ real and
 * Ollama the testkit's wire-level fake. Each service listens on its own loopback port; the gateway does too.
 */
export interface FuzzPlatform {
  gateway: TestGateway;
  gatewayUrl: string;
  gatewayPort: number;
  /** The apps behind the gateway, for route enumeration. */
  apps: { auth: ServiceApp; 'llm-queue': ServiceApp; 'metrics-collector': ServiceApp };
  db: Kysely<Database>;
  close(): Promise<void>;
}

export async function startFuzzPlatform(): Promise<FuzzPlatform> {
  const infra: ServiceTestInfra = await createServiceTestInfra('fuzz', ['#']);
  const { database, redis, redisPrefix, bus, logger } = infra;
  const servers: RunningServer[] = [];
  const fake: FakeOllama = await startFakeOllama({ models: ['qwen3:8b', 'nomic-embed-text:latest'] });

  const authConfig = parseAuthConfig({
    NODE_ENV: 'test',
    JWT_SECRET,
    INTERNAL_SECRET,
    REDIS_KEY_PREFIX: redisPrefix,
    ARGON2_MAX_QUEUE: '1000',
    // The fixtures' sessions must outlive a long run (bench/fuzz.bench.ts takes ~20 min here).
    ACCESS_TOKEN_TTL_SECONDS: '3600',
    SESSION_IDLE_TIMEOUT_SECONDS: '7200',
    N8N_WEBHOOK_SECRET: 'fuzz-webhook-secret-0123456789',
  });
  const authDeps = {
    config: authConfig,
    logger,
    health: new HealthRegistry('auth'),
    db: database.db,
    redis,
    bus,
  };
  const authApp = createAuthApp(authDeps, createAuthServices(authDeps));
  const auth = await listen(authApp, 0);
  servers.push(auth);

  const llmConfig = parseLlmQueueConfig({
    NODE_ENV: 'test',
    INTERNAL_SECRET,
    OLLAMA_URL: fake.url,
    REDIS_KEY_PREFIX: redisPrefix,
    LLM_DEFAULT_MODEL: 'qwen3:8b',
    LLM_TICK_MS: '100',
    LLM_FLUSH_INTERVAL_MS: '50',
    LLM_HEARTBEAT_SECONDS: '1',
  });
  const pool = createPool({ connectionString: database.url, max: 10, application_name: 'fuzz-llm-queue' });
  const llmDb = createDb(pool);
  const admissions = createPool({
    connectionString: database.url,
    max: 3,
    application_name: 'fuzz-llm-queue-admissions',
    pipeline: true,
  });
  const llmDeps = {
    config: llmConfig,
    logger,
    health: new HealthRegistry('llm-queue'),
    db: llmDb,
    pool,
    admissions,
    redis,
    bus,
  };
  const llm: LlmQueueServices = createLlmServices(llmDeps);
  llmDeps.health.register(ollamaHealthCheck(llm));
  await llm.models.syncCatalog();
  const llmApp = createLlmApp(llmDeps, llm);
  const llmServer = await listen(llmApp, 0);
  servers.push(llmServer);
  await llm.scheduler.start();

  const metricsConfig = parseMetricsConfig({
    NODE_ENV: 'test',
    INTERNAL_SECRET,
    REDIS_KEY_PREFIX: redisPrefix,
    METRICS_INTERVAL_MS: '1000',
  });
  const subscriber = duplicateForSubscribe(redis);
  const collector: Collector = createCollector({
    config: metricsConfig,
    logger,
    health: new HealthRegistry('metrics-collector'),
    db: database.db,
    redis,
    subscriber,
    bus,
    sampler: new ScriptedSampler(),
  });
  // Sampling runs (a scripted sampler), so the live endpoints answer as on a running box.
  await collector.start();
  // The first sample (METRICS_INTERVAL_MS 1000) is in Redis before the first request can ask for it.
  await sleep(1500);
  const metricsApp = createMetricsApp({
    config: metricsConfig,
    logger,
    health: new HealthRegistry('metrics-collector'),
    db: database.db,
    redis,
    hub: collector.hub,
    retention: collector.retention,
    thresholdListener: collector.evaluator,
  });
  const metrics = await listen(metricsApp, 0);
  servers.push(metrics);

  const url = (server: RunningServer) => `http://127.0.0.1:${String(server.port)}`;
  const gateway = await buildGateway({
    db: database,
    env: {
      AUTH_URL: url(auth),
      LLM_QUEUE_URL: url(llmServer),
      METRICS_URL: url(metrics),
      // One attacker on loopback sends thousands of requests: per-user budgets must not be what answers.
      RATE_LIMIT_USER_PER_MINUTE: '1000000',
      AUDIT_FLUSH_INTERVAL_MS: '200',
      AUDIT_BATCH_SIZE: '500',
      AUDIT_BUFFER_MAX: '100000',
    },
  });
  const gatewayServer = await listen(gateway.app, 0);
  servers.push(gatewayServer);

  return {
    gateway,
    gatewayUrl: url(gatewayServer),
    gatewayPort: gatewayServer.port,
    apps: { auth: authApp, 'llm-queue': llmApp, 'metrics-collector': metricsApp },
    db: database.db,
    close: async () => {
      for (const server of servers.reverse()) {
        server.server.closeAllConnections();
        await server.close(0);
      }
      await gateway.stop();
      await llm.scheduler.stop('graceful');
      await llm.pulls.stopAll();
      llm.ollama.close();
      await admissions.end();
      await llmDb.destroy();
      await collector.stop();
      subscriber.disconnect();
      await fake.close();
      await infra.close();
    },
  };
}
