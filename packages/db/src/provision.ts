import { type Kysely, sql } from 'kysely';
import { escapeLiteral } from 'pg';
import { IDENTIFIER_PATTERN, type DatabaseTarget, type ProvisionConfig } from './config';
import { createDb, createPool } from './connection';
import { describeError } from './describe-error';
import { type MigrationSet, migrateDownToZero, migrateToLatest } from './migrator';

export type { DatabaseTarget, ProvisionConfig } from './config';

export interface ProvisionReport {
  createdRoles: string[];
  createdDatabases: string[];
  applied: Record<MigrationSet, string[]>;
  /** Things that work but are not as intended (e.g. a role that is a superuser). */
  warnings: string[];
  elapsedMs: number;
}

const DUPLICATE_OBJECT = '42710';
const DUPLICATE_DATABASE = '42P04';
const APPLICATION_NAME = 'arasul-migrate';

/** Returns the name if it is a plain lower-case identifier, else throws. Defence in depth for DDL. */
export function assertSafeIdentifier(name: string, what: string): string {
  if (!IDENTIFIER_PATTERN.test(name)) {
    throw new Error(
      `${what} ${JSON.stringify(name)} is not a safe identifier (must match ${IDENTIFIER_PATTERN.source})`,
    );
  }
  return name;
}

/**
 * Brings a Postgres server to the state the platform needs, and changes nothing when it is already there:
 * creates the two login roles and the two databases (each owned by its role) when missing, limits who may
 * connect, then runs each migration set connected as the owning role, so the role owns what it creates.
 */
export async function provision(config: ProvisionConfig): Promise<ProvisionReport> {
  const started = performance.now();
  const targets = { main: config.main, data: config.data } as const;
  for (const target of Object.values(targets)) {
    assertSafeIdentifier(target.user, 'role name');
    assertSafeIdentifier(target.database, 'database name');
  }
  if (targets.main.database === targets.data.database) {
    throw new Error(`the main and data databases must differ (both are ${targets.main.database})`);
  }

  const report: ProvisionReport = {
    createdRoles: [],
    createdDatabases: [],
    applied: { main: [], data: [] },
    warnings: [],
    elapsedMs: 0,
  };

  const admin = createDb<unknown>(
    createPool({ connectionString: config.adminUrl, max: 1, application_name: APPLICATION_NAME }),
  );
  try {
    for (const target of uniqueRoles(targets.main, targets.data)) {
      await step(`ensuring role ${target.user}`, () => ensureRole(admin, target, report));
    }
    for (const target of [targets.main, targets.data]) {
      await step(`ensuring database ${target.database}`, () => ensureDatabase(admin, target, report));
    }
    await step('setting database privileges', () => restrictConnect(admin, targets.main, targets.data));
  } finally {
    await admin.destroy();
  }

  for (const set of ['main', 'data'] as const) {
    const target = targets[set];
    await step(`migrating ${target.database} as ${target.user}`, () =>
      withDatabase(config, target, async (db) => {
        report.applied[set] = (await migrateToLatest(db, set)).applied;
      }),
    );
  }

  report.elapsedMs = Math.round(performance.now() - started);
  return report;
}

/** Reverts every migration of both databases (data first), keeping roles and databases. For developers. */
export async function revertAllMigrations(
  config: ProvisionConfig,
): Promise<{ reverted: Record<MigrationSet, string[]>; elapsedMs: number }> {
  const started = performance.now();
  const reverted: Record<MigrationSet, string[]> = { main: [], data: [] };
  for (const set of ['data', 'main'] as const) {
    const target = config[set];
    await step(`reverting ${target.database} as ${target.user}`, () =>
      withDatabase(config, target, async (db) => {
        reverted[set] = (await migrateDownToZero(db, set)).reverted;
      }),
    );
  }
  return { reverted, elapsedMs: Math.round(performance.now() - started) };
}

function uniqueRoles(...targets: DatabaseTarget[]): DatabaseTarget[] {
  return targets.filter((target, index) => targets.findIndex((t) => t.user === target.user) === index);
}

