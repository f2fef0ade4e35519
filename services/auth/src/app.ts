import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import {
  type EventBus,
  EventPublisher,
  type HealthRegistry,
  type Logger,
  createServiceApp,
  identityMiddleware,
} from '@arasul/service-kit';
import { apiKeysRouter } from './api-keys/api-keys.router';
import { ApiKeysService } from './api-keys/api-keys.service';
import { auditRouter } from './audit/audit.router';
import { AuditService } from './audit/audit.service';
import { AuthBusyError } from './auth/auth.errors';
import { authRouter } from './auth/auth.router';
import { AuthService } from './auth/auth.service';
import type { AuthConfig } from './config';
import { internalRouter } from './internal/internal.router';
import { LockoutService } from './lockout/lockout.service';
import { SessionsService } from './sessions/sessions.service';
import { PasswordHasher } from './shared/password-hasher';
import { RevocationPublisher } from './shared/revocations';
import { Semaphore } from './shared/semaphore';
import { usersRouter } from './users/users.router';
import { UsersService } from './users/users.service';
import { webhooksRouter } from './webhooks/webhooks.router';
import { WebhooksService } from './webhooks/webhooks.service';

/** What the app needs from outside: configuration and open connections (main and tests make these). */
export interface AppDeps {
  config: AuthConfig;
  logger: Logger;
  health: HealthRegistry;
  db: Kysely<Database>;
  redis: Redis;
  /** The AMQP client (`AmqpClient`), or anything with its `publish`. */
  bus: EventBus;
}

export interface AuthServices {
  hasher: PasswordHasher;
  revocations: RevocationPublisher;
  audit: AuditService;
  lockout: LockoutService;
  sessions: SessionsService;
  apiKeys: ApiKeysService;
  users: UsersService;
  auth: AuthService;
  webhooks: WebhooksService;
}

/** Wires the services; no I/O happens here. */
export function createServices(deps: Omit<AppDeps, 'health'>): AuthServices {
  const { config, db, logger } = deps;
  const limiter = new Semaphore(
    config.ARGON2_CONCURRENCY,
    config.ARGON2_MAX_QUEUE,
    config.ARGON2_MAX_WAIT_MS,
    () => new AuthBusyError(),
  );
  const hasher = new PasswordHasher(limiter);
  const events = new EventPublisher(deps.bus, logger);
  const revocations = new RevocationPublisher(deps.redis, config.REDIS_KEY_PREFIX, logger);
  const audit = new AuditService(db);
  const lockout = new LockoutService(
    db,
    {
      ipMaxFailures: config.LOGIN_IP_MAX_FAILURES,
      ipWindowSeconds: config.LOGIN_IP_WINDOW_SECONDS,
      ipLockSeconds: config.LOGIN_IP_LOCK_SECONDS,
      accountMaxFailures: config.LOGIN_ACCOUNT_MAX_FAILURES,
      accountWindowSeconds: config.LOGIN_ACCOUNT_WINDOW_SECONDS,
      accountLockSeconds: config.LOGIN_ACCOUNT_LOCK_SECONDS,
    },
    audit,
    events,
  );
  const sessions = new SessionsService(
    db,
    {
      accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      idleTimeoutSeconds: config.SESSION_IDLE_TIMEOUT_SECONDS,
      absoluteTimeoutSeconds: config.SESSION_ABSOLUTE_TIMEOUT_SECONDS,
    },
    config.JWT_SECRET,
    revocations,
    audit,
  );
  const apiKeys = new ApiKeysService(db, hasher, audit, revocations, config.API_KEY_ROTATION_GRACE_SECONDS);
  const users = new UsersService(db, hasher, sessions, apiKeys, lockout, audit);
  const auth = new AuthService(db, hasher, sessions, lockout, audit, logger);
  const webhooks = new WebhooksService(db, deps.redis, events, {
    secret: config.N8N_WEBHOOK_SECRET,
    maxSkewSeconds: config.WEBHOOK_MAX_SKEW_SECONDS,
    replayTtlSeconds: config.WEBHOOK_REPLAY_TTL_SECONDS,
  });
  return { hasher, revocations, audit, lockout, sessions, apiKeys, users, auth, webhooks };
}

/** The auth service's HTTP app (no listen): the routes the gateway forwards, plus `/internal` for it. */
export function createApp(deps: AppDeps, services: AuthServices = createServices(deps)): Express {
  const { config } = deps;
  return createServiceApp({
    logger: deps.logger,
    health: deps.health,
    jsonLimit: '64kb',
    trustProxy: config.TRUST_PROXY,
    internalSecret: config.INTERNAL_SECRET,
    beforeBody: (app) => {
      app.use(identityMiddleware(config.INTERNAL_SECRET));
      // Before the JSON parser: the webhook's HMAC covers the raw bytes.
      app.use('/api/webhooks', webhooksRouter(services.webhooks));
    },
    routes: (app) => {
      app.use(
        '/api/auth',
        authRouter({
          auth: services.auth,
          sessions: services.sessions,
          users: services.users,
          cookieSecure: config.COOKIE_SECURE,
        }),
      );
      app.use('/api/users', usersRouter(services.users));
      app.use('/api/api-keys', apiKeysRouter(services.apiKeys));
      app.use('/api/audit', auditRouter(services.audit));
      app.use(
        '/internal',
        internalRouter({
          apiKeys: services.apiKeys,
          sessions: services.sessions,
          internalSecret: config.INTERNAL_SECRET,
        }),
      );
    },
  });
}
