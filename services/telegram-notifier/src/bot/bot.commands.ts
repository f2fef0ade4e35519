import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import type { Identity } from '@arasul/service-kit/auth';
import type { Logger } from '@arasul/service-kit/logger';
import { lastSentTitles, openAlertTitles, outboxCounts } from './bot.repository';
import { PlatformCallError, type PlatformClient } from './platform.client';

export const HELP = [
  'Arasul bot commands:',
  '/status – open alerts and pending notifications',
  '/alerts – the last notifications',
  '/metrics – CPU, RAM, disk, temperature now',
  '/services – the state of every service',
  '/ack <id> – acknowledge an alert',
  '/restart <service> – restart a service (admins; asks first)',
  '/ask <question> – ask the local AI',
  '/docs <question> – answer from the documents, with sources',
  '/help – this list',
].join('\n');

/** Answers the commands that reply with one text (no confirmation, no streaming). */
export class BotCommands {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly platform: PlatformClient,
    private readonly logger: Logger,
  ) {}

  async answer(command: string, args: string[], who: Identity | undefined): Promise<string> {
    switch (command) {
      case '/status':
        return this.status();
      case '/alerts': {
        const rows = await lastSentTitles(this.db);
        return rows.length === 0
          ? 'No notifications yet.'
          : rows.map((r) => `• ${r.title} (${r.severity})`).join('\n');
      }
      case '/metrics':
        return this.withUser(who, (user) => this.metrics(user));
      case '/services':
        return this.withUser(who, (user) => this.services(user));
      case '/ack':
        return this.withUser(who, (user) => this.acknowledge(user, args[0]));
      case '/help':
      case '/start':
        return HELP;
      default:
        return `Unknown command ${command.slice(0, 32)}.\n${HELP}`;
    }
  }

  private async status(): Promise<string> {
    const [open, counts] = await Promise.all([openAlertTitles(this.db), outboxCounts(this.db)]);
    const alerts = open.length === 0 ? 'No open alerts.' : open.map((a) => `• ${a.title}`).join('\n');
    return `${alerts}\nNotifications pending: ${counts.pending}, failed: ${counts.failed}`;
  }

  private async metrics(who: Identity): Promise<string> {
    const s = await this.platform.metricsSnapshot(who);
    const pct = (v: number | null) => (v === null ? '–' : `${v.toFixed(1)} %`);
    const lines = [
      `CPU ${pct(s.cpu)}`,
      `RAM ${pct(s.ram)}`,
      `Swap ${pct(s.swap)}`,
      `GPU ${pct(s.gpu)}`,
      `Temperature ${s.temperature === null ? '–' : `${s.temperature.toFixed(1)} °C`}`,
      `Disk ${s.disk === null ? '–' : `${s.disk.percent.toFixed(1)} % (${gb(s.disk.free)} free)`}`,
    ];
    return `📊 Metrics at ${s.timestamp.slice(11, 19)} UTC\n${lines.join('\n')}`;
  }

  private async services(who: Identity): Promise<string> {
    const status = await this.platform.services(who);
    if (status.services.length === 0) return 'No services are watched.';
    const icon = (state: string, health: string) =>
      state === 'running' && health !== 'unhealthy' ? '✅' : state === 'running' ? '⚠️' : '❌';
    const lines = status.services.map(
      (s) =>
        `${icon(s.state, s.health)} ${s.name}: ${s.state}${s.health === 'none' ? '' : ` (${s.health})`}${s.quarantine ? ' – quarantined' : ''}`,
    );
    const runtime = status.runtimeConnected ? '' : '\n(the self-healing agent does not reach its runtime)';
    return `${lines.join('\n')}${runtime}`;
  }

  private async acknowledge(who: Identity, arg: string | undefined): Promise<string> {
    const id = Number(arg);
    if (arg === undefined || !/^\d{1,9}$/.test(arg) || id <= 0) return 'Usage: /ack <alert id>';
    try {
      const alert = await this.platform.acknowledgeAlert(who, id);
      this.logger.info('alert acknowledged from telegram', { alertId: id, userId: who.userId });
      return `✔️ Alert ${String(alert.id)} (${alert.metric.toUpperCase()} ${alert.severity}) acknowledged by ${who.username}.`;
    } catch (error) {
      if (error instanceof PlatformCallError && error.status === 404)
        return `There is no alert ${String(id)}.`;
      if (error instanceof PlatformCallError && error.status === 403)
        return 'Your account may not acknowledge alerts.';
      throw error;
    }
  }

  private async withUser(
    who: Identity | undefined,
    run: (who: Identity) => Promise<string>,
  ): Promise<string> {
    if (!who)
      return 'This chat is not linked to an active Arasul account; an administrator can link it again.';
    try {
      return await run(who);
    } catch (error) {
      this.logger.warn('telegram command failed', {
        error: error instanceof Error ? error.message : 'failed',
        code: error instanceof PlatformCallError ? error.code : undefined,
      });
      return 'Sorry, that is not available right now.';
    }
  }
}

function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(1)} GB`;
}
