/**
 * The indexer's workers as a separate process for the kill -9 part of document-indexer.bench.ts: the real
 * pipeline, consumer, watchdog and sweeper on the bench's database, bus namespace and embedding endpoint, on
 * the parent's embedded S3 server (BENCH_S3_PORT, reached as an external endpoint). (The RSS part runs the
 * built service instead: indexer.child.cjs.)
 */
import { join } from 'node:path';
import { createDb, createPool } from '@arasul/db';
import { AmqpClient, HealthRegistry, Topology, createLogger } from '@arasul/service-kit';
import { createServices } from '../../services/document-indexer/src/app';
import { LlmQueueEmbedder } from '../../services/document-indexer/src/clients/embedding.client';
import { parseIndexerConfig } from '../../services/document-indexer/src/config';
import { openObjectStore } from '../../services/document-indexer/src/storage/object-store';
import { EmbeddedVectorStore } from '../../services/document-indexer/src/vectors/embedded-vector-store';

async function main(): Promise<void> {
  const env = process.env;
  const config = parseIndexerConfig({ ...env, NODE_ENV: 'production', LOG_LEVEL: 'warn' });
  const logger = createLogger({ service: 'bench-indexer', level: 'warn', format: 'json' });
  const pool = createPool({ connectionString: env.BENCH_DB_URL ?? '', max: 5 });
  const db = createDb(pool);
  const bus = new AmqpClient({
    url: config.RABBITMQ_URL,
    service: 'document-indexer',
    logger,
    topology: new Topology({ namespace: env.BENCH_NAMESPACE ?? '' }),
  }).start();
  await bus.waitUntilConnected(10_000);
  const objects = await openObjectStore({
    endpoint: '127.0.0.1',
    port: Number(env.BENCH_S3_PORT),
    useSSL: false,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    region: 'us-east-1',
    bucket: config.DOCUMENTS_BUCKET,
    embeddedDirectory: join(config.ARASUL_VAR, 'unused'),
    embeddedPort: 0,
  });
  const embedder = new LlmQueueEmbedder({
    baseUrl: config.LLM_QUEUE_URL,
    internalSecret: config.INTERNAL_SECRET,
    model: config.EMBEDDING_MODEL,
    timeoutMs: 30_000,
  });
  const services = createServices({
    config,
    logger,
    health: new HealthRegistry('document-indexer'),
    db,
    bus,
    objects,
    vectors: new EmbeddedVectorStore(db),
    embedder,
    ocrAvailable: true,
  });
  await services.startWorkers();
  process.stdout.write('ready\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
