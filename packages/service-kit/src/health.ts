/**
 * Readiness as the sum of named checks (one per dependency) plus the state of background loops, so
 * `/health/ready` can say *which* dependency is down and when a loop last ran or failed.
 */
export interface HealthCheck {
  name: string;
  /** Resolves when up; an object it resolves with is shown as the check's details. */
  check: (signal: AbortSignal) => Promise<unknown>;
  /** Non-critical checks are reported but do not make the service unready (e.g. an optional fallback). */
  critical?: boolean;
  timeoutMs?: number;
}

export interface CheckResult {
  status: 'up' | 'down';
  latencyMs: number;
  critical: boolean;
  error?: string;
  info?: Record<string, unknown>;
}

export interface LoopState {
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  runs: number;
  failures: number;
}

export interface ReadinessReport {
  status: 'ready' | 'unready';
  service: string;
  uptimeSeconds: number;
  /** The runtime this process runs on (`scripts/arasul status` shows it per service). */
  runtime: { node: string };
  checks: Record<string, CheckResult>;
  loops: Record<string, LoopState>;
}

export class HealthRegistry {
  private readonly checks: HealthCheck[] = [];
  private readonly loops = new Map<string, LoopState>();
  private readonly startedAt = Date.now();
  private shuttingDown = false;

  constructor(readonly service: string) {}

  register(check: HealthCheck): this {
    this.checks.push(check);
    return this;
  }

  /** Marks the service as going away: readiness turns false so load balancers stop sending work. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  /** A background loop reports each run here; `/health/ready` shows it. */
  loop(name: string): { success: () => void; failure: (error: unknown) => void } {
    const state: LoopState = this.loops.get(name) ?? {
      lastRunAt: null,
      lastSuccessAt: null,
      lastError: null,
      lastErrorAt: null,
      runs: 0,
      failures: 0,
    };
    this.loops.set(name, state);
    return {
      success: () => {
        const now = new Date().toISOString();
        state.runs += 1;
        state.lastRunAt = now;
        state.lastSuccessAt = now;
      },
      failure: (error: unknown) => {
        const now = new Date().toISOString();
        state.runs += 1;
        state.failures += 1;
        state.lastRunAt = now;
        state.lastErrorAt = now;
        state.lastError = error instanceof Error ? error.message : String(error);
      },
    };
  }

  async readiness(): Promise<ReadinessReport> {
    const entries = await Promise.all(this.checks.map(async (c) => [c.name, await runCheck(c)] as const));
    const checks = Object.fromEntries(entries);
    const ready = !this.shuttingDown && entries.every(([, r]) => r.status === 'up' || !r.critical);
    return {
      status: ready ? 'ready' : 'unready',
      service: this.service,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      runtime: { node: process.version },
      checks,
      loops: Object.fromEntries(this.loops),
    };
  }
}

async function runCheck(c: HealthCheck): Promise<CheckResult> {
  const critical = c.critical ?? true;
  const started = performance.now();
  const controller = new AbortController();
  const timeoutMs = c.timeoutMs ?? 2000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const info = await Promise.race([
      c.check(controller.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new Error(`no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]);
    const result: CheckResult = { status: 'up', latencyMs: elapsed(started), critical };
    if (typeof info === 'object' && info !== null) result.info = info as Record<string, unknown>;
    return result;
  } catch (error) {
    return {
      status: 'down',
      latencyMs: elapsed(started),
      critical,
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
