/** The migrator: up, down to zero, up again; all-or-nothing failures that name the migration. */
import { type Kysely, sql } from 'kysely';
import { dataMigrations } from '../src/migrations/data';
import { mainMigrations } from '../src/migrations/main';
import { MigrationError, migrateDownToZero, migrateToLatest, type MigrationSet } from '../src/migrator';
import { createScratchDatabase, type ScratchDatabase } from './helpers/scratch-database';

const allMigrations: Record<MigrationSet, string[]> = {
  main: Object.keys(mainMigrations),
  data: Object.keys(dataMigrations),
};

/** Everything user-visible in the public schema except kysely's bookkeeping tables. */
async function schemaObjects(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT 'relation ' || c.relname AS name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public'
       AND c.relname NOT IN ('kysely_migration', 'kysely_migration_lock', 'kysely_migration_pkey',
                             'kysely_migration_lock_pkey')
    UNION ALL
    SELECT 'function ' || p.proname
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
    UNION ALL
    SELECT 'type ' || t.typname
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = 'public' AND t.typtype = 'e'
    ORDER BY 1`.execute(db);
  return rows.map((row) => row.name);
}

describe.each(['main', 'data'] as const)('the %s migrations', (set) => {
  let scratch: ScratchDatabase<unknown>;

  beforeAll(async () => {
    scratch = await createScratchDatabase(`migrations_${set}`);
  });
  afterAll(async () => {
    await scratch.drop();
  });

  it('apply in order, revert to an empty schema, and apply again', async () => {
    expect(await migrateToLatest(scratch.db, set)).toEqual({ applied: allMigrations[set] });
    expect(await migrateToLatest(scratch.db, set)).toEqual({ applied: [] });
    expect((await schemaObjects(scratch.db)).length).toBeGreaterThan(0);

    expect(await migrateDownToZero(scratch.db, set)).toEqual({ reverted: [...allMigrations[set]].reverse() });
    expect(await schemaObjects(scratch.db)).toEqual([]);

    expect(await migrateToLatest(scratch.db, set)).toEqual({ applied: allMigrations[set] });
  });
});

describe('a failing migration', () => {
  let scratch: ScratchDatabase<unknown>;

  beforeAll(async () => {
    scratch = await createScratchDatabase('migrations_failure');
  });
  afterAll(async () => {
    await scratch.drop();
  });

  it('is named in the error, and nothing of the run is left behind', async () => {
    // A stray table with a seed name makes 009_documents fail after 001–008 already ran in the same run.
    await sql`CREATE TABLE document_chunks (id integer)`.execute(scratch.db);

    const error: unknown = await migrateToLatest(scratch.db, 'main').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ set: 'main', migrationName: '009_documents' });
    expect((error as Error).message).toMatch(/^main migration 009_documents failed: .*document_chunks/);
    expect(await schemaObjects(scratch.db)).toEqual(['relation document_chunks']);
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM kysely_migration`.execute(scratch.db);
    expect(rows[0]?.n).toBe('0');
  });

  it('is reported when the data set is run against a database migrated with the main set', async () => {
    await sql`DROP TABLE document_chunks`.execute(scratch.db);
    await migrateToLatest(scratch.db, 'main');

    await expect(migrateToLatest(scratch.db, 'data')).rejects.toThrow(
      /could not apply the data migrations: .*001_metrics/,
    );
    expect(await schemaObjects(scratch.db)).not.toContain('relation dt_tables');
  });
});
