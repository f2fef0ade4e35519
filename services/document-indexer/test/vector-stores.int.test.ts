import { randomUUID } from 'node:crypto';
import { FakeQdrant, type TestDatabase, createTestDatabase } from '@arasul/testkit';
import type { Database } from '@arasul/db';
import { EmbeddedVectorStore } from '../src/vectors/embedded-vector-store';
import { QdrantVectorStore } from '../src/vectors/qdrant-vector-store';
import { vectorStoreContract } from './vector-store.contract';

let database: TestDatabase<Database> | undefined;
vectorStoreContract('embedded (Postgres + usearch)', {
  async open() {
    database = await createTestDatabase();
    return new EmbeddedVectorStore(database.db);
  },
  reopen() {
    if (!database) throw new Error('not open');
    return Promise.resolve(new EmbeddedVectorStore(database.db));
  },
  async close() {
    await database?.drop();
  },
});

let qdrant: FakeQdrant | undefined;
const collection = `documents_${randomUUID().slice(0, 8)}`;
vectorStoreContract(`qdrant (fake Qdrant REST 1.13)`, {
  async open() {
    qdrant = await new FakeQdrant().start();
    return new QdrantVectorStore({ url: qdrant.url, collection });
  },
  reopen() {
    if (!qdrant) throw new Error('not open');
    return Promise.resolve(new QdrantVectorStore({ url: qdrant.url, collection }));
  },
  async close() {
    await qdrant?.stop();
  },
});
