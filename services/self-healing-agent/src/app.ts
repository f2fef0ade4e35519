import { join } from 'node:path';
import type { Express } from 'express';
import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { identityMiddleware } from '@arasul/service-kit/auth';
import type { HealthRegistry } from '@arasul/service-kit/health';
import { createServiceApp } from '@arasul/service-kit/http/app';
import type { Logger } from '@arasul/service-kit/logger';
import { selfHealingRouter, servicesRouter } from './api/self-healing.router';
import { AssistantService } from './assistant/assistant.service';
import { LlmQueueClient } from './assistant/llm-queue.client';
import { ServicesService } from './api/services.service';
import type { SelfHealingConfig } from './config';
import type { Healer } from './healing/healer';
import type { HealingRecorder } from './healing/healing.recorder';
import type { SettingsService } from './settings/settings.service';

export interface AppDeps {
  config: Pick<
    SelfHealingConfig,
    'INTERNAL_SECRET' | 'LLM_QUEUE_URL' | 'SELF_HEALING_ASK_TIMEOUT_MS' | 'ARASUL_VAR' | 'ARASUL_ROOT'
  >;
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
  const llm = new LlmQueueClient(
    deps.config.LLM_QUEUE_URL,
    deps.config.INTERNAL_SECRET,
    deps.config.SELF_HEALING_ASK_TIMEOUT_MS,
  );
  // Native mode keeps each service's log in var/log; in Docker mode the runtime asks the engine (logTail).
  const logDir =
    deps.healer.runtime.kind === 'native'
      ? join(deps.config.ARASUL_VAR ?? join(deps.config.ARASUL_ROOT, 'var'), 'log')
      : null;
  const assistant = new AssistantService(deps.db, deps.healer, llm, logDir);
  return createServiceApp({
    logger: deps.logger,
    health: deps.health,
    jsonLimit: '16kb',
    internalSecret: deps.config.INTERNAL_SECRET,
    beforeBody: (app) => {
      app.use(identityMiddleware(deps.config.INTERNAL_SECRET));
    },
    routes: (app) => {
      app.use('/api/self-healing', selfHealingRouter(services, assistant, deps.logger));
      app.use('/api/services', servicesRouter(services));
    },
  });
}
