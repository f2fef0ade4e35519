/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import type { Kysely } from 'kysely';

/**
 * The self-healing agent saves the box's state on the current boot's row before it reboots the host:
 * when it asked for the reboot, why, and the services as they were. The next boot's row reads it back
 * (the reason of `system.boot`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('system_boot_events')
    .addColumn('shutdown_requested_at', 'timestamptz')
    .addColumn('shutdown_request_reason', 'varchar(200)')
    .addColumn('services_status_at_shutdown', 'jsonb')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('system_boot_events')
    .dropColumn('shutdown_requested_at')
    .dropColumn('shutdown_request_reason')
    .dropColumn('services_status_at_shutdown')
    .execute();
}
