import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteByPrefix } from '@arasul/service-kit';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test file uses, so files share one Redis without seeing each other's keys. */
export function createTestRedisPrefix(): string {
  return `t:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Removes every key a test file wrote under its prefix. */
export async function cleanupRedisPrefix(prefix: string): Promise<number> {
  const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    return await deleteByPrefix(client, prefix);
  } finally {
    client.disconnect();
  }
}
