import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Node flags a bench starts a built service with: its manifest's `nodeFlags` (what the supervisor
 * passes), or BENCH_NODE_FLAGS (space-separated) instead, to compare variants.
 */
export function serviceNodeFlags(service: string): string[] {
  const override = process.env.BENCH_NODE_FLAGS;
  if (override !== undefined) return override.split(' ').filter(Boolean);
  const manifest = JSON.parse(
    readFileSync(join(__dirname, '..', 'services', service, 'package.json'), 'utf8'),
  ) as { arasul: { nodeFlags?: string[] } };
  return manifest.arasul.nodeFlags ?? [];
}
