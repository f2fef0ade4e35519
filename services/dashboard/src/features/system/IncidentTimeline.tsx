import type { SelfHealingEvent } from '@arasul/contracts';
import { useI18n } from '../../i18n/i18n';
import { Badge } from '../../ui/components';

const TONE = { INFO: 'info', WARNING: 'warn', CRITICAL: 'bad' } as const;

/** Every detection, decision, action and outcome of the agent, newest first. */
export function IncidentTimeline({ events }: { events: SelfHealingEvent[] }) {
  const i18n = useI18n();
  const { t, tx } = i18n;
  if (events.length === 0) return <p className="muted">{t('system.noIncidents')}</p>;
  return (
    <ol className="incident-list" data-testid="incidents" tabIndex={0} aria-label={t('system.incidents')}>
      {events.map((e) => (
        <li key={e.id} className="incident" data-type={e.eventType} data-service={e.service ?? ''}>
          <div className="incident-head">
            <Badge tone={TONE[e.severity]}>{tx(`system.event.${e.eventType}`)}</Badge>
            {e.service && <strong>{e.service}</strong>}
            <time className="muted" dateTime={e.timestamp} title={i18n.dateTime(e.timestamp)}>
              {i18n.time(e.timestamp)}
            </time>
          </div>
          <p className="incident-text">
            {e.description}
            {e.actionTaken && (
              <span className="muted">
                {' '}
                · {tx(`system.action.${e.actionTaken}`)}
                {e.outcome === 'failed' ? ` (${t('system.failed')})` : ''}
              </span>
            )}
          </p>
        </li>
      ))}
    </ol>
  );
}
