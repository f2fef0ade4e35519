import type { Express } from 'express';
import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { type HealthRegistry, type Logger, createServiceApp, identityMiddleware } from '@arasul/service-kit';
import { selfHealingRouter, servicesRouter } from './api/self-healing.router';
import { ServicesService } from './api/services.service';
import type { SelfHealingConfig } from './config';
import type { Healer } from './healing/healer';
import type { HealingRecorder } from './healing/healing.recorder';
import type { SettingsService } from './settings/settings.service';

export interface AppDeps {
  config: Pick<SelfHealingConfig, 'INTERNAL_SECRET'>;
  logger: Logger;
  health: HealthRegistry;
  db: Kysely<Database>;
  healer: Healer;
  settings: SettingsService;
  recorder: HealingRecorder;
}

/** The agent's HTTP app (no listen): `/api/self-healing/*` and `/api/services/*` behind the gateway. */
export function createApp(deps: AppDeps): Express {
  const services = new ServicesService(deps.db, deps.healer, deps.settings, deps.recorder);
  return createServiceApp({
    logger: deps.logger,
    health: deps.health,
    jsonLimit: '16kb',
    beforeBody: (app) => {
      app.use(identityMiddleware(deps.config.INTERNAL_SECRET));
    },
    routes: (app) => {
      app.use('/api/self-healing', selfHealingRouter(services));
      app.use('/api/services', servicesRouter(services));
    },
  });
}
