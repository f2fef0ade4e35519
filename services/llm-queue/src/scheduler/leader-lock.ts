import type pg from 'pg';
import { type Logger, errorMeta } from '@arasul/service-kit';

/** Session-level advisory lock: one scheduler per database; Postgres frees it when the holder dies. */
const LEADER_LOCK: [number, number] = [0x4c4c4d51, 1];

/**
 * The scheduler's leadership: one pooled connection holds a session advisory lock for as long as this
 * instance schedules. When that connection dies, `onLost` runs (another instance may take over, so nothing
 * may keep running here).
 */
export class LeaderLock {
  private client: pg.PoolClient | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
    private readonly onLost: () => void,
  ) {}

  get held(): boolean {
    return this.client !== null;
  }

  /** True when this instance holds (or just took) the lock. */
  async tryAcquire(): Promise<boolean> {
    if (this.client) return true;
    const client = await this.pool.connect();
    // Attached first: a connection that dies while we hold it must never become an unhandled 'error'.
    const onError = (error: unknown) => {
      if (this.client !== client) return;
      this.logger.error('lost the scheduler lock', errorMeta(error));
      this.release();
      this.onLost();
    };
    client.on('error', onError);
    let ok = false;
    try {
      const { rows } = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1, $2) AS ok',
        LEADER_LOCK,
      );
      ok = rows[0]?.ok === true;
    } finally {
      if (!ok) {
        client.off('error', onError);
        client.release();
      }
    }
    if (ok) this.client = client;
    return ok;
  }

  /** Closing the lock's connection frees the lock (never reused: it carries our error listener). */
  release(): void {
    const client = this.client;
    this.client = null;
    client?.release(true);
  }
}
