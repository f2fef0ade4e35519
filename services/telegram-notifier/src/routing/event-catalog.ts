import type { Envelope } from '@arasul/contracts/envelope';
import { type EventType, eventSchemas, isEventType } from '@arasul/contracts/events';
import type { NotificationSeverityLevel } from '@arasul/contracts/http/notifications';

/** What the router needs to know about one event, whatever its type. */
export interface DescribedEvent {
  type: string;
  severity: NotificationSeverityLevel;
  /** What it is about (a service, a metric, a user …): cooldowns and resolve-pairing key on it. */
  subject: string;
  title: string;
  text: string;
  /** The seed's `event_category`. */
  category: string;
  /** Follow-ups within the grouping window are collected into one message. */
  groupable: boolean;
  /** A repeat for the same (type, subject) within the cooldown is not sent again. */
  cooldown: boolean;
  /** Answers the message of the event of this type with the same subject (a resolved alert). */
  answers?: string;
}

type Describer<K extends EventType> = (
  payload: ReturnType<(typeof eventSchemas)[K]['parse']>,
) => Omit<DescribedEvent, 'type'> | null;

/**
 * The one table from event payloads to notifications. `null` means "not worth a notification" (a document
 * that was indexed fine, a workflow that succeeded). A new event type is one entry here.
 */
const DESCRIBERS: { [K in EventType]?: Describer<K> } = {
  'metrics.alert.fired': (p) => ({
    severity: p.severity,
    subject: p.metric,
    title: `${p.metric.toUpperCase()} ${p.severity === 'critical' ? 'critical' : 'high'}: ${fmt(p.value)}`,
    text: `${p.metric} is at ${fmt(p.value)} (threshold ${fmt(p.threshold)})`,
    category: 'alert',
    groupable: true,
    cooldown: true,
  }),
  'metrics.alert.resolved': (p) => ({
    severity: 'info',
    subject: p.metric,
    title: `${p.metric.toUpperCase()} back to normal: ${fmt(p.value)}`,
    text: `${p.metric} is at ${fmt(p.value)} again (threshold ${fmt(p.threshold)})`,
    category: 'alert_resolved',
    groupable: false,
    cooldown: false,
    answers: 'metrics.alert.fired',
  }),
  'service.status.changed': (p) => {
    const down = ['exited', 'dead', 'stopped', 'restarting'].includes(p.status) || p.health === 'unhealthy';
    const recovered = p.status === 'running' && p.previousStatus !== null && p.previousStatus !== 'running';
    if (!down && !recovered) return null;
    return {
      severity: down ? (p.status === 'dead' || p.status === 'exited' ? 'critical' : 'warning') : 'info',
      subject: p.service,
      title: down ? `${p.service} is ${p.status}` : `${p.service} is running again`,
      text: p.reason ?? `${p.service}: ${p.previousStatus ?? 'new'} → ${p.status} (${p.health})`,
      category: 'status_change',
      groupable: true,
      cooldown: down,
    };
  },
  'selfhealing.action.taken': (p) => ({
    severity: p.outcome === 'failed' && p.severity === 'info' ? 'warning' : p.severity,
    subject: p.target,
    title: `${p.target}: ${p.action.replaceAll('_', ' ')} ${p.outcome}`,
    text: `${p.reason} (attempt ${p.attempt})`,
    category: 'self_healing',
    groupable: true,
    cooldown: false,
  }),
  'selfhealing.escalated': (p) => ({
    severity: p.severity,
    subject: p.target,
    title: `${p.target} needs attention`,
    text: `${p.reason} — ${p.attempts} attempts failed`,
    category: 'escalation',
    groupable: false,
    cooldown: true,
  }),
  'auth.account.locked': (p) => ({
    severity: 'warning',
    subject: p.username,
    title: `Account ${p.username} locked`,
    text: `${p.failedAttempts} failed logins${p.ip === undefined ? '' : ` from ${p.ip}`}; locked until ${p.lockedUntil}`,
    category: 'security',
    groupable: true,
    cooldown: true,
  }),
  'update.state.changed': (p) => {
    if (!['completed', 'failed', 'rolled_back', 'rolling_back'].includes(p.state)) return null;
    return {
      severity: p.state === 'completed' ? 'info' : p.state === 'failed' ? 'critical' : 'warning',
      subject: `${p.versionFrom}→${p.versionTo}`,
      title: `Update ${p.versionTo}: ${p.state.replaceAll('_', ' ')}`,
      text: p.error ?? `Update from ${p.versionFrom} to ${p.versionTo} is ${p.state.replaceAll('_', ' ')}`,
      category: 'update',
      groupable: false,
      cooldown: false,
    };
  },
  'document.status.changed': (p) =>
    p.status === 'failed'
      ? {
          severity: 'warning',
          subject: p.originalName,
          title: `Document could not be indexed: ${p.originalName}`,
          text: p.error ?? 'Indexing failed',
          category: 'failure',
          groupable: true,
          cooldown: false,
        }
      : null,
  'system.boot': (p) => ({
    severity: p.shutdownReason === null || p.shutdownReason === 'shutdown' ? 'info' : 'warning',
    subject: 'system',
    title: `Arasul started (version ${p.version})`,
    text:
      p.previousShutdownAt === null
        ? 'First start'
        : `Previous shutdown ${p.previousShutdownAt}${p.shutdownReason === null ? '' : ` (${p.shutdownReason})`}`,
    category: 'boot',
    groupable: false,
    cooldown: false,
  }),
  'workflow.activity': (p) =>
    p.status === 'error' || p.status === 'crashed'
      ? {
          severity: 'error',
          subject: p.workflowName,
          title: `Workflow ${p.workflowName} ${p.status === 'crashed' ? 'crashed' : 'failed'}`,
          text: p.error ?? 'n8n reported an error',
          category: 'failure',
          groupable: true,
          cooldown: true,
        }
      : null,
  'llm.job.finished': (p) =>
    p.outcome === 'failed'
      ? {
          severity: 'warning',
          subject: p.model,
          title: `LLM job failed (${p.model})`,
          text: p.error ?? 'The model produced no answer',
          category: 'failure',
          groupable: true,
          cooldown: true,
        }
      : null,
};

