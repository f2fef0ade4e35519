import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Redis } from 'ioredis';
import type {
  DependencyStatus,
  PlatformHealth,
  PlatformServiceHealth as ServiceHealth,
} from '@arasul/contracts';
import type { Database } from '@arasul/db';
import type { RateLimiter, RateLimiterMode } from '../ratelimit/rate-limiter';
import { UPSTREAMS, type UpstreamName } from '../routing/route-table';
import { probeAmqp } from './amqp-probe';

export type { DependencyStatus, PlatformHealth, ServiceHealth };

/** The parts of a service-kit readiness report we read; anything else in it stays private. */
const readinessSchema = z.object({
  status: z.enum(['ready', 'unready']),
  checks: z
    .record(
      z.string(),
      z.object({
        status: z.enum(['up', 'down']),
        info: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .default({}),
});

export interface PlatformHealthDeps {
  upstreams: Record<UpstreamName, string>;
  /** Sent as a bearer so the services show their readiness details (checks) to us. */
  internalSecret: string;
  servicesDir: string;
  db: Kysely<Database>;
  redis: Redis;
  rabbitmqUrl: string;
  rateLimiter: RateLimiter;
  version: string;
  timeoutMs?: number;
  cacheMs?: number;
}

/**
 * The platform's health as the dashboard shows it: every upstream's /health/ready and the shared
 * dependencies, asked concurrently with a short timeout. One answer is reused for a couple of seconds and
 * concurrent callers share one round, so a burst of health calls never fans out to every service.
 */
export class PlatformHealthService {
  private cached: { at: number; value: PlatformHealth } | undefined;
  private inflight: Promise<PlatformHealth> | undefined;
  private readonly timeoutMs: number;
  private readonly cacheMs: number;
  private readonly installed: Record<UpstreamName, boolean>;

  constructor(private readonly deps: PlatformHealthDeps) {
    this.timeoutMs = deps.timeoutMs ?? 1500;
    this.cacheMs = deps.cacheMs ?? 2000;
    // A service counts as installed when its folder exists; without a services folder (a container) all do.
    const haveDir = existsSync(deps.servicesDir);
    this.installed = Object.fromEntries(
      (Object.keys(UPSTREAMS) as UpstreamName[]).map((name) => [
        name,
        !haveDir || existsSync(join(deps.servicesDir, UPSTREAMS[name].dir, 'package.json')),
      ]),
    ) as Record<UpstreamName, boolean>;
  }

  async current(): Promise<PlatformHealth> {
    if (this.cached && Date.now() - this.cached.at < this.cacheMs) return this.cached.value;
    this.inflight ??= this.collect().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async collect(): Promise<PlatformHealth> {
    const names = Object.keys(this.deps.upstreams) as UpstreamName[];
    const [serviceResults, postgres, redis, rabbitmq] = await Promise.all([
      Promise.all(names.map((name) => this.probeService(name))),
      this.probe(async (signal) => {
        await Promise.race([sql`SELECT 1`.execute(this.deps.db), aborted(signal)]);
      }),
      this.probe(async (signal) => {
        if (this.deps.redis.status !== 'ready') throw new Error('not connected');
        await Promise.race([this.deps.redis.ping(), aborted(signal)]);
      }),
      this.probe(() => probeAmqp(this.deps.rabbitmqUrl, this.timeoutMs)),
    ]);
    const services: Record<string, ServiceHealth> = {};
    names.forEach((name, i) => {
      const result = serviceResults[i];
      if (result) services[name] = result;
    });
    const rateLimiter = this.deps.rateLimiter.mode();
    const value: PlatformHealth = {
      status: overallStatus(services, postgres, redis, rabbitmq, rateLimiter),
      services,
      dependencies: { postgres, redis, rabbitmq },
      rateLimiter,
      version: this.deps.version,
    };
    this.cached = { at: Date.now(), value };
    return value;
  }

  private async probe(check: (signal: AbortSignal) => Promise<void>): Promise<DependencyStatus> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    return check(signal).then(
      () => 'up' as const,
      () => 'down' as const,
    );
  }

  private async probeService(name: UpstreamName): Promise<ServiceHealth> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    let response: Response;
    try {
      response = await fetch(new URL('/health/ready', this.deps.upstreams[name]), {
        headers: { authorization: `Bearer ${this.deps.internalSecret}` },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const refused = (error as { cause?: { code?: unknown } }).cause?.code === 'ECONNREFUSED';
      return { status: refused && !this.installed[name] ? 'not_installed' : 'down', latencyMs: latency() };
    }
    const body = readinessSchema.safeParse(await response.json().catch(() => undefined));
    if (!body.success) return { status: 'down', latencyMs: latency() };
    const checks: Record<string, DependencyStatus> = {};
    const fallbacks: string[] = [];
    for (const [check, result] of Object.entries(body.data.checks)) {
      checks[check] = result.status;
      const fallback = result.info?.fallback;
      if (typeof fallback === 'string') fallbacks.push(fallback);
    }
    const health: ServiceHealth = {
      status: body.data.status === 'ready' ? 'up' : 'degraded',
      latencyMs: latency(),
      checks,
    };
    if (fallbacks.length > 0) health.fallbacks = fallbacks;
    return health;
  }
}

/**
 * `down`: nobody can sign in or nothing can be stored (auth or Postgres down). `degraded`: something
 * installed is not fully working (a service, Redis, RabbitMQ, or the rate limiter running open).
 * Services that are not installed do not count.
 */
function overallStatus(
  services: Record<string, ServiceHealth>,
  postgres: DependencyStatus,
  redis: DependencyStatus,
  rabbitmq: DependencyStatus,
  rateLimiter: RateLimiterMode,
): PlatformHealth['status'] {
  const auth = services.auth?.status;
  if (postgres === 'down' || auth === 'down' || auth === 'not_installed') return 'down';
  const serviceTrouble = Object.values(services).some((s) => s.status === 'down' || s.status === 'degraded');
  if (serviceTrouble || redis === 'down' || rabbitmq === 'down' || rateLimiter === 'fail-open')
    return 'degraded';
  return 'ok';
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(new Error('timed out'));
    signal.addEventListener('abort', () => reject(new Error('timed out')), { once: true });
  });
}
