/**
 * The static migration maps list every migration file, in order, under its file name. A migration file
 * that is not registered would silently never run.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dataMigrations } from '../src/migrations/data';
import { mainMigrations } from '../src/migrations/main';

const migrationsDir = join(__dirname, '..', 'src', 'migrations');

function migrationFiles(set: string): string[] {
  return readdirSync(join(migrationsDir, set))
    .filter((file) => /^\d{3}_[a-z0-9_]+\.ts$/.test(file))
    .map((file) => file.replace(/\.ts$/, ''))
    .sort();
}

describe.each([
  ['main', mainMigrations],
  ['data', dataMigrations],
] as const)('the %s migration map', (set, migrations) => {
  it('lists every migration file of its folder, in file-name order', () => {
    expect(Object.keys(migrations)).toEqual(migrationFiles(set));
  });

  it('holds no other files than migrations and the index', () => {
    const others = readdirSync(join(migrationsDir, set)).filter(
      (file) => file !== 'index.ts' && !/^\d{3}_[a-z0-9_]+\.ts$/.test(file),
    );
    expect(others).toEqual([]);
  });

  it('gives every migration an up and a down', () => {
    const incomplete = Object.entries(migrations)
      .filter(([, migration]) => typeof migration.up !== 'function' || typeof migration.down !== 'function')
      .map(([name]) => name);
    expect(incomplete).toEqual([]);
  });
});

it('the main map starts with the seed topics, numbered as in the seed (001–027, gaps included)', () => {
  const seedTopics = [
    '001',
    '002',
    '003',
    '004',
    '005',
    '006',
    '007',
    '008',
    '009',
    '010',
    '011',
    '013',
    '017',
    '018',
    '019',
    '020',
    '021',
    '022',
    '023',
    '024',
    '027',
  ];
  expect(
    Object.keys(mainMigrations)
      .map((name) => name.slice(0, 3))
      .slice(0, seedTopics.length),
  ).toEqual(seedTopics);
});
