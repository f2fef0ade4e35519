import { useState, useCallback } from 'react';
import { AUDIT_ACTIONS } from '@arasul/contracts';
import { useApp } from '../../app/context';
import { useI18n } from '../../i18n/i18n';
import { Badge, Button, Card, ErrorNotice, Spinner } from '../../ui/components';
import { describeUserAgent } from './AccountTab';
import { useLoad } from '../../ui/hooks';
import { DataTable } from '../../ui/DataTable';

const PAGE_SIZE = 25;

function summarize(details: unknown): string {
  if (typeof details !== 'object' || details === null) return '';
  return Object.entries(details as Record<string, unknown>)
    .filter(([key]) => key !== 'status')
    .map(([key, value]) => {
      if (key === 'userAgent' && typeof value === 'string') return describeUserAgent(value);
      return `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`;
    })
    .join(', ');
}

export default function AuditTab() {
  const { api } = useApp();
  const i18n = useI18n();
  const { t } = i18n;
  const [action, setAction] = useState('');
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const logs = useLoad(
    useCallback(
      () =>
        api.auditLogs({
          limit: PAGE_SIZE,
          offset,
          ...(action ? { action } : {}),
          ...(status ? { status } : {}),
        }),
      [api, action, status, offset],
    ),
  );
  const page = logs.data;
  const total = page?.total ?? 0;

  return (
    <Card title={t('audit.title')}>
      <div className="filters">
        <label>
          <span>{t('audit.action')}</span>
          <select
            className="input"
            value={action}
            data-testid="audit-action"
            onChange={(e) => {
              setAction(e.target.value);
              setOffset(0);
            }}
          >
            <option value="">{t('audit.allActions')}</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {i18n.has(`audit.action.${a}`) ? i18n.tx(`audit.action.${a}`) : a}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('audit.outcome')}</span>
          <select
            className="input"
            value={status}
            onChange={(e) => {
              setStatus(e.target.value);
              setOffset(0);
            }}
          >
            <option value="">{t('audit.allOutcomes')}</option>
            <option value="success">{t('audit.success')}</option>
            <option value="failure">{t('audit.failure')}</option>
          </select>
        </label>
      </div>
      {logs.error !== undefined && <ErrorNotice error={logs.error} onRetry={logs.reload} />}
      {!page && logs.loading && <Spinner label={t('common.loading')} />}
      {page && (
        <>
          <DataTable
            testId="audit-log"
            label={t('audit.title')}
            rows={page.items}
            rowKey={(entry) => entry.id}
            empty={t('audit.none')}
            columns={[
              { key: 'time', header: t('audit.time'), cell: (entry) => i18n.dateTime(entry.createdAt) },
              { key: 'user', header: t('audit.user'), cell: (entry) => entry.username ?? '—' },
              {
                key: 'action',
                header: t('audit.action'),
                cell: (entry) =>
                  i18n.has(`audit.action.${entry.action}`)
                    ? i18n.tx(`audit.action.${entry.action}`)
                    : entry.action,
              },
              {
                key: 'outcome',
                header: t('audit.outcome'),
                cell: (entry) =>
                  entry.status === 'failure' ? (
                    <Badge tone="bad">{t('audit.failure')}</Badge>
                  ) : (
                    <Badge tone="ok">{t('audit.success')}</Badge>
                  ),
              },
              {
                key: 'details',
                header: t('audit.details'),
                className: 'small',
                cell: (entry) => summarize(entry.details),
              },
              { key: 'address', header: t('account.address'), cell: (entry) => entry.ipAddress ?? '—' },
            ]}
          />
          <div className="pager">
            <Button
              className="btn-small"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
            >
              {t('common.previous')}
            </Button>
            <span className="muted small">
              {t('audit.range', {
                from: total === 0 ? 0 : offset + 1,
                to: Math.min(offset + PAGE_SIZE, total),
                total,
              })}
            </span>
            <Button
              className="btn-small"
              disabled={offset + PAGE_SIZE >= total}
              onClick={() => setOffset(offset + PAGE_SIZE)}
            >
              {t('common.next')}
            </Button>
          </div>
        </>
      )}
    </Card>
  );
}
