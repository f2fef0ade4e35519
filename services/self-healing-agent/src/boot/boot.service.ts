import { uptime } from 'node:os';
import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import type { EventPublisher } from '../healing/healing.recorder';

/** Two boot times closer than this are the same boot (the clock and uptime rounding drift a little). */
const SAME_BOOT_MS = 120_000;

export interface BootRecorderOptions {
  /** When the host booted; `now - os.uptime()` unless a test says otherwise. */
  bootedAt?: () => Date;
  version: string;
}

/**
 * Records each boot of the box once in `system_boot_events` and publishes `system.boot` with the reason of
 * the shutdown before it (the agent's own planned reboot, else unknown) and how long the box ran before.
 */
export class BootRecorder {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly bus: EventPublisher,
    private readonly logger: Logger,
    private readonly options: BootRecorderOptions,
  ) {}

  /** Returns the new row id, or `null` when this boot was already recorded (an agent restart). */
  async recordIfNew(servicesAtBoot: unknown): Promise<number | null> {
    const bootedAt = this.options.bootedAt?.() ?? new Date(Date.now() - uptime() * 1000);
    const previous = await this.db
      .selectFrom('system_boot_events')
      .select(['id', 'boot_timestamp', 'shutdown_requested_at', 'shutdown_request_reason'])
      .orderBy('boot_timestamp', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (previous && Math.abs(previous.boot_timestamp.getTime() - bootedAt.getTime()) < SAME_BOOT_MS)
      return null;

    // The last sign of life before this boot: the newest status check of the agent.
    const lastSeen = await this.db
      .selectFrom('service_status_cache')
      .select((eb) => eb.fn.max('last_checked_at').as('at'))
      .where('last_checked_at', '<', bootedAt)
      .executeTakeFirst();
    const planned = await this.db
      .selectFrom('self_healing_events')
      .select(['description', 'timestamp'])
      .where('action_taken', '=', 'reboot')
      .where('timestamp', '<', bootedAt)
      .where('timestamp', '>', previous?.boot_timestamp ?? new Date(0))
      .orderBy('timestamp', 'desc')
      .limit(1)
      .executeTakeFirst();
    // The agent's own reboot saved when and why on the previous boot's row (RebootService).
    const requested = previous?.shutdown_request_reason ?? null;
    const shutdownAt = previous?.shutdown_requested_at ?? lastSeen?.at ?? null;
    const uptimeBefore =
      previous && shutdownAt
        ? Math.max(0, Math.round((shutdownAt.getTime() - previous.boot_timestamp.getTime()) / 1000))
        : null;
    const reason = requested
      ? `self-healing reboot: ${requested}`.slice(0, 100)
      : planned
        ? `self-healing reboot: ${planned.description}`.slice(0, 100)
        : previous
          ? 'unknown'
          : null;
    const row = await this.db
      .insertInto('system_boot_events')
      .values({
        boot_timestamp: bootedAt,
        previous_shutdown_timestamp: shutdownAt,
        shutdown_reason: reason,
        uptime_before_shutdown_seconds: uptimeBefore,
        services_status_at_boot: JSON.stringify(servicesAtBoot),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    try {
      await this.bus.publish('system.boot', {
        bootedAt: bootedAt.toISOString(),
        version: this.options.version,
        previousShutdownAt: shutdownAt?.toISOString() ?? null,
        shutdownReason: reason,
        uptimeBeforeShutdownSeconds: uptimeBefore,
        bootEventId: row.id,
        rebootedBySelfHealing: requested !== null || planned !== undefined,
      });
      await this.db
        .updateTable('system_boot_events')
        .set({ notification_sent: true })
        .where('id', '=', row.id)
        .execute();
    } catch (error) {
      this.logger.warn('could not publish system.boot (the boot is recorded)', errorMeta(error));
    }
    this.logger.info('boot recorded', { bootEventId: row.id, bootedAt: bootedAt.toISOString(), reason });
    return row.id;
  }
}
