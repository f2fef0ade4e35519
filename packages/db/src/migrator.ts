/* eslint-disable @typescript-eslint/no-explicit-any -- the migrator works on any schema state, so it takes Kysely<any> like the migrations */
import { type Kysely, type MigrationResult, type Migration, Migrator, NO_MIGRATIONS } from 'kysely';
import { describeError } from './describe-error';
import { dataMigrations } from './migrations/data';
import { mainMigrations } from './migrations/main';

/** Which database a migration set belongs to: 'main' → arasul_db, 'data' → arasul_data_db. */
export type MigrationSet = 'main' | 'data';

const migrationSets: Record<MigrationSet, Record<string, Migration>> = {
  main: mainMigrations,
  data: dataMigrations,
};

/** A migration run that failed; names the migration (when one failed) and carries the database error as cause. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';

  constructor(
    message: string,
    readonly set: MigrationSet,
    readonly migrationName: string | undefined,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Both sets keep kysely's default bookkeeping tables. They live in separate databases, and sharing the
 * name means running the wrong set against a database fails loudly (kysely reports the applied
 * migrations of the other set as missing) instead of creating the other set's tables there.
 */
export function createMigrator(db: Kysely<any>, set: MigrationSet): Migrator {
  const migrations = migrationSets[set];
  return new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } });
}

/** Applies every pending migration of the set in one transaction; all or nothing. */
export async function migrateToLatest(db: Kysely<any>, set: MigrationSet): Promise<{ applied: string[] }> {
  const { error, results } = await createMigrator(db, set).migrateToLatest();
  if (error !== undefined) throw toMigrationError(error, set, results, 'apply');
  return { applied: succeeded(results) };
}

/** Reverts every applied migration of the set, newest first. For developers and tests. */
export async function migrateDownToZero(db: Kysely<any>, set: MigrationSet): Promise<{ reverted: string[] }> {
  const { error, results } = await createMigrator(db, set).migrateTo(NO_MIGRATIONS);
  if (error !== undefined) throw toMigrationError(error, set, results, 'revert');
  return { reverted: succeeded(results) };
}

function succeeded(results: MigrationResult[] | undefined): string[] {
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

function toMigrationError(
  error: unknown,
  set: MigrationSet,
  results: MigrationResult[] | undefined,
  action: 'apply' | 'revert',
): MigrationError {
  const failed = results?.find((r) => r.status === 'Error')?.migrationName;
  const reason = describeError(error);
  const message =
    failed === undefined
      ? `could not ${action} the ${set} migrations: ${reason}`
      : `${set} migration ${failed} failed: ${reason}`;
  return new MigrationError(message, set, failed, { cause: error });
}

// The package API names this module as the home of the pool helpers too.
export { createPool, createDb, type CreatePoolOptions } from './connection';
