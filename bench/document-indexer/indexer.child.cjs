// The document indexer as the bench runs it: the built service (dist), composed exactly as src/main.ts does
// (`composeIndexer`), except that its AMQP names live under the bench's namespace (BENCH_AMQP_NAMESPACE) so it
// never consumes the shared broker's real `documents.index` queue. Configured from the environment like the
// service; started with the manifest's nodeFlags by document-indexer.bench.ts.
const { join } = require('node:path');
const kit = require(join(__dirname, '../../packages/service-kit/dist/index.js'));
// BENCH_INDEXER_DIST: another build of the service (an A/B against a baseline compiled elsewhere).
const dist = process.env.BENCH_INDEXER_DIST ?? join(__dirname, '../../services/document-indexer/dist');
const { loadIndexerConfig } = require(join(dist, 'config.js'));
const { composeIndexer } = require(join(dist, 'compose.js'));

const config = loadIndexerConfig();
const topology = new kit.Topology({ namespace: process.env.BENCH_AMQP_NAMESPACE });
void kit.runService('document-indexer', config, (runtime) => composeIndexer(config, runtime, { topology }));
