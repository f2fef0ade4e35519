/** Redis names of the live metrics, relative to REDIS_KEY_PREFIX. */
export const LATEST_KEY = 'metrics:latest';
/** Pub/sub channel of every sample. Channels are not prefixed by ioredis, so callers add the prefix. */
export const SAMPLES_CHANNEL = 'metrics:samples';

export function samplesChannel(keyPrefix: string): string {
  return `${keyPrefix}${SAMPLES_CHANNEL}`;
}
