import { type Kysely, sql } from 'kysely';

/**
 * The `amqp_processed_messages` table (migration 029): one row per (consumer, envelope id) that consumer
 * has processed, written in the same transaction as the consumer's own changes.
 */

/**
 * Records `messageId` as processed by `consumer`; false when it already was. Call it first in the
 * transaction: a concurrent duplicate then waits on the primary key until this transaction ends, and
 * finds the row (skip) or, after a rollback, takes over.
 */
export async function claimMessage<DB>(
  trx: Kysely<DB>,
  consumer: string,
  messageId: string,
): Promise<boolean> {
  const inserted = await sql<{ message_id: string }>`
    INSERT INTO amqp_processed_messages (consumer, message_id)
    VALUES (${consumer}, ${messageId})
    ON CONFLICT DO NOTHING
    RETURNING message_id
  `.execute(trx);
  return inserted.rows.length > 0;
}

export interface PruneOptions {
  /** Markers older than this go; keep them longer than any redelivery can take (days, not minutes). */
  olderThan: Date;
  /** Only this consumer's markers (a service prunes what it owns). */
  consumer?: string;
  /** Rows per DELETE, so no statement holds locks for long. Default 1000. */
  batchSize?: number;
  /** Upper bound on statements per call; the next run continues. Default 100. */
  maxBatches?: number;
}

/** Retention for the idempotency markers, in bounded batches. Returns how many rows were deleted. */
export async function pruneProcessedMessages<DB>(db: Kysely<DB>, options: PruneOptions): Promise<number> {
  const batchSize = options.batchSize ?? 1_000;
  const maxBatches = options.maxBatches ?? 100;
  const byConsumer = options.consumer === undefined ? sql`` : sql`AND consumer = ${options.consumer}`;
  let deleted = 0;
  for (let batch = 0; batch < maxBatches; batch += 1) {
    const result = await sql`
      DELETE FROM amqp_processed_messages
      WHERE (consumer, message_id) IN (
        SELECT consumer, message_id FROM amqp_processed_messages
        WHERE processed_at < ${options.olderThan} ${byConsumer}
        LIMIT ${batchSize}
      )
    `.execute(db);
    const count = Number(result.numAffectedRows ?? 0n);
    deleted += count;
    if (count < batchSize) break;
  }
  return deleted;
}
