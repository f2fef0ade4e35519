import { dropLeftoverTestDatabases } from './database';

/** Test files drop their own databases; this catches the ones a failed file could not. */
export default async function globalTeardown(): Promise<void> {
  await dropLeftoverTestDatabases();
}
