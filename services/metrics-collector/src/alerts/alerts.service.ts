import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { AlertDto, ThresholdDto, thresholdPatchSchema } from '@arasul/contracts/http/alerts';
import type { AlertThresholdUpdate, Database } from '@arasul/db';
import type { Identity } from '@arasul/service-kit/auth';
import type { Logger } from '@arasul/service-kit/logger';
import { METRIC_NAMES, type MetricName, unitOf } from '../sampling/sample';
import { AlertNotFoundError, ThresholdNotFoundError } from './alerts.errors';
import {
  type AlertRow,
  type HistoryQuery,
  type ThresholdRow,
  alertsRepository as repo,
} from './alerts.repository';
import { assertValidThresholds, toThresholdSettings } from './thresholds';

export type { AlertDto, ThresholdDto };
export type ThresholdPatch = z.output<typeof thresholdPatchSchema>;

const num = (value: string | null): number | null => (value === null ? null : Number(value));

export function toAlertDto(row: AlertRow): AlertDto {
  return {
    id: row.id,
    metric: row.metric_type,
    status: row.resolved_at ? 'resolved' : 'active',
    severity: row.severity,
    initialSeverity: row.initial_severity,
    value: Number(row.value),
    threshold: Number(row.threshold),
    peakValue: num(row.peak_value),
    resolvedValue: num(row.resolved_value),
    unit: unitOf(row.metric_type),
    triggeredAt: row.triggered_at.toISOString(),
    severityChangedAt: row.severity_changed_at?.toISOString() ?? null,
    resolvedAt: row.resolved_at?.toISOString() ?? null,
    notificationSent: row.notification_sent,
    acknowledged: row.acknowledged_at
      ? {
          at: row.acknowledged_at.toISOString(),
          by: { id: row.acknowledged_by, username: row.acknowledged_by_username },
        }
      : null,
  };
}

function toThresholdDto(row: ThresholdRow): ThresholdDto {
  return {
    metric: row.metric_type,
    displayName: row.display_name,
    unit: unitOf(row.metric_type),
    warningThreshold: Number(row.warning_threshold),
    criticalThreshold: Number(row.critical_threshold),
    enabled: row.enabled,
    cooldownSeconds: row.cooldown_seconds,
    forSamples: row.for_samples,
    clearDelta: Number(row.clear_delta),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Something that must learn about threshold changes at once (the evaluator of this process). */
export interface ThresholdListener {
  reloadThresholds(): Promise<void>;
}

/** The alert API: open alerts, history, acknowledgement and thresholds. */
export class AlertsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly listener: ThresholdListener,
    private readonly logger: Logger,
  ) {}

  async active(): Promise<AlertDto[]> {
    return (await repo.openAlerts(this.db)).map(toAlertDto);
  }

  async history(
    query: HistoryQuery,
  ): Promise<{ items: AlertDto[]; total: number; limit: number; offset: number }> {
    const { rows, total } = await repo.historyPage(this.db, query);
    return { items: rows.map(toAlertDto), total, limit: query.limit, offset: query.offset };
  }

  async acknowledge(id: number, by: Identity): Promise<AlertDto> {
    if (!(await repo.findAlert(this.db, id))) throw new AlertNotFoundError(id);
    await repo.acknowledge(this.db, id, by.userId);
    const row = await repo.findAlert(this.db, id);
    if (!row) throw new AlertNotFoundError(id);
    this.logger.info('alert acknowledged', { alertId: id, userId: by.userId, username: by.username });
    return toAlertDto(row);
  }

  async thresholds(): Promise<ThresholdDto[]> {
    const rows = await repo.thresholds(this.db);
    const order = (m: MetricName) => METRIC_NAMES.indexOf(m);
    return rows.sort((a, b) => order(a.metric_type) - order(b.metric_type)).map(toThresholdDto);
  }

  /** Applies a partial change after checking the merged result; the evaluator uses it from the next sample. */
  async updateThreshold(metric: MetricName, patch: ThresholdPatch, by: Identity): Promise<ThresholdDto> {
    const updated = await this.db.transaction().execute(async (trx) => {
      const current = await repo.thresholdForUpdate(trx, metric);
      if (!current) throw new ThresholdNotFoundError(metric);
      const merged = toThresholdSettings(current);
      if (patch.warningThreshold !== undefined) merged.warning = patch.warningThreshold;
      if (patch.criticalThreshold !== undefined) merged.critical = patch.criticalThreshold;
      if (patch.clearDelta !== undefined) merged.clearDelta = patch.clearDelta;
      assertValidThresholds(metric, merged);
      const changes: AlertThresholdUpdate = {};
      if (patch.warningThreshold !== undefined) changes.warning_threshold = patch.warningThreshold;
      if (patch.criticalThreshold !== undefined) changes.critical_threshold = patch.criticalThreshold;
      if (patch.enabled !== undefined) changes.enabled = patch.enabled;
      if (patch.cooldownSeconds !== undefined) changes.cooldown_seconds = patch.cooldownSeconds;
      if (patch.forSamples !== undefined) changes.for_samples = patch.forSamples;
      if (patch.clearDelta !== undefined) changes.clear_delta = patch.clearDelta;
      return repo.updateThreshold(trx, metric, changes);
    });
    if (!updated) throw new ThresholdNotFoundError(metric);
    await this.listener.reloadThresholds();
    this.logger.info('alert threshold changed', {
      metric,
      changes: patch,
      userId: by.userId,
      username: by.username,
    });
    return toThresholdDto(updated);
  }
}
