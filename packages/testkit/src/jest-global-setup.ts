import { dropLeftoverTestDatabases, prepareTemplates } from './database';

/** Runs once before every jest run: clear what a crashed run left, then build the migrated templates. */
export default async function globalSetup(): Promise<void> {
  await dropLeftoverTestDatabases();
  await prepareTemplates();
}
