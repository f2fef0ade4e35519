import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { identityMiddleware } from '@arasul/service-kit/auth';
import type { HealthRegistry } from '@arasul/service-kit/health';
import { createServiceApp } from '@arasul/service-kit/http/app';
import type { Logger } from '@arasul/service-kit/logger';
import { requireInternalSecret } from '@arasul/service-kit/security';
import { alertsRouter } from './alerts/alerts.router';
import { AlertsService, type ThresholdListener } from './alerts/alerts.service';
import type { MetricsConfig } from './config';
import { LiveService } from './live/live.service';
import type { StreamHub } from './live/stream.hub';
import { HistoryService } from './metrics/history.service';
import { metricsRouter } from './metrics/metrics.router';
import type { RetentionJob } from './retention/retention.job';
import { RetentionService } from './retention/retention.service';

/** What the HTTP app needs: configuration, connections and the collector parts it reads from. */
export interface AppDeps {
  config: MetricsConfig;
  logger: Logger;
  health: HealthRegistry;
  db: Kysely<Database>;
  redis: Redis;
  hub: StreamHub;
  retention: RetentionJob;
  /** Told about threshold changes at once (the alert evaluator). */
  thresholdListener: ThresholdListener;
}

/** The metrics collector's HTTP app (no listen): `/api/metrics/*` and `/api/alerts/*` behind the gateway. */
export function createApp(deps: AppDeps): Express {
  const live = new LiveService(deps.redis);
  const history = new HistoryService(deps.db);
  const retention = new RetentionService(deps.db, deps.retention, deps.config.METRICS_INTERVAL_MS);
  const alerts = new AlertsService(
    deps.db,
    deps.thresholdListener,
    deps.logger.child({ module: 'alerts-api' }),
  );
  return createServiceApp({
    logger: deps.logger,
    health: deps.health,
    jsonLimit: '16kb',
    internalSecret: deps.config.INTERNAL_SECRET,
    beforeBody: (app) => {
      app.use(identityMiddleware(deps.config.INTERNAL_SECRET));
    },
    routes: (app) => {
      app.use('/api/metrics', metricsRouter({ live, history, stream: deps.hub, retention }));
      app.use('/api/alerts', alertsRouter(alerts));
      // The self-healing agent's guards (GPU hang) read the latest snapshot service-to-service.
      app.get(
        '/internal/metrics/live',
        requireInternalSecret(deps.config.INTERNAL_SECRET),
        async (_req, res) => {
          res.set('Cache-Control', 'no-store').json(await live.latest());
        },
      );
    },
  });
}
