import type { Express } from 'express';
import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { type HealthRegistry, type Logger, createServiceApp, identityMiddleware } from '@arasul/service-kit';
import type { IndexerConfig } from './config';
import { spacesRouter } from './spaces/spaces.router';
import { SpacesService } from './spaces/spaces.service';
import type { ObjectStore } from './storage/object-store';
import type { VectorStore } from './vectors/vector-store';

/** What the HTTP app needs. */
export interface AppDeps {
  config: IndexerConfig;
  logger: Logger;
  health: HealthRegistry;
  db: Kysely<Database>;
  objects: ObjectStore;
  vectors: VectorStore;
}

/** The document-indexer's HTTP app (no listen): `/api/documents/*` and `/api/spaces/*` behind the gateway. */
export function createApp(deps: AppDeps): Express {
  const spaces = new SpacesService(deps.db, deps.logger.child({ module: 'spaces' }));
  return createServiceApp({
    logger: deps.logger,
    health: deps.health,
    jsonLimit: '64kb',
    beforeBody: (app) => {
      app.use(identityMiddleware(deps.config.INTERNAL_SECRET));
    },
    routes: (app) => {
      app.use('/api/spaces', spacesRouter(spaces));
    },
  });
}
