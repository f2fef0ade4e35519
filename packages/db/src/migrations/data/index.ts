import type { Migration } from 'kysely';
import * as m001 from './001_meta_schema';
import * as m002 from './002_quotes_schema';

/**
 * The migrations of arasul_data_db, keyed by file name. A static map rather than a directory scan so the
 * same code runs from TypeScript sources (jest) and from dist (production).
 */
export const dataMigrations: Record<string, Migration> = {
  '001_meta_schema': m001,
  '002_quotes_schema': m002,
};
