import type { Express } from 'express';
import type { Kysely } from 'kysely';
import { documentsIndexJobSchema } from '@arasul/contracts';
import type { Database } from '@arasul/db';
import {
  type AmqpClient,
  type ConsumerHandle,
  type HealthRegistry,
  type Logger,
  createServiceApp,
  identityMiddleware,
} from '@arasul/service-kit';
import { Auditor } from './audit/auditor';
import type { Embedder } from './clients/embedding.client';
import type { IndexerConfig } from './config';
import { documentsRouter } from './documents/documents.router';
import { DocumentsService } from './documents/documents.service';
import { StatusEvents } from './documents/status-events';
import { EmbeddingIndex } from './pipeline/embedding-index';
import { Maintenance } from './pipeline/maintenance';
import { IndexingPipeline } from './pipeline/pipeline.service';
import { queryEmbedder } from './search/query-embedder';
import { RagSettingsService } from './search/rag-settings.service';
import { ragSettingsRouter, searchRouter } from './search/search.router';
import { SearchService } from './search/search.service';
import { spacesRouter } from './spaces/spaces.router';
import { SpacesService } from './spaces/spaces.service';
import type { ObjectStore } from './storage/object-store';
import type { VectorStore } from './vectors/vector-store';

/** What the indexer is built from: configuration, connections and the two stores. */
export interface AppDeps {
  config: IndexerConfig;
  logger: Logger;
  health: HealthRegistry;
  db: Kysely<Database>;
  bus: AmqpClient;
  objects: ObjectStore;
  vectors: VectorStore;
  embedder: Embedder;
  /** Whether Tesseract can be run (checked once at start). */
  ocrAvailable: boolean;
}

export interface Services {
  spaces: SpacesService;
  documents: DocumentsService;
  events: StatusEvents;
  pipeline: IndexingPipeline;
  maintenance: Maintenance;
  embeddingIndex: EmbeddingIndex;
  ragSettings: RagSettingsService;
  search: SearchService;
  /** Starts the queue consumer and the background loops. */
  startWorkers(): Promise<void>;
  stopWorkers(): Promise<void>;
}

export function createServices(deps: AppDeps): Services {
  const { config, logger, db, bus, objects, vectors, embedder } = deps;
  const events = new StatusEvents(bus, logger.child({ module: 'status-events' }));
  const audit = new Auditor(db, logger);
  const spaces = new SpacesService(db, logger.child({ module: 'spaces' }), audit);
  const embeddingIndex = new EmbeddingIndex(
    db,
    vectors,
    embedder,
    logger.child({ module: 'embedding-index' }),
  );
  const pipeline = new IndexingPipeline({
    db,
    objects,
    vectors,
    embedder,
    embeddingIndex,
    events,
    logger,
    options: {
      leaseSeconds: config.DOCUMENTS_LEASE_SECONDS,
      maxAttempts: config.DOCUMENTS_MAX_ATTEMPTS,
      maxPages: config.DOCUMENTS_MAX_PAGES,
      embeddingBatch: config.EMBEDDING_BATCH,
      toolTimeoutMs: config.OCR_TIMEOUT_MS,
      ocr: {
        available: deps.ocrAvailable,
        tesseractBin: config.TESSERACT_BIN,
        languages: config.OCR_LANGUAGES,
        timeoutMs: config.OCR_TIMEOUT_MS,
      },
    },
  });
  const maintenance = new Maintenance({
    db,
    bus,
    objects,
    vectors,
    pipeline,
    events,
    logger,
    options: {
      leaseSeconds: config.DOCUMENTS_LEASE_SECONDS,
      maxAttempts: config.DOCUMENTS_MAX_ATTEMPTS,
      watchdogIntervalMs: config.DOCUMENTS_WATCHDOG_INTERVAL_MS,
      sweepIntervalMs: config.DOCUMENTS_SWEEP_INTERVAL_MS,
      orphanGraceSeconds: config.DOCUMENTS_ORPHAN_GRACE_SECONDS,
      embeddingRetryIntervalMs: config.EMBEDDING_RETRY_INTERVAL_MS,
    },
  });
  const documents = new DocumentsService({
    db,
    objects,
    vectors,
    spaces,
    bus,
    events,
    maintenance,
    audit,
    logger,
    maxUploadBytes: config.DOCUMENTS_MAX_UPLOAD_MB * 1024 * 1024,
    maxFilesPerUpload: config.DOCUMENTS_MAX_FILES_PER_UPLOAD,
  });
  const ragSettings = new RagSettingsService(db, logger.child({ module: 'rag-settings' }));
  const search = new SearchService(
    db,
    vectors,
    queryEmbedder(embedder, config.SEARCH_EMBED_TIMEOUT_MS),
    ragSettings,
    logger.child({ module: 'search' }),
  );
  let consumer: ConsumerHandle | undefined;
  return {
    ragSettings,
    search,
    spaces,
    documents,
    events,
    pipeline,
    maintenance,
    embeddingIndex,
    async startWorkers() {
      await embeddingIndex.checkModel();
      consumer = await bus.consume(
        'documents.index',
        documentsIndexJobSchema,
        async ({ envelope, signal }) => {
          await pipeline.process(envelope.payload.documentId, signal);
        },
        // A large scanned PDF may take long; the lease (not this timeout) is what detects a dead worker.
        { prefetch: config.DOCUMENTS_CONCURRENCY, handlerTimeoutMs: 6 * 60 * 60 * 1000 },
      );
      maintenance.start();
    },
    async stopWorkers() {
      await maintenance.stop();
      await consumer?.cancel();
    },
  };
}

/** The document-indexer's HTTP app (no listen): `/api/documents/*` and `/api/spaces/*` behind the gateway. */
export function createApp(deps: AppDeps, services: Services): Express {
  return createServiceApp({
    logger: deps.logger,
    health: deps.health,
    internalSecret: deps.config.INTERNAL_SECRET,
    trustProxy: deps.config.TRUST_PROXY,
    jsonLimit: '64kb',
    beforeBody: (app) => {
      app.use(identityMiddleware(deps.config.INTERNAL_SECRET));
    },
    routes: (app) => {
      app.use('/api/spaces', spacesRouter(services.spaces));
      app.use('/api/search', searchRouter(services.search));
      app.use('/api/rag', ragSettingsRouter(services.ragSettings));
      app.use(
        '/api/documents',
        documentsRouter({ documents: services.documents, events: services.events, heartbeatMs: 15_000 }),
      );
    },
  });
}
