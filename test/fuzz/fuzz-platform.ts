import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Database, createDb, createPool } from '@arasul/db';
import { HealthRegistry, duplicateForSubscribe, listen, type RunningServer } from '@arasul/service-kit';
import {
  type FakeOllama,
  FakeTelegramBotApi,
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
  createApp as createIndexerApp,
  createServices as createIndexerServices,
} from '../../services/document-indexer/src/app';
import { LlmQueueEmbedder } from '../../services/document-indexer/src/clients/embedding.client';
import { parseIndexerConfig } from '../../services/document-indexer/src/config';
import { openObjectStore } from '../../services/document-indexer/src/storage/object-store';
import { EmbeddedVectorStore } from '../../services/document-indexer/src/vectors/embedded-vector-store';
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
import { startHarness as startSelfHealing } from '../../services/self-healing-agent/test/helpers';
import { parseNotifierConfig } from '../../services/telegram-notifier/src/config';
import { createNotifier } from '../../services/telegram-notifier/src/notifier';

export { INTERNAL_SECRET, JWT_SECRET };

type ServiceApp = ReturnType<typeof createAuthApp>;

/**
 * The platform as the fuzz suite attacks it: the real gateway in front of the real auth, llm-queue,
 * metrics-collector, document-indexer (HTTP side: uploads into its embedded S3 server; the ingest workers are
 * not started), self-healing-agent (native runtime on a real supervisor that watches nothing) and
 * telegram-notifier, all on ONE migrated database (as in production), with Redis and RabbitMQ real and
 * Ollama and the Telegram Bot API the testkit's wire-level fakes. Each service listens on its own loopback
 * port; the gateway does too.
 */
export interface FuzzPlatform {
  gateway: TestGateway;
  gatewayUrl: string;
  gatewayPort: number;
  /** The apps behind the gateway, for route enumeration. */
  apps: {
    auth: ServiceApp;
    'llm-queue': ServiceApp;
    'metrics-collector': ServiceApp;
    'self-healing-agent': ServiceApp;
    'telegram-notifier': ServiceApp;
    'document-indexer': ServiceApp;
  };
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
  const indexerVar = await mkdtemp(join(tmpdir(), 'arasul-fuzz-indexer-'));
  const indexerConfig = parseIndexerConfig({
    NODE_ENV: 'test',
    INTERNAL_SECRET,
    ARASUL_VAR: indexerVar,
    EMBEDDED_S3_PORT: '0',
    LLM_QUEUE_URL: url(llmServer),
    TRUST_PROXY: 'loopback',
  });
  const objects = await openObjectStore({
    endpoint: undefined,
    port: 9000,
    useSSL: false,
    accessKey: indexerConfig.MINIO_ACCESS_KEY,
    secretKey: indexerConfig.MINIO_SECRET_KEY,
    region: indexerConfig.MINIO_REGION,
    bucket: indexerConfig.DOCUMENTS_BUCKET,
    embeddedDirectory: join(indexerVar, 'objects'),
    embeddedPort: 0,
  });
  const indexerDeps = {
    config: indexerConfig,
    logger,
    health: new HealthRegistry('document-indexer'),
    db: database.db,
    bus,
    objects,
    vectors: new EmbeddedVectorStore(database.db),
    embedder: new LlmQueueEmbedder({
      baseUrl: indexerConfig.LLM_QUEUE_URL,
      internalSecret: INTERNAL_SECRET,
      model: indexerConfig.EMBEDDING_MODEL,
      timeoutMs: 5_000,
    }),
    ocrAvailable: false,
  };
  const indexerApp = createIndexerApp(indexerDeps, createIndexerServices(indexerDeps));
  const indexer = await listen(indexerApp, 0);
  servers.push(indexer);

  const selfHealing = await startSelfHealing([], { INTERNAL_SECRET, LLM_QUEUE_URL: url(llmServer) }, infra);
  const selfHealingServer = await listen(selfHealing.app, 0);
  servers.push(selfHealingServer);

  const telegram = await FakeTelegramBotApi.start();
  const notifier = createNotifier({
    config: parseNotifierConfig({
      NODE_ENV: 'test',
      INTERNAL_SECRET,
      REDIS_KEY_PREFIX: redisPrefix,
      TELEGRAM_ENCRYPTION_KEY: 'fuzz-telegram-encryption-key-0123456789abcdef',
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_POLL_TIMEOUT_S: '1',
    }),
    logger,
    health: new HealthRegistry('telegram-notifier'),
    db: database.db,
    redis,
    bus,
  });
  await notifier.start();
  const notifierServer = await listen(notifier.app, 0);
  servers.push(notifierServer);
  const gateway = await buildGateway({
    db: database,
    env: {
      AUTH_URL: url(auth),
      LLM_QUEUE_URL: url(llmServer),
      METRICS_URL: url(metrics),
      SELF_HEALING_URL: url(selfHealingServer),
      TELEGRAM_NOTIFIER_URL: url(notifierServer),
      DOCUMENT_INDEXER_URL: url(indexer),
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
    apps: {
      auth: authApp,
      'llm-queue': llmApp,
      'metrics-collector': metricsApp,
      'self-healing-agent': selfHealing.app,
      'telegram-notifier': notifier.app,
      'document-indexer': indexerApp,
    },
    db: database.db,
    close: async () => {
      for (const server of servers.reverse()) {
        server.server.closeAllConnections();
        await server.close(0);
      }
      await gateway.stop();
      await notifier.stop();
      await telegram.stop();
      await selfHealing.close();
      await llm.scheduler.stop('graceful');
      await llm.pulls.stopAll();
      llm.ollama.close();
      await admissions.end();
      await llmDb.destroy();
      await collector.stop();
      subscriber.disconnect();
      await objects.close();
      await rm(indexerVar, { recursive: true, force: true });
      await fake.close();
      await infra.close();
    },
  };
}
