import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { AlertSeverity } from '@arasul/contracts/events/metrics';
import type { Database } from '@arasul/db';
import type { HealthRegistry } from '@arasul/service-kit/health';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import type { SampleSink } from '../sampling/sampling.loop';
import { METRIC_NAMES, type MetricName, type Sample, round2, valueOf } from '../sampling/sample';
import {
  type Counters,
  type Decision,
  type ThresholdSettings,
  ZERO_COUNTERS,
  countSample,
  decide,
  thresholdFor,
} from './alerts.engine';
import { type AlertEventType, alertsRepository as repo } from './alerts.repository';
import { toThresholdSettings } from './thresholds';

/** Redis keys (under REDIS_KEY_PREFIX). */
export const COOLDOWN_KEY = (metric: MetricName) => `alerts:cooldown:${metric}`;
export const COUNTERS_KEY = 'alerts:counters';

export interface OpenAlert {
  id: number;
  severity: AlertSeverity;
  peak: number;
  lastPeakWriteAt: number;
}

export interface EvaluatorOptions {
  intervalMs: number;
  /** Samples waiting for evaluation; beyond this the oldest go and the counters restart. */
  maxQueued?: number;
  /** How often thresholds are re-read (another replica or a direct SQL change). */
  thresholdRefreshMs?: number;
  now?: () => number;
}

/** Something that publishes what the outbox holds, now (the AlertOutbox). */
export interface OutboxKicker {
  kick(): void;
}

const PEAK_WRITE_INTERVAL_MS = 30_000;

