import { join } from 'node:path';
import { type ServiceRuntime, type Topology, openAmqp, openPostgres } from '@arasul/service-kit';
import { createApp, createServices } from './app';
import { LlmQueueEmbedder } from './clients/embedding.client';
import type { IndexerConfig } from './config';
import { toolAvailable } from './pipeline/external-tools';
import { openObjectStore } from './storage/object-store';
import { createVectorStore } from './vectors/vector-store.factory';

export interface ComposeOptions {
  /** The bus names; the platform's own unless a benchmark runs the built service under a namespace. */
  topology?: Topology;
}

/**
 * Composition root: connections → stores → app → listen → workers; stop in reverse. main.ts runs it; the
 * benchmark runs the same built code in a process of its own (bench/document-indexer/indexer.child.cjs).
 */
export async function composeIndexer(
  config: IndexerConfig,
  { logger, health, shutdown, lifecycle, serve }: ServiceRuntime,
  options: ComposeOptions = {},
): Promise<Record<string, unknown>> {
  const { db } = openPostgres(config, lifecycle);
  const amqp = openAmqp(config, {
    ...lifecycle,
    ...(options.topology ? { topology: options.topology } : {}),
  });

  const objects = await openObjectStore({
    endpoint: config.MINIO_ENDPOINT,
    port: config.MINIO_PORT,
    useSSL: config.MINIO_USE_SSL,
    accessKey: config.MINIO_ACCESS_KEY,
    secretKey: config.MINIO_SECRET_KEY,
    region: config.MINIO_REGION,
    bucket: config.DOCUMENTS_BUCKET,
    embeddedDirectory: join(config.ARASUL_VAR, 'objects'),
    embeddedPort: config.EMBEDDED_S3_PORT,
  });
  shutdown.add('object-store', () => objects.close());
  health.register({
    name: 'object-store',
    check: async () => {
      await objects.ping();
      return objects.fallback === null ? { kind: 'minio' } : { kind: 's3rver', fallback: objects.fallback };
    },
  });

  const vectors = createVectorStore(config, db);
  shutdown.add('vector-store', () => vectors.close());
  health.register({
    name: 'vector-store',
    check: async () => {
      const info = await vectors.info();
      return {
        kind: vectors.kind,
        ...info,
        ...(vectors.fallback ? { fallback: 'embedded vector store (Postgres + usearch exact scan)' } : {}),
      };
    },
  });

  const embedder = new LlmQueueEmbedder({
    baseUrl: config.LLM_QUEUE_URL,
    internalSecret: config.INTERNAL_SECRET,
    model: config.EMBEDDING_MODEL,
    timeoutMs: config.EMBEDDING_TIMEOUT_MS,
  });
  const ocrAvailable = await toolAvailable(config.TESSERACT_BIN);
  const pdfTools = await toolAvailable('pdftotext', '-v');
  health.register({
    name: 'parsers',
    critical: false,
    check: () => {
      if (!pdfTools)
        return Promise.reject(new Error('pdftotext (poppler-utils) is not installed: PDFs cannot be read'));
      return Promise.resolve({
        ocr: ocrAvailable ? 'tesseract' : 'unavailable (images and scanned pages end partial)',
      });
    },
  });

  const deps = { config, logger, health, db, bus: amqp, objects, vectors, embedder, ocrAvailable };
  const services = createServices(deps);
  health.register(services.maintenance.healthCheck());
  shutdown.add('workers', () => services.stopWorkers());
  const app = createApp(deps, services);
  const server = await serve(app, config.DOCUMENT_INDEXER_PORT, config.DOCUMENT_INDEXER_HOST, {
    graceMs: 1000,
  });
  await services.startWorkers();

  return {
    host: config.DOCUMENT_INDEXER_HOST,
    port: server.port,
    objectStore: objects.fallback ?? 'minio',
    vectorStore: vectors.kind,
    ocr: ocrAvailable,
  };
}
