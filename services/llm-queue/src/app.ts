import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Database } from '@arasul/db';
import {
  type HealthCheck,
  type HealthRegistry,
  type Logger,
  type EventBus,
  EventPublisher,
  createServiceApp,
  identityMiddleware,
} from '@arasul/service-kit';
import { chatsRouter } from './chats/chats.router';
import { ChatsService } from './chats/chats.service';
import { OllamaClient } from './clients/ollama.client';
import { ollamaRouter } from './compat/ollama.router';
import { openAiRouter } from './compat/openai.router';
import type { LlmQueueConfig } from './config';
import { controlRouter } from './internal/control.router';
import { internalRouter } from './internal/internal.router';
import { StreamCaps } from './jobs/caller-caps';
import { jobsRouter } from './jobs/jobs.router';
import { JobsService } from './jobs/jobs.service';
import { createQueueStore } from './jobs/queue.store';
import { ModelState } from './models/model-state';
import { PullManager } from './models/model-pulls';
import { modelsRouter } from './models/models.router';
import { ModelsService } from './models/models.service';
import { JobHub } from './scheduler/job-events';
import { Scheduler } from './scheduler/scheduler';
import { Throughput } from './scheduler/throughput';
import { RagService } from './rag/rag.service';
import { SearchClient } from './rag/search.client';

/** What the app needs from outside: configuration and open connections (main and tests make these). */
export interface AppDeps {
  config: LlmQueueConfig;
  logger: Logger;
  health: HealthRegistry;
  db: Kysely<Database>;
  /** The pool under `db`; one of its connections holds the scheduler's leader lock. */
  pool: pg.Pool;
  /**
   * A few pipelined connections (`createPool({ pipeline: true })`) only for admissions: lock, statement and
   * COMMIT go out in one write, so Ollama is asked one round trip after the request came in.
   */
  admissions: pg.Pool;
  redis: Redis;
  /** The AMQP client (`AmqpClient`), or anything with its `publish`. */
  bus: EventBus;
}

export interface LlmQueueServices {
  ollama: OllamaClient;
  hub: JobHub;
  throughput: Throughput;
  modelState: ModelState;
  scheduler: Scheduler;
  jobs: JobsService;
  chats: ChatsService;
  models: ModelsService;
  pulls: PullManager;
  rag: RagService;
  streamCaps: StreamCaps;
}

/** Wires the services; no I/O happens here (the scheduler starts with `scheduler.start()`). */
export function createServices(deps: AppDeps): LlmQueueServices {
  const { config, db, logger } = deps;
  const ollama = new OllamaClient({ baseUrl: config.OLLAMA_URL });
  const hub = new JobHub();
  const throughput = new Throughput();
  const publisher = new EventPublisher(deps.bus, logger);
  const modelState = new ModelState(db, ollama, throughput, logger);
  const scheduler = new Scheduler({
    store: createQueueStore(db),
    pool: deps.pool,
    upstream: ollama,
    models: modelState,
    hub,
    publisher,
    throughput,
    health: deps.health,
    logger,
    options: {
      parallel: config.LLM_PARALLEL,
      maxWaitSeconds: config.LLM_MAX_WAIT_SECONDS,
      batchAgingSeconds: config.LLM_BATCH_AGING_SECONDS,
      maxQueue: config.LLM_MAX_QUEUE,
      backendWaitTimeoutSeconds: config.LLM_BACKEND_WAIT_TIMEOUT_SECONDS,
      backendProbeMs: config.LLM_BACKEND_PROBE_MS,
      maxRecoveries: 2,
      tickMs: config.LLM_TICK_MS,
      flushIntervalMs: config.LLM_FLUSH_INTERVAL_MS,
      inactivityMs: config.LLM_INACTIVITY_TIMEOUT_SECONDS * 1000,
      connectAttempts: config.LLM_CONNECT_ATTEMPTS,
      connectBackoffMs: config.LLM_CONNECT_BACKOFF_MS,
      historyMessages: config.LLM_HISTORY_MESSAGES,
    },
  });
  const pulls = new PullManager(
    db,
    ollama,
    deps.redis,
    {
      stallMs: config.LLM_PULL_STALL_SECONDS * 1000,
      // Only called once a pull succeeded, long after `models` below exists.
      reconcile: async () => {
        await models.reconcile();
      },
    },
    logger,
  );
  const models = new ModelsService(
    db,
    ollama,
    modelState,
    scheduler,
    pulls,
    config.LLM_DEFAULT_MODEL,
    logger,
  );
  const jobs = new JobsService(db, deps.admissions, hub, scheduler, models, throughput, publisher, {
    maxQueue: config.LLM_MAX_QUEUE,
    maxQueuedPerUser: config.LLM_MAX_QUEUED_PER_USER,
    maxQueuedPerKey: config.LLM_MAX_QUEUED_PER_KEY,
    syncCommitAlways: config.LLM_ADMISSION_SYNC_COMMIT,
  });
  const streamCaps = new StreamCaps({
    perUser: config.LLM_MAX_STREAMS_PER_USER,
    perKey: config.LLM_MAX_STREAMS_PER_KEY,
  });
  const chats = new ChatsService(db);
  const rag = new RagService(
    db,
    new SearchClient({
      baseUrl: config.DOCUMENT_INDEXER_URL,
      internalSecret: config.INTERNAL_SECRET,
      timeoutMs: config.RAG_SEARCH_TIMEOUT_MS,
    }),
    { contextTokens: config.RAG_CONTEXT_TOKENS },
  );
  return { ollama, hub, throughput, modelState, scheduler, jobs, chats, models, pulls, streamCaps, rag };
}

