import { resolve } from 'node:path';
import { z } from 'zod';
import { type Env, commonEnvShape, env, loadConfig, loadConfigOrExit } from '@arasul/service-kit';

const optionalText = z.string().trim().min(1).optional();

export const indexerEnvSchema = z.object({
  ...commonEnvShape,
  DOCUMENT_INDEXER_PORT: env.port(8084),
  DOCUMENT_INDEXER_HOST: z.string().default('127.0.0.1'),
  INTERNAL_SECRET: z.string().min(32, 'INTERNAL_SECRET must be at least 32 characters'),
  /** Whose X-Forwarded-For to believe for the client address in the audit log (the gateway's). */
  TRUST_PROXY: env.trustProxy(),
  /** Logs, pid files and (native mode) the embedded object store's data. */
  ARASUL_VAR: z.string().min(1).default(resolve(__dirname, '../../../var')),

  /** Per-file upload limit; a larger file is refused with 413 before the rest is read. */
  DOCUMENTS_MAX_UPLOAD_MB: env.int(50, 1, 4096),
  DOCUMENTS_MAX_FILES_PER_UPLOAD: env.int(20, 1, 200),
  /** Documents processed at once (1 on a Jetson: embedding shares the GPU with chat). */
  DOCUMENTS_CONCURRENCY: env.int(1, 1, 16),
  /** Attempts per document before it ends `failed`. */
  DOCUMENTS_MAX_ATTEMPTS: env.int(3, 1, 10),
  /** A worker renews its lease while it works; past the lease, the watchdog re-queues the document. */
  DOCUMENTS_LEASE_SECONDS: env.int(120, 5, 3600),
  DOCUMENTS_WATCHDOG_INTERVAL_MS: env.int(15_000, 100, 600_000),
  /** Orphan objects/vectors and half-deleted documents are cleaned up this often. */
  DOCUMENTS_SWEEP_INTERVAL_MS: env.int(300_000, 100, 86_400_000),
  /** An object without a row is an orphan only after this long (an upload may be in flight). */
  DOCUMENTS_ORPHAN_GRACE_SECONDS: env.int(3600, 0, 604_800),
  /** Pages a PDF may have before it is refused as `too_many_pages`. */
  DOCUMENTS_MAX_PAGES: env.int(5000, 1, 100_000),

  /** Object store: MinIO (appliance) when MINIO_ENDPOINT is set, else an embedded S3 server on loopback. */
  MINIO_ENDPOINT: optionalText,
  MINIO_PORT: env.port(9000),
  MINIO_USE_SSL: env.bool(false),
  MINIO_ACCESS_KEY: z.string().min(3).default('arasul'),
  MINIO_SECRET_KEY: z.string().min(8).default('arasul-embedded-s3'),
  MINIO_REGION: z.string().min(1).default('us-east-1'),
  DOCUMENTS_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/)
    .default('documents'),
  /** Embedded S3 server (native mode): loopback port, 0 = any free port. */
  EMBEDDED_S3_PORT: env.int(0, 0, 65535),

  /** Qdrant (appliance) when set, else the embedded vector store in Postgres. */
  QDRANT_URL: z.url().optional(),
  QDRANT_API_KEY: optionalText,
  QDRANT_COLLECTION: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,100}$/)
    .default('documents'),

  /** llm-queue: embeddings go through its internal endpoint with batch priority. */
  LLM_QUEUE_URL: z.url().default('http://127.0.0.1:8082'),
  EMBEDDING_MODEL: z.string().trim().min(1).max(100).default('bge-m3'),
  /** Chunks per embedding request. */
  EMBEDDING_BATCH: env.int(32, 1, 512),
  EMBEDDING_TIMEOUT_MS: env.int(300_000, 100, 3_600_000),
  /** A search query's embedding taking longer than this: the search answers keyword-only. */
  SEARCH_EMBED_TIMEOUT_MS: env.int(5000, 50, 120_000),
  /** How often documents waiting for embeddings (`dense: pending`) are retried. */
  EMBEDDING_RETRY_INTERVAL_MS: env.int(60_000, 100, 3_600_000),

  /** Tesseract binary and languages for OCR. */
  TESSERACT_BIN: z.string().min(1).default('tesseract'),
  OCR_LANGUAGES: z
    .string()
    .regex(/^[a-z_]+(\+[a-z_]+)*$/)
    .default('deu+eng'),
  OCR_TIMEOUT_MS: env.int(120_000, 1000, 3_600_000),
});

export type IndexerConfig = Readonly<z.output<typeof indexerEnvSchema>>;

/** Throws `ConfigError` listing every bad variable (tests use this). */
export function parseIndexerConfig(source: Env): IndexerConfig {
  return loadConfig(indexerEnvSchema, source);
}

/** For main: print every bad variable and exit non-zero. */
export function loadIndexerConfig(source: Env = process.env): IndexerConfig {
  return loadConfigOrExit(indexerEnvSchema, source);
}
