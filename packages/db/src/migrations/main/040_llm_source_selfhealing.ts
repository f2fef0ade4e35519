/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * The self-healing agent's diagnosis assistant asks the local model through llm-queue like every other
 * caller, tagged `source = 'selfhealing'`. The source check of `llm_jobs` gains that value. It is appended
 * to whatever list the constraint holds when this runs, so values other migrations added are kept.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    DO $$
    DECLARE
      def text;
    BEGIN
      SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
        WHERE conname = 'llm_jobs_source_check' AND conrelid = 'llm_jobs'::regclass;
      IF def IS NULL THEN
        RAISE EXCEPTION 'llm_jobs_source_check is missing';
      END IF;
      IF position('''selfhealing''' IN def) = 0 THEN
        ALTER TABLE llm_jobs DROP CONSTRAINT llm_jobs_source_check;
        EXECUTE 'ALTER TABLE llm_jobs ADD CONSTRAINT llm_jobs_source_check '
          || regexp_replace(def, '\\]\\)::text\\[\\]', ', ''selfhealing''::character varying])::text[]');
      END IF;
    END
    $$
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DELETE FROM llm_jobs WHERE source = 'selfhealing'`.execute(db);
  await sql`ALTER TABLE llm_jobs DROP CONSTRAINT llm_jobs_source_check`.execute(db);
  await sql`
    ALTER TABLE llm_jobs ADD CONSTRAINT llm_jobs_source_check
    CHECK (source IN ('chat', 'rag', 'api', 'n8n', 'telegram', 'datentabellen', 'indexer'))
  `.execute(db);
}
