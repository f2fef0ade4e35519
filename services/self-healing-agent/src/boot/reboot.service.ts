import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import type { SelfHealingTrigger } from '@arasul/contracts/events/selfhealing';
import type { Database } from '@arasul/db';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import type { Healer } from '../healing/healer';
import type { HealingRecorder } from '../healing/healing.recorder';
import type { SettingsService } from '../settings/settings.service';
import { writeRebootRequest } from '../shared/host-request';

export interface RebootOptions {
  /** The host reboot, as argv (no shell): `systemctl reboot` on a native install. */
  command: readonly string[];
  /**
   * Docker mode: instead of running `command`, write a reboot request here (a directory shared with the
   * host, whose systemd path unit reboots it: infra/host/arasul-reboot-request.path).
   */
  requestFile?: string | undefined;
  /** At most one reboot in this long (the issue: an hour). */
  minIntervalMs: number;
  /** An update holds this file while it runs (native updates); see also `update_events`. */
  updateLockFile: string;
  /** An `update_events` row still pending/in progress after this long is a dead update, not a running one. */
  updateStaleMs: number;
  commandTimeoutMs: number;
}

export type RebootDecision = 'rebooted' | 'disabled' | 'too_soon' | 'update_in_progress' | 'failed';

/**
 * The top of the ladder: a critical incident the agent could not heal reboots the host — only when the
 * operator enabled it, at most once per `minIntervalMs`, never while an update runs, and only after the
 * state is saved (the current boot's `system_boot_events` row and a `reboot` record), so the next boot can
 * say why (`system.boot`).
 *
 * An update is "in progress" when `update_events` has a row in `pending`/`in_progress` that started less
 * than `updateStaleMs` ago, or when the update lock file exists (held by the update process while it
 * swaps files; removed when it ends).
 */
export class RebootService {
  private running = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly healer: Healer,
    private readonly settings: SettingsService,
    private readonly recorder: HealingRecorder,
    private readonly options: RebootOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async consider(incident: {
    service: string;
    reason: string;
    trigger: SelfHealingTrigger;
  }): Promise<RebootDecision> {
    if (this.running) return 'too_soon';
    this.running = true;
    try {
      return await this.decide(incident);
    } finally {
      this.running = false;
    }
  }

  private async decide(incident: {
    service: string;
    reason: string;
    trigger: SelfHealingTrigger;
  }): Promise<RebootDecision> {
    const skip = async (decision: RebootDecision, why: string): Promise<RebootDecision> => {
      await this.recorder.note(
        'skipped',
        'WARNING',
        incident.service,
        `no reboot: ${why}`,
        incident.trigger,
        {
          reboot: decision,
        },
      );
      return decision;
    };
    if (!this.settings.current().rebootEnabled)
      return skip('disabled', 'rebooting is off (SELF_HEALING_REBOOT_ENABLED / settings)');
    const since = new Date(this.now() - this.options.minIntervalMs);
    const recent = await this.db
      .selectFrom('self_healing_events')
      .select('timestamp')
      .where('action_taken', '=', 'reboot')
      .where('timestamp', '>', since)
      .limit(1)
      .executeTakeFirst();
    if (recent)
      return skip(
        'too_soon',
        `the box was rebooted at ${recent.timestamp.toISOString()} (at most one an hour)`,
      );
    if (await this.updateInProgress()) return skip('update_in_progress', 'an update is in progress');

    const reason = `${incident.service}: ${incident.reason}`.slice(0, 200);
    await this.saveState(reason);
    const eventId = await this.recorder.action({
      service: 'host',
      action: 'reboot',
      trigger: incident.trigger,
      reason,
      attempt: 1,
      outcome: 'succeeded',
      actor: 'agent',
      severity: 'CRITICAL',
      metadata:
        this.options.requestFile === undefined
          ? { command: this.options.command.join(' ') }
          : { requestFile: this.options.requestFile },
    });
    try {
      await this.run(reason);
      this.logger.warn('host reboot requested', { reason, eventId });
      return 'rebooted';
    } catch (error) {
      this.logger.error('host reboot command failed', errorMeta(error));
      await this.recorder.action({
        service: 'host',
        action: 'reboot',
        trigger: incident.trigger,
        reason: `${this.options.requestFile === undefined ? 'the reboot command failed' : 'the reboot request could not be written'}: ${error instanceof Error ? error.message : String(error)}`,
        attempt: 1,
        outcome: 'failed',
        actor: 'agent',
      });
      return 'failed';
    }
  }

  private async updateInProgress(): Promise<boolean> {
    const lock = await access(this.options.updateLockFile).then(
      () => true,
      () => false,
    );
    if (lock) return true;
    const running = await this.db
      .selectFrom('update_events')
      .select('id')
      .where('status', 'in', ['pending', 'in_progress'])
      .where('started_at', '>', new Date(this.now() - this.options.updateStaleMs))
      .limit(1)
      .executeTakeFirst();
    return running !== undefined;
  }

  /** On the current boot's row: when and why, and the services as they are now. */
  private async saveState(reason: string): Promise<void> {
    const services = this.healer.services().map((t) => ({
      name: t.svc.name,
      state: t.svc.state,
      health: this.healer.healthOf(t),
    }));
    const at = new Date(this.now());
    const current = await this.db
      .selectFrom('system_boot_events')
      .select('id')
      .orderBy('boot_timestamp', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (current) {
      await this.db
        .updateTable('system_boot_events')
        .set({
          shutdown_requested_at: at,
          shutdown_request_reason: reason,
          services_status_at_shutdown: JSON.stringify(services),
        })
        .where('id', '=', current.id)
        .execute();
    }
    // The "last sign of life" the next boot reads as the shutdown time.
    await this.db.updateTable('service_status_cache').set({ last_checked_at: at }).execute();
  }

  private async run(reason: string): Promise<void> {
    if (this.options.requestFile !== undefined) {
      await writeRebootRequest(this.options.requestFile, reason, new Date(this.now()));
      return;
    }
    const [file, ...args] = this.options.command;
    if (file === undefined) throw new Error('no reboot command configured');
    await promisify(execFile)(file, args, { timeout: this.options.commandTimeoutMs });
  }
}
