import type { Redis } from 'ioredis';
import { UnavailableError } from '@arasul/service-kit/errors';
import type { SnapshotDto } from '../sampling/sample';
import { LATEST_KEY } from './live.keys';
import { NoSampleYetError } from '../metrics/metrics.errors';

/** The latest snapshot, straight from Redis: answering "what is it now" never touches Postgres. */
export class LiveService {
  constructor(private readonly redis: Redis) {}

  /** The snapshot JSON as stored (the SSE hub sends it as is), or null when there is none. */
  async latestJson(): Promise<string | null> {
    return this.redis.get(LATEST_KEY).catch((error: unknown) => {
      throw new UnavailableError('Live metrics are unavailable (Redis).', 'live_metrics_unavailable', {
        cause: error,
      });
    });
  }

  async latest(): Promise<SnapshotDto> {
    const json = await this.latestJson();
    if (json === null) throw new NoSampleYetError();
    return JSON.parse(json) as SnapshotDto;
  }
}
