/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Idempotent AMQP consumers: one row per (consumer, envelope id) written in the same transaction as the
 * consumer's own changes, so a redelivered message is recognised and skipped. Rows are only needed for as
 * long as a duplicate can still arrive; the index on processed_at lets the owner delete old ones in batches.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('amqp_processed_messages')
    .addColumn('consumer', 'varchar(100)', (col) => col.notNull())
    .addColumn('message_id', 'uuid', (col) => col.notNull())
    .addColumn('processed_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('amqp_processed_messages_pkey', ['consumer', 'message_id'])
    .execute();
  await db.schema
    .createIndex('idx_amqp_processed_messages_processed_at')
    .on('amqp_processed_messages')
    .column('processed_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('amqp_processed_messages').execute();
}
