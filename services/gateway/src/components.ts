import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { HealthRegistry, redisHealthCheck, type Logger } from '@arasul/service-kit';
import { sql } from 'kysely';
import { AuditRetention } from './audit/audit-retention';
import { AuditWriter } from './audit/audit.writer';
import { AccessTokenVerifier } from './auth/access-tokens';
import { ApiKeyAuthenticator } from './auth/api-keys';
import { AuthClient } from './auth/auth.client';
import { IdentitySigner } from './auth/identity-signer';
import { RevocationFeed, revocationChannel } from './auth/revocation-feed';
import { RevocationStore } from './auth/revocation-store';
import { GATEWAY_VERSION, upstreamUrl, type GatewayConfig } from './config';
import { PlatformHealthService } from './health/platform-health.service';
import { AUDIT_CAPTURE_BYTES } from './audit/audit.middleware';
import { SharedStreamLimiter } from './proxy/shared-stream-limiter';
import { UpstreamProxy } from './proxy/upstream-proxy';
import { RateLimiter } from './ratelimit/rate-limiter';
import { UPSTREAM_NAMES, type UpstreamName } from './routing/route-table';

export interface GatewayConnections {
  db: Kysely<Database>;
  /** Commands (rate limits, health), with the platform key prefix. */
  redis: Redis;
  /** A second connection for SUBSCRIBE (see service-kit's duplicateForSubscribe). */
  subscriber: Redis;
  /** The rate limiter's auto-pipelined connection (createRateLimitRedis). */
  rateLimitRedis: Redis;
}

export interface GatewayComponents {
  config: GatewayConfig;
  logger: Logger;
  health: HealthRegistry;
  revocations: RevocationStore;
  revocationFeed: RevocationFeed;
  tokens: AccessTokenVerifier;
  apiKeys: ApiKeyAuthenticator;
  signer: IdentitySigner;
  rateLimiter: RateLimiter;
  audit: AuditWriter;
  retention: AuditRetention;
  proxy: UpstreamProxy;
  platformHealth: PlatformHealthService;
  /** Starts the background work (revocation feed, audit flushing, retention). */
  start: () => Promise<void>;
  /** Stops it again and writes the buffered audit rows; connections stay open (their owner closes them). */
  stop: () => Promise<void>;
}

/** Everything the gateway is made of, over connections its caller opened (main.ts, or a test). */
export function createComponents(
  config: GatewayConfig,
  logger: Logger,
  connections: GatewayConnections,
): GatewayComponents {
  const { db, redis, subscriber, rateLimitRedis } = connections;
  const health = new HealthRegistry('gateway');
  // The gateway keeps routing without either: audit rows wait in the buffer, rate limits fail open. Both are
  // reported, neither makes the gateway unready (restarting it would not bring them back).
  health.register({
    name: 'postgres',
    critical: false,
    check: async () => void (await sql`SELECT 1`.execute(db)),
  });
  health.register(redisHealthCheck(redis, 'redis', false));

  const upstreams = Object.fromEntries(
    UPSTREAM_NAMES.map((name) => [name, upstreamUrl(config, name)]),
  ) as Record<UpstreamName, string>;
  const authClient = new AuthClient(upstreams.auth, config.INTERNAL_SECRET);
  const revocations = new RevocationStore(logger);
  const revocationFeed = new RevocationFeed(
    revocations,
    authClient,
    subscriber,
    revocationChannel(config.REDIS_KEY_PREFIX),
    config.REVOCATION_SYNC_INTERVAL_MS,
    logger,
    health,
  );
  const rateLimiter = new RateLimiter(rateLimitRedis, logger);
  const audit = new AuditWriter(db, logger, health, {
    flushIntervalMs: config.AUDIT_FLUSH_INTERVAL_MS,
    batchSize: config.AUDIT_BATCH_SIZE,
    bufferMax: config.AUDIT_BUFFER_MAX,
  });
  const retention = new AuditRetention(db, config.AUDIT_RETENTION_DAYS, logger, health);
  const proxy = new UpstreamProxy(
    {
      targets: upstreams,
      uploadLimitBytes: config.UPLOAD_LIMIT_BYTES,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
      idleTimeoutMs: config.UPSTREAM_IDLE_TIMEOUT_MS,
      auditCaptureBytes: config.AUDIT_ENABLED ? AUDIT_CAPTURE_BYTES : 0,
      streams: new SharedStreamLimiter(rateLimitRedis, config.SSE_MAX_PER_USER, logger),
    },
    logger,
  );

  return {
    config,
    logger,
    health,
    revocations,
    revocationFeed,
    tokens: new AccessTokenVerifier(config.JWT_SECRET, revocations),
    apiKeys: new ApiKeyAuthenticator(authClient, revocations, config.RATE_LIMIT_API_KEY_DEFAULT_PER_MINUTE),
    signer: new IdentitySigner(config.INTERNAL_SECRET),
    rateLimiter,
    audit,
    retention,
    proxy,
    platformHealth: new PlatformHealthService({
      upstreams,
      internalSecret: config.INTERNAL_SECRET,
      servicesDir: config.SERVICES_DIR,
      db,
      redis,
      rabbitmqUrl: config.RABBITMQ_URL,
      rateLimiter,
      version: GATEWAY_VERSION,
    }),
    start: async () => {
      if (config.AUDIT_ENABLED) {
        audit.start();
        retention.start();
      }
      await revocationFeed.start();
    },
    stop: async () => {
      revocationFeed.stop();
      await retention.stop();
      proxy.close();
      await audit.stop();
    },
  };
}