/** Requests that stay open while a job runs (streams, or callers waiting for their bound job). */
const STREAM_ROUTES = [
  '/api/llm/chat',
  '/v1/chat/completions',
  '/v1/embeddings',
  '/ollama/api/chat',
  '/ollama/api/generate',
  '/ollama/api/embed',
];

/** Readiness of Ollama: reported, never critical (jobs wait while it is away). */
export function ollamaHealthCheck(services: LlmQueueServices): HealthCheck {
  return {
    name: 'ollama',
    critical: false,
    timeoutMs: 3000,
    check: async (signal) => {
      const version = await services.ollama.version(signal);
      return {
        version,
        loadedModels: [...services.modelState.loadedModels()],
        scheduler: services.scheduler.isLeader ? 'leader' : 'standby',
      };
    },
  };
}

/** The llm-queue HTTP app (no listen): the routes the gateway forwards, plus `/internal` for services. */
export function createApp(deps: AppDeps, services: LlmQueueServices = createServices(deps)): Express {
  const { config, logger } = deps;
  const heartbeatMs = config.LLM_HEARTBEAT_SECONDS * 1000;
  return createServiceApp({
    logger,
    health: deps.health,
    // Ollama-style requests may carry base64 images.
    jsonLimit: '8mb',
    trustProxy: config.TRUST_PROXY,
    internalSecret: config.INTERNAL_SECRET,
    beforeBody: (app) => {
      app.use(identityMiddleware(config.INTERNAL_SECRET));
    },
    routes: (app) => {
      // Long-lived LLM requests hold a place per user and key while open (jobs/caller-caps.ts).
      app.post(STREAM_ROUTES, services.streamCaps.middleware());
      app.get('/api/llm/jobs/:id/stream', services.streamCaps.middleware());
      app.use('/api/chats', chatsRouter(services.chats));
      app.use('/api/llm', jobsRouter({ jobs: services.jobs, heartbeatMs, rag: services.rag }));
      app.use('/api/models', modelsRouter(services.models, heartbeatMs));
      app.use(
        '/v1',
        openAiRouter({
          jobs: services.jobs,
          ollama: services.ollama,
          logger,
          heartbeatMs,
          rag: services.rag,
        }),
      );
      app.use('/ollama', ollamaRouter({ jobs: services.jobs, ollama: services.ollama, logger }));
      app.use(
        '/internal/llm',
        internalRouter({
          jobs: services.jobs,
          internalSecret: config.INTERNAL_SECRET,
          heartbeatMs,
          control: controlRouter({ scheduler: services.scheduler, models: services.modelState, logger }),
        }),
      );
    },
  });
}