async function ensureRole(
  admin: Kysely<unknown>,
  target: DatabaseTarget,
  report: ProvisionReport,
): Promise<void> {
  const role = sql.id(assertSafeIdentifier(target.user, 'role name'));
  // CREATE/ALTER ROLE cannot take a bind parameter for the password; escapeLiteral makes it a safe literal.
  const passwordClause =
    target.password === undefined ? sql`` : sql` PASSWORD ${sql.raw(escapeLiteral(target.password))}`;

  const existing = await findRole(admin, target.user);
  if (existing === undefined) {
    try {
      await sql`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE${passwordClause}`.execute(
        admin,
      );
      report.createdRoles.push(target.user);
      return;
    } catch (error: unknown) {
      // Another provisioner created it between our check and our CREATE: fall through to "exists".
      if (pgErrorCode(error) !== DUPLICATE_OBJECT) throw error;
    }
  }
  // Keep the stored password equal to the configured one, so a changed secret takes effect on the next
  // migrate. Setting the same password again changes nothing a client can notice.
  if (target.password !== undefined) {
    await sql`ALTER ROLE ${role}${passwordClause}`.execute(admin);
  }
  if ((existing ?? (await findRole(admin, target.user)))?.rolsuper === true) {
    report.warnings.push(
      `role ${target.user} is a superuser; the services should use a role without superuser`,
    );
  }
}

async function findRole(admin: Kysely<unknown>, name: string): Promise<{ rolsuper: boolean } | undefined> {
  const { rows } = await sql<{ rolsuper: boolean }>`
    SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = ${name}
  `.execute(admin);
  return rows[0];
}

async function ensureDatabase(
  admin: Kysely<unknown>,
  target: DatabaseTarget,
  report: ProvisionReport,
): Promise<void> {
  const database = assertSafeIdentifier(target.database, 'database name');
  const owner = assertSafeIdentifier(target.user, 'role name');
  const existing = await findDatabaseOwner(admin, database);
  if (existing === undefined) {
    try {
      await sql`CREATE DATABASE ${sql.id(database)} OWNER ${sql.id(owner)}`.execute(admin);
      report.createdDatabases.push(database);
      return;
    } catch (error: unknown) {
      if (pgErrorCode(error) !== DUPLICATE_DATABASE) throw error;
    }
  }
  const actualOwner = existing ?? (await findDatabaseOwner(admin, database));
  if (actualOwner !== owner) {
    report.warnings.push(`database ${database} is owned by ${actualOwner ?? 'nobody'}, not by ${owner}`);
  }
}

async function findDatabaseOwner(admin: Kysely<unknown>, name: string): Promise<string | undefined> {
  const { rows } = await sql<{ owner: string }>`
    SELECT pg_catalog.pg_get_userbyid(datdba) AS owner FROM pg_catalog.pg_database WHERE datname = ${name}
  `.execute(admin);
  return rows[0]?.owner;
}

/**
 * Least privilege: by default every role may connect to every new database. Only the owner may connect
 * to its database, plus the main role to the data database (the datentabellen service reads it with the
 * main credentials too). GRANT/REVOKE are idempotent, so this runs every time.
 */
async function restrictConnect(
  admin: Kysely<unknown>,
  main: DatabaseTarget,
  data: DatabaseTarget,
): Promise<void> {
  for (const target of [main, data]) {
    await sql`REVOKE CONNECT, TEMPORARY ON DATABASE ${sql.id(target.database)} FROM PUBLIC`.execute(admin);
  }
  await sql`GRANT CONNECT ON DATABASE ${sql.id(data.database)} TO ${sql.id(main.user)}`.execute(admin);
}

async function withDatabase(
  config: ProvisionConfig,
  target: DatabaseTarget,
  use: (db: Kysely<unknown>) => Promise<void>,
): Promise<void> {
  const db = createDb<unknown>(
    createPool({
      connectionString: connectionString(config.host, config.port, target),
      max: 1,
      application_name: APPLICATION_NAME,
    }),
  );
  try {
    await use(db);
  } finally {
    await db.destroy();
  }
}

/** A postgres:// URL for the target; URL setters percent-encode the user and password. */
export function connectionString(host: string, port: number, target: DatabaseTarget): string {
  const url = new URL('postgres://localhost');
  // A host starting with "/" is a Unix socket directory, which only fits in the query string.
  if (host.startsWith('/')) url.searchParams.set('host', host);
  else url.hostname = host;
  url.port = String(port);
  url.username = target.user;
  if (target.password !== undefined) url.password = target.password;
  url.pathname = `/${target.database}`;
  return url.toString();
}

/** Runs one provisioning step; on failure names the step, so the CLI can print a one-line reason. */
async function step(label: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error: unknown) {
    throw new Error(`${label}: ${describeError(error)}`, { cause: error });
  }
}

function pgErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}
