import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** What a safe cleanup may delete: rotated logs (`name.log.1`…), and old files in temp/update folders. */
export interface CleanupTargets {
  /** Folders whose rotated logs (`*.log.<n>`) go; the live `*.log` stays. */
  logDirs: readonly string[];
  /** Folders whose files older than `maxAgeMs` go (temp files, downloaded update packages). */
  oldFileDirs: readonly string[];
  maxAgeMs: number;
}

const ROTATED_LOG = /\.log\.\d+(\.gz)?$/;
/** Bounded: one cleanup never walks more than this many entries per folder. */
const MAX_ENTRIES = 10_000;

/**
 * Deletes only what is safe by construction (never user data: documents, databases and tables live
 * elsewhere and are never named here). Flat folders only, no recursion, no symlinks followed.
 */
export async function safeCleanup(
  targets: CleanupTargets,
  now = Date.now(),
): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const remove = async (path: string, size: number) => {
    await rm(path, { force: true });
    files += 1;
    bytes += size;
  };
  for (const dir of targets.logDirs) {
    for (const entry of (await readdir(dir, { withFileTypes: true }).catch(() => [])).slice(0, MAX_ENTRIES)) {
      if (!entry.isFile() || !ROTATED_LOG.test(entry.name)) continue;
      const path = join(dir, entry.name);
      await remove(path, (await stat(path)).size);
    }
  }
  for (const dir of targets.oldFileDirs) {
    for (const entry of (await readdir(dir, { withFileTypes: true }).catch(() => [])).slice(0, MAX_ENTRIES)) {
      if (!entry.isFile()) continue;
      const path = join(dir, entry.name);
      const info = await stat(path);
      if (now - info.mtimeMs > targets.maxAgeMs) await remove(path, info.size);
    }
  }
  return { files, bytes };
}
