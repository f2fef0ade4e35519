/**
 * The indexer as a separate process for document-indexer.bench.ts: the real pipeline, consumer, watchdog and
 * sweeper on the bench's database, bus namespace and embedding endpoint.
 * - kill -9 measurement: workers only, on the parent's embedded S3 server (BENCH_S3_PORT, reached as an
 *   external endpoint);
 * - RSS measurement (BENCH_HTTP=1): the whole indexer in one process, as in production: its own embedded S3
 *   server, the HTTP app on a free loopback port (printed as `ready <port>`), and the workers.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createDb, createPool } from '@arasul/db';
import { AmqpClient, HealthRegistry, Topology, createLogger } from '@arasul/service-kit';
import { createApp, createServices } from '../../services/document-indexer/src/app';
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
  const standalone = env.BENCH_HTTP === '1';
  const objects = await openObjectStore({
    endpoint: standalone ? undefined : '127.0.0.1',
    port: Number(env.BENCH_S3_PORT),
    useSSL: false,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    region: 'us-east-1',
    bucket: config.DOCUMENTS_BUCKET,
    embeddedDirectory: join(config.ARASUL_VAR, standalone ? 'objects-standalone' : 'unused'),
    embeddedPort: 0,
  });
  const embedder = new LlmQueueEmbedder({
    baseUrl: config.LLM_QUEUE_URL,
    internalSecret: config.INTERNAL_SECRET,
    model: config.EMBEDDING_MODEL,
    timeoutMs: 30_000,
  });
  const deps = {
    config,
    logger,
    health: new HealthRegistry('document-indexer'),
    db,
    bus,
    objects,
    vectors: new EmbeddedVectorStore(db),
    embedder,
    ocrAvailable: true,
  };
  const services = createServices(deps);
  await services.startWorkers();
  if (!standalone) {
    process.stdout.write('ready\n');
    return;
  }
  const server = createApp(deps, services).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  process.stdout.write(`ready ${(server.address() as AddressInfo).port}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
