/**
 * Provisioning against the real server with scratch role and database names: creates what is missing,
 * changes nothing on a second run, keeps each role to its own database, and refuses unsafe names.
 */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { sql } from 'kysely';
import type { ProvisionConfig } from '../src/config';
import { createDb, createPool } from '../src/connection';
import { dataMigrations } from '../src/migrations/data';
import { mainMigrations } from '../src/migrations/main';
import { assertSafeIdentifier, provision, revertAllMigrations } from '../src/provision';
import {
  ADMIN_URL,
  dropDatabases,
  dropRoles,
  uniqueName,
  urlFor,
  withAdmin,
} from './helpers/scratch-database';

const host = new URL(ADMIN_URL);
const mainRole = uniqueName('prov_main');
const dataRole = uniqueName('prov_data');
const config: ProvisionConfig = {
  adminUrl: ADMIN_URL,
  host: host.hostname,
  port: Number(host.port || 5432),
  main: { database: `${mainRole}_db`, user: mainRole, password: "main secret with 'quote' and \\ backslash" },
  data: { database: `${dataRole}_db`, user: dataRole, password: undefined },
};

afterAll(async () => {
  await dropDatabases(config.main.database, config.data.database);
  await dropRoles(mainRole, dataRole);
});

/** Connects as `user` to `database`; resolves to the SQLSTATE of a refused connection, or 'ok'. */
async function connectAs(user: string, database: string): Promise<string> {
  const db = createDb<unknown>(createPool({ connectionString: urlFor(database, user), max: 1 }));
  try {
    await sql`SELECT 1`.execute(db);
    return 'ok';
  } catch (error: unknown) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await db.destroy();
  }
}

/**
 * True if a stored SCRAM-SHA-256 verifier (pg_authid.rolpassword) was made from `password` (RFC 5802):
 * proves the password reached the server byte for byte, quotes and backslashes included.
 */
function scramVerifierMatches(verifier: string, password: string): boolean {
  const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):/.exec(verifier);
  if (match === null) return false;
  const [, iterations, salt, storedKey] = match as unknown as [string, string, string, string];
  const salted = pbkdf2Sync(password, Buffer.from(salt, 'base64'), Number(iterations), 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return createHash('sha256').update(clientKey).digest('base64') === storedKey;
}

describe('provision', () => {
  it('creates roles and databases, then applies both migration sets as the owning roles', async () => {
    const report = await provision(config);

    expect(report).toMatchObject({
      createdRoles: [mainRole, dataRole],
      createdDatabases: [config.main.database, config.data.database],
      applied: { main: Object.keys(mainMigrations), data: Object.keys(dataMigrations) },
      warnings: [],
    });
    const main = createDb<unknown>(createPool({ connectionString: urlFor(config.main.database), max: 1 }));
    const { rows } = await sql<{ owner: string }>`
      SELECT DISTINCT tableowner AS owner FROM pg_tables WHERE schemaname = 'public'`
      .execute(main)
      .finally(() => main.destroy());
    const owners = rows.map((row) => row.owner);
    expect(owners).toEqual([mainRole]);
  });

  it('changes nothing when run again', async () => {
    const report = await provision(config);

    expect(report).toMatchObject({
      createdRoles: [],
      createdDatabases: [],
      applied: { main: [], data: [] },
      warnings: [],
    });
  });

  it('creates login roles that are not superusers, with exactly the configured password', async () => {
    const roles = await withAdmin(async (admin) => {
      const { rows } = await sql<{
        rolname: string;
        rolsuper: boolean;
        rolcanlogin: boolean;
        rolpassword: string | null;
      }>`
        SELECT rolname, rolsuper, rolcanlogin, rolpassword
          FROM pg_authid WHERE rolname IN (${mainRole}, ${dataRole}) ORDER BY rolname = ${mainRole} DESC`.execute(
        admin,
      );
      return rows;
    });

    expect(roles.map(({ rolname, rolsuper, rolcanlogin }) => ({ rolname, rolsuper, rolcanlogin }))).toEqual([
      { rolname: mainRole, rolsuper: false, rolcanlogin: true },
      { rolname: dataRole, rolsuper: false, rolcanlogin: true },
    ]);
    expect(scramVerifierMatches(roles[0]?.rolpassword ?? '', config.main.password ?? '')).toBe(true);
    expect(scramVerifierMatches(roles[0]?.rolpassword ?? '', 'main secret with quote and backslash')).toBe(
      false,
    );
    expect(roles[1]?.rolpassword).toBeNull();
  });

  it('lets each role connect only to the databases it needs', async () => {
    const INSUFFICIENT_PRIVILEGE = '42501';
    expect(await connectAs(mainRole, config.main.database)).toBe('ok');
    expect(await connectAs(mainRole, config.data.database)).toBe('ok');
    expect(await connectAs(dataRole, config.data.database)).toBe('ok');
    expect(await connectAs(dataRole, config.main.database)).toBe(INSUFFICIENT_PRIVILEGE);
  });

  it('reverts every migration of both databases on request, keeping roles and databases', async () => {
    const { reverted } = await revertAllMigrations(config);

    expect(reverted).toEqual({
      main: Object.keys(mainMigrations).reverse(),
      data: Object.keys(dataMigrations).reverse(),
    });
    const again = await provision(config);
    expect(again.createdDatabases).toEqual([]);
    expect(again.applied.main).toEqual(Object.keys(mainMigrations));
  });

  it('refuses role and database names that are not plain identifiers, before touching the server', async () => {
    expect(() => assertSafeIdentifier('bad-name;drop', 'role name')).toThrow(
      'role name "bad-name;drop" is not a safe identifier',
    );
    for (const bad of ['bad-name;drop', 'Upper', '"quoted"', 'x'.repeat(64), '']) {
      expect(() => assertSafeIdentifier(bad, 'database name')).toThrow(/is not a safe identifier/);
    }
    expect(assertSafeIdentifier('arasul_data_db', 'database name')).toBe('arasul_data_db');

    await expect(
      provision({ ...config, data: { ...config.data, database: 'bad-name;drop' } }),
    ).rejects.toThrow('database name "bad-name;drop" is not a safe identifier');
    await expect(
      provision({ ...config, main: { ...config.main, user: 'x"; DROP ROLE postgres; --' } }),
    ).rejects.toThrow(/is not a safe identifier/);
  });
});