const count = z.number().int().min(0).max(1000);
const savedCountersSchema = z.object({
  savedAt: z.number(),
  counters: z.partialRecord(
    z.enum(METRIC_NAMES as [MetricName, ...MetricName[]]),
    z.object({
      atOrAboveWarning: count,
      atOrAboveCritical: count,
      clearOfWarning: count,
      clearOfCritical: count,
    }),
  ),
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Evaluates every sample against the thresholds and persists each transition: the alert_history change
 * and its event (outbox) in one transaction, then the broker. State that must survive a restart lives in
 * Postgres (open alerts) and Redis (cooldowns, the consecutive-sample counters); it is loaded at start,
 * so a restart neither fires an open alert again nor forgets it.
 */
export class AlertEvaluator implements SampleSink {
  readonly name = 'alerts';
  private thresholds = new Map<MetricName, ThresholdSettings>();
  private readonly open = new Map<MetricName, OpenAlert>();
  private readonly cooldownUntil = new Map<MetricName, number>();
  private counters = new Map<MetricName, Counters>();
  private readonly queue: Sample[] = [];
  private draining: Promise<void> | undefined;
  /** A threshold was switched off while its alert was open: resolve it before the next sample. */
  private resolveDisabledPending = false;
  private refreshTimer: NodeJS.Timeout | undefined;
  private countersDirty = false;
  private readonly log: Logger;
  private readonly loop: ReturnType<HealthRegistry['loop']>;
  private readonly now: () => number;
  private readonly maxQueued: number;
  dropped = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly redis: Redis,
    private readonly outbox: OutboxKicker,
    private readonly options: EvaluatorOptions,
    health: HealthRegistry,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'alerts' });
    this.loop = health.loop('alert-evaluation');
    this.now = options.now ?? Date.now;
    this.maxQueued = options.maxQueued ?? 60;
  }

  /** Loads thresholds, open alerts, cooldowns and counters. Call before the first sample. */
  async start(): Promise<void> {
    await this.reloadThresholds();
    for (const row of await repo.openAlerts(this.db)) {
      this.open.set(row.metric_type, {
        id: row.id,
        severity: row.severity,
        peak: Number(row.peak_value ?? row.value),
        lastPeakWriteAt: this.now(),
      });
    }
    await this.loadCooldowns();
    await this.loadCounters();
    const refreshMs = this.options.thresholdRefreshMs ?? 30_000;
    this.refreshTimer = setInterval(() => {
      this.reloadThresholds().catch((error: unknown) =>
        this.log.warn('reloading alert thresholds failed', errorMeta(error)),
      );
    }, refreshMs);
    this.refreshTimer.unref();
    this.log.info('alert evaluation started', {
      open: Object.fromEntries([...this.open].map(([m, a]) => [m, a.severity])),
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.refreshTimer);
    await this.draining;
    await this.saveCounters();
  }

  /**
   * Reads the thresholds again. An open alert whose threshold was switched off is resolved at once (in the
   * evaluation queue, so never beside a sample's evaluation), not only when the next sample arrives: an
   * operator who disables an alert sees it clear, and enabling it again can fire anew.
   */
  async reloadThresholds(): Promise<void> {
    const rows = await repo.thresholds(this.db);
    this.thresholds = new Map(rows.map((row) => [row.metric_type, toThresholdSettings(row)]));
    if ([...this.open.keys()].some((metric) => this.thresholds.get(metric)?.enabled === false)) {
      this.resolveDisabledPending = true;
      this.startDrain();
      await this.idle();
    }
  }

  openAlerts(): ReadonlyMap<MetricName, OpenAlert> {
    return this.open;
  }

  accept(sample: Sample): void {
    this.queue.push(sample);
    if (this.queue.length > this.maxQueued) {
      // Evaluation fell behind (Postgres slow): the dropped samples break every run of consecutive ones.
      this.queue.splice(0, this.queue.length - this.maxQueued);
      this.dropped += 1;
      this.counters = new Map();
    }
    this.startDrain();
  }

  private startDrain(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  /** Waits until every accepted sample was evaluated (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Evaluates one sample now; samples must come in time order. */
  async evaluate(sample: Sample): Promise<void> {
    for (const metric of METRIC_NAMES) {
      const settings = this.thresholds.get(metric);
      if (!settings) continue;
      await this.evaluateMetric(metric, valueOf(sample, metric), settings, sample.timestamp);
    }
    if (this.countersDirty) await this.saveCounters();
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.resolveDisabledPending) {
        this.resolveDisabledPending = false;
        try {
          await this.resolveDisabled();
        } catch (error) {
          this.log.error('resolving the alerts of disabled thresholds failed', errorMeta(error));
        }
      }
      const sample = this.queue.shift();
      if (!sample) return;
      try {
        await this.evaluate(sample);
        this.loop.success();
      } catch (error) {
        this.loop.failure(error);
        this.log.error('alert evaluation failed', errorMeta(error));
      }
    }
  }

  private async evaluateMetric(
    metric: MetricName,
    value: number | null,
    settings: ThresholdSettings,
    at: Date,
  ): Promise<void> {
    const open = this.open.get(metric);
    if (value === null) {
      // No reading breaks every run of consecutive samples; an open alert stays open.
      this.setCounters(metric, ZERO_COUNTERS);
      if (!settings.enabled && open) await this.resolve(metric, open, open.peak, at);
      return;
    }
    const counters = countSample(this.counters.get(metric) ?? ZERO_COUNTERS, value, settings);
    this.setCounters(metric, counters);
    if (open && value > open.peak) await this.raisePeak(open, value);

    const inCooldown = (this.cooldownUntil.get(metric) ?? 0) > this.now();
    const decision: Decision = decide(counters, open?.severity ?? null, settings, inCooldown);
    switch (decision.kind) {
      case 'fire':
        return this.fire(metric, decision.severity, value, settings, at);
      case 'change':
        return open ? this.changeSeverity(metric, open, decision.severity, value, settings, at) : undefined;
      case 'resolve':
        return open ? this.resolve(metric, open, value, at, settings) : undefined;
      case 'suppressed':
      case 'none':
        return undefined;
    }
  }

  private async fire(
    metric: MetricName,
    severity: AlertSeverity,
    value: number,
    settings: ThresholdSettings,
    at: Date,
  ): Promise<void> {
    const threshold = thresholdFor(settings, severity);
    const opened = await this.db.transaction().execute(async (trx) => {
      const row = await repo.openAlert(trx, { metric, severity, value, threshold, at });
      if (row)
        await repo.insertEvent(
          trx,
          row.id,
          'metrics.alert.fired',
          payload(row.id, metric, value, threshold, severity, at),
        );
      return row;
    });
    if (!opened) {
      // Another collector opened it first: adopt that alert instead of opening a second one.
      const existing = (await repo.openAlerts(this.db)).find((a) => a.metric_type === metric);
      if (existing) {
        this.open.set(metric, {
          id: existing.id,
          severity: existing.severity,
          peak: Number(existing.peak_value ?? existing.value),
          lastPeakWriteAt: this.now(),
        });
      }
      return;
    }
    this.open.set(metric, { id: opened.id, severity, peak: value, lastPeakWriteAt: this.now() });
    await this.startCooldown(metric, settings);
    this.log.warn('alert fired', { alertId: opened.id, metric, severity, value, threshold });
    this.outbox.kick();
  }

  private async changeSeverity(
    metric: MetricName,
    open: OpenAlert,
    severity: AlertSeverity,
    value: number,
    settings: ThresholdSettings,
    at: Date,
  ): Promise<void> {
    const threshold = thresholdFor(settings, severity);
    const changed = await this.db.transaction().execute(async (trx) => {
      const ok = await repo.changeSeverity(trx, open.id, { severity, threshold, at, peak: open.peak });
      if (ok) {
        await repo.insertEvent(
          trx,
          open.id,
          'metrics.alert.fired',
          payload(open.id, metric, value, threshold, severity, at),
        );
      }
      return ok;
    });
    if (!changed) {
      this.forget(metric, open);
      return;
    }
    this.log.warn('alert severity changed', {
      alertId: open.id,
      metric,
      from: open.severity,
      to: severity,
      value,
    });
    open.severity = severity;
    this.outbox.kick();
  }

  private async resolve(
    metric: MetricName,
    open: OpenAlert,
    value: number,
    at: Date,
    settings?: ThresholdSettings,
  ): Promise<void> {
    const current = settings ?? this.thresholds.get(metric);
    const threshold = current ? thresholdFor(current, open.severity) : 0;
    const resolved = await this.db.transaction().execute(async (trx) => {
      const ok = await repo.resolveAlert(trx, open.id, { at, value, peak: open.peak });
      if (ok) {
        await repo.insertEvent(
          trx,
          open.id,
          'metrics.alert.resolved',
          payload(open.id, metric, value, threshold, open.severity, at),
        );
      }
      return ok;
    });
    this.open.delete(metric);
    if (!resolved) return;
    if (current) await this.startCooldown(metric, current);
    this.log.info('alert resolved', { alertId: open.id, metric, severity: open.severity, value });
    this.outbox.kick();
  }

  private async resolveDisabled(): Promise<void> {
    for (const [metric, open] of [...this.open]) {
      const settings = this.thresholds.get(metric);
      if (settings?.enabled === false)
        await this.resolve(metric, open, open.peak, new Date(this.now()), settings);
    }
  }

  /** The row was resolved elsewhere (another replica, a manual fix): stop tracking it. */
  private forget(metric: MetricName, open: OpenAlert): void {
    this.log.warn('open alert was closed elsewhere', { alertId: open.id, metric });
    this.open.delete(metric);
  }

  private async raisePeak(open: OpenAlert, value: number): Promise<void> {
    open.peak = value;
    if (this.now() - open.lastPeakWriteAt < PEAK_WRITE_INTERVAL_MS) return;
    open.lastPeakWriteAt = this.now();
    await repo.recordPeak(this.db, open.id, value);
  }

  /** No new alert for the metric until `cooldownSeconds` after it last fired or resolved. */
  private async startCooldown(metric: MetricName, settings: ThresholdSettings): Promise<void> {
    if (settings.cooldownSeconds <= 0) {
      this.cooldownUntil.delete(metric);
      return;
    }
    const until = this.now() + settings.cooldownSeconds * 1000;
    this.cooldownUntil.set(metric, until);
    await this.redis
      .set(COOLDOWN_KEY(metric), String(until), 'PX', settings.cooldownSeconds * 1000)
      .catch((error: unknown) => this.log.warn('cannot store an alert cooldown in redis', errorMeta(error)));
  }

  /** From Redis; when Redis cannot answer, from the last alert times in Postgres (never forgotten). */
  private async loadCooldowns(): Promise<void> {
    const values = await this.redis.mget(...METRIC_NAMES.map(COOLDOWN_KEY)).catch((error: unknown) => {
      this.log.warn('cannot read alert cooldowns from redis, using alert_history', errorMeta(error));
      return undefined;
    });
    if (values) {
      METRIC_NAMES.forEach((metric, i) => {
        const until = Number(values[i]);
        if (Number.isFinite(until) && until > this.now()) this.cooldownUntil.set(metric, until);
      });
      return;
    }
    for (const { metric, at } of await repo.lastActivity(this.db)) {
      const seconds = this.thresholds.get(metric)?.cooldownSeconds ?? 0;
      const until = at.getTime() + seconds * 1000;
      if (until > this.now()) this.cooldownUntil.set(metric, until);
    }
  }

  private setCounters(metric: MetricName, counters: Counters): void {
    const before = this.counters.get(metric) ?? ZERO_COUNTERS;
    if (
      before.atOrAboveWarning !== counters.atOrAboveWarning ||
      before.atOrAboveCritical !== counters.atOrAboveCritical ||
      before.clearOfWarning !== counters.clearOfWarning ||
      before.clearOfCritical !== counters.clearOfCritical
    ) {
      this.countersDirty = true;
    }
    this.counters.set(metric, counters);
  }

  /** Counters are only worth keeping across a quick restart: older ones no longer count consecutive samples. */
  private staleAfterMs(): number {
    return Math.max(30_000, this.options.intervalMs * 3);
  }

  private async saveCounters(): Promise<void> {
    this.countersDirty = false;
    const state = JSON.stringify({ savedAt: this.now(), counters: Object.fromEntries(this.counters) });
    await this.redis
      .set(COUNTERS_KEY, state, 'PX', this.staleAfterMs())
      .catch((error: unknown) => this.log.warn('cannot store alert counters in redis', errorMeta(error)));
  }

  private async loadCounters(): Promise<void> {
    const raw = await this.redis.get(COUNTERS_KEY).catch(() => null);
    if (!raw) return;
    const parsed = savedCountersSchema.safeParse(safeJson(raw));
    if (!parsed.success || this.now() - parsed.data.savedAt > this.staleAfterMs()) return;
    for (const metric of METRIC_NAMES) {
      const counters = parsed.data.counters[metric];
      if (counters) this.counters.set(metric, counters);
    }
  }
}

function payload(
  alertId: number,
  metric: MetricName,
  value: number,
  threshold: number,
  severity: AlertSeverity,
  at: Date,
): {
  alertId: number;
  metric: MetricName;
  value: number;
  threshold: number;
  severity: AlertSeverity;
  at: string;
} {
  return {
    alertId,
    metric,
    value: round2(value),
    threshold: round2(threshold),
    severity,
    at: at.toISOString(),
  };
}

export type { AlertEventType };