const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;

/**
 * Describes an envelope from the bus, or returns null when it is not a notification. Known types are
 * validated with their contract schema; anything else (an n8n webhook forwarded as an event, a type this
 * version does not know yet) counts when its payload carries a `severity`, and then reads `title`,
 * `message` and `subject` when present.
 */
export function describeEvent(envelope: Envelope<unknown>): DescribedEvent | null {
  const { type } = envelope;
  if (isEventType(type)) {
    const describer = DESCRIBERS[type] as Describer<typeof type> | undefined;
    if (!describer) return null;
    const parsed = eventSchemas[type].safeParse(envelope.payload);
    if (!parsed.success) return null;
    const described = (describer as (payload: unknown) => Omit<DescribedEvent, 'type'> | null)(parsed.data);
    return described ? { type, ...clip(described) } : null;
  }
  return describeGeneric(type, envelope.payload);
}

function describeGeneric(type: string, payload: unknown): DescribedEvent | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const record = payload as Record<string, unknown>;
  const severity = SEVERITIES.find((s) => s === record.severity);
  if (!severity) return null;
  const title = typeof record.title === 'string' ? record.title : type;
  const text = typeof record.message === 'string' ? record.message : '';
  const subject = typeof record.subject === 'string' ? record.subject : type;
  return {
    type,
    ...clip({
      severity,
      subject,
      title,
      text,
      category: 'custom',
      groupable: true,
      cooldown: true,
    }),
  };
}

function clip(d: Omit<DescribedEvent, 'type'>): Omit<DescribedEvent, 'type'> {
  return {
    ...d,
    subject: d.subject.slice(0, 200),
    title: d.title.slice(0, 255),
    text: d.text.slice(0, 3000),
  };
}

function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export function severityRank(severity: string): number {
  return Math.max(0, SEVERITIES.indexOf(severity as (typeof SEVERITIES)[number]));
}

/** The seed's notification_event_source enum for a rule or event type. */
export function eventSourceOf(type: string): 'system' | 'n8n' | 'services' | 'custom' {
  if (/^(metrics|system|update|auth|llm|document)\b/.test(type)) return 'system';
  if (/^(service|selfhealing)\b/.test(type)) return 'services';
  if (/^(workflow|n8n)\b/.test(type)) return 'n8n';
  return 'custom';
}
