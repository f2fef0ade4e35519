import { type SubmitEvent, useState, useCallback } from 'react';
import type { ThresholdDto } from '@arasul/contracts';
import { hasRole, useApp } from '../../app/context';
import { useI18n } from '../../i18n/i18n';
import { Button, Card, ErrorNotice, Notice } from '../../ui/components';
import { useLoad } from '../../ui/hooks';

function ThresholdRow({
  threshold,
  editable,
  onSaved,
}: {
  threshold: ThresholdDto;
  editable: boolean;
  onSaved: () => void;
}) {
  const { api } = useApp();
  const { t } = useI18n();
  const [warning, setWarning] = useState(String(threshold.warningThreshold));
  const [critical, setCritical] = useState(String(threshold.criticalThreshold));
  const [enabled, setEnabled] = useState(threshold.enabled);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const changed =
    Number(warning) !== threshold.warningThreshold ||
    Number(critical) !== threshold.criticalThreshold ||
    enabled !== threshold.enabled;

  const save = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      await api.updateThreshold(threshold.metric, {
        warningThreshold: Number(warning),
        criticalThreshold: Number(critical),
        enabled,
      });
      setSaved(true);
      onSaved();
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };

  const label = t(`metric.${threshold.metric}`);
  return (
    <form
      className="threshold-row"
      onSubmit={(e) => void save(e)}
      data-testid={`threshold-${threshold.metric}`}
    >
      <strong className="threshold-name">{label}</strong>
      <label className="check">
        <input
          type="checkbox"
          checked={enabled}
          disabled={!editable}
          onChange={(e) => setEnabled(e.target.checked)}
        />
        <span>{t('thresholds.enabled')}</span>
      </label>
      <label>
        <span>{t('severity.warning')}</span>
        <input
          className="input input-small"
          type="number"
          step="1"
          value={warning}
          disabled={!editable}
          onChange={(e) => setWarning(e.target.value)}
          aria-label={t('thresholds.warningOf', { metric: label })}
        />
        <span className="muted">{threshold.unit}</span>
      </label>
      <label>
        <span>{t('severity.critical')}</span>
        <input
          className="input input-small"
          type="number"
          step="1"
          value={critical}
          disabled={!editable}
          onChange={(e) => setCritical(e.target.value)}
          aria-label={t('thresholds.criticalOf', { metric: label })}
        />
        <span className="muted">{threshold.unit}</span>
      </label>
      {editable && (
        <Button type="submit" className="btn-small" busy={busy} disabled={!changed}>
          {t('common.save')}
        </Button>
      )}
      {saved && !changed && <span className="ok-text">{t('common.saved')}</span>}
      {error !== undefined && (
        <div className="threshold-error">
          <ErrorNotice error={error} />
        </div>
      )}
    </form>
  );
}

export default function ThresholdsTab() {
  const { api, user } = useApp();
  const { t } = useI18n();
  const thresholds = useLoad(useCallback(() => api.thresholds(), [api]));
  const editable = hasRole(user, 'operator');
  return (
    <Card title={t('thresholds.title')}>
      <p className="muted small">{t('thresholds.hint')}</p>
      {!editable && <Notice kind="info">{t('thresholds.readOnly')}</Notice>}
      {thresholds.error !== undefined && <ErrorNotice error={thresholds.error} onRetry={thresholds.reload} />}
      <div className="thresholds">
        {thresholds.data?.map((th) => (
          <ThresholdRow
            key={`${th.metric}:${th.updatedAt}`}
            threshold={th}
            editable={editable}
            onSaved={thresholds.reload}
          />
        ))}
      </div>
    </Card>
  );
}
