import type { NotificationEvent } from '@arasul/db';

const ICON: Record<string, string> = { info: 'ℹ️', warning: '⚠️', error: '❗', critical: '🚨' };
const MAX_LISTED = 10;

export function formatMessage(row: Pick<NotificationEvent, 'severity' | 'title' | 'message'>): string {
  const body = row.message === null || row.message === '' ? '' : `\n${row.message}`;
  return `${ICON[row.severity] ?? ''} ${row.title}${body}`.slice(0, 4000);
}

/** "3 more: a, b, c" — the follow-up of a group, naming what it collected. */
export function formatGroupMessage(rows: Pick<NotificationEvent, 'severity' | 'title'>[]): string {
  const worst = rows.some((r) => r.severity === 'critical')
    ? 'critical'
    : rows.some((r) => r.severity === 'error')
      ? 'error'
      : rows.some((r) => r.severity === 'warning')
        ? 'warning'
        : 'info';
  const listed = rows.slice(0, MAX_LISTED).map((r) => `• ${r.title}`);
  const rest = rows.length > MAX_LISTED ? [`… and ${String(rows.length - MAX_LISTED)} more`] : [];
  return `${ICON[worst] ?? ''} ${String(rows.length)} more:\n${[...listed, ...rest].join('\n')}`.slice(
    0,
    4000,
  );
}
