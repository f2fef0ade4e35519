import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database } from '@arasul/db';
import type { MetricName } from '../sampling/sample';
import { RAW_TABLES } from './raw-tables';

type Db = Kysely<Database> | Transaction<Database>;

export interface PercentRow {
  timestamp: Date;
  value: number;
}

export interface DiskRow {
  timestamp: Date;
  used: number;
  free: number;
  percent: number;
}

export interface SampleRows {
  cpu: PercentRow[];
  ram: PercentRow[];
  swap: PercentRow[];
  gpu: PercentRow[];
  temperature: PercentRow[];
  disk: DiskRow[];
}

export interface BucketRow {
  t: Date;
  avg: number;
  min: number;
  max: number;
}

export interface BucketQuery {
  metric: MetricName;
  /** Bucket origin and start of the range (inclusive). */
  from: Date;
  /** End of the range (exclusive). */
  until: Date;
  widthSeconds: number;
}

export interface MetricStorageStats {
  rows: number;
  oldest: Date | null;
  newest: Date | null;
  bytes: number;
}

/** SQL of the raw samples and their hourly rollups. Identifiers come from RAW_TABLES, never from input. */
export const samplesRepository = {
  /** One batch in one transaction; a sample time already stored is skipped (a retried flush). */
  async insertBatch(db: Kysely<Database>, rows: SampleRows): Promise<void> {
    await db.transaction().execute(async (trx) => {
      for (const metric of ['cpu', 'ram', 'swap', 'gpu', 'temperature'] as const) {
        const values = rows[metric];
        if (values.length === 0) continue;
        await trx
          .insertInto(RAW_TABLES[metric].table)
          .values(values)
          .onConflict((oc) => oc.column('timestamp').doNothing())
          .execute();
      }
      if (rows.disk.length > 0) {
        await trx
          .insertInto('metrics_disk')
          .values(rows.disk)
          .onConflict((oc) => oc.column('timestamp').doNothing())
          .execute();
      }
    });
  },

  /** min/avg/max per bucket from raw samples, buckets aligned at `from`. */
  async rawBuckets(db: Db, q: BucketQuery): Promise<BucketRow[]> {
    const { table, column } = RAW_TABLES[q.metric];
    const { rows } = await sql<BucketRow>`
      SELECT date_bin(make_interval(secs => ${q.widthSeconds}), "timestamp", ${q.from}::timestamptz) AS t,
             avg(${sql.ref(column)})::float8 AS avg,
             min(${sql.ref(column)})::float8 AS min,
             max(${sql.ref(column)})::float8 AS max
        FROM ${sql.table(table)}
       WHERE "timestamp" >= ${q.from} AND "timestamp" < ${q.until}
       GROUP BY 1
       ORDER BY 1`.execute(db);
    return rows;
  },

  /**
   * The same from hourly rollups, plus raw samples for the hours not rolled up yet (the current one), so
   * the newest point is as fresh as a raw query's. `widthSeconds` must be a multiple of 3600.
   */
  async rollupBuckets(db: Db, q: BucketQuery): Promise<BucketRow[]> {
    const { table, column } = RAW_TABLES[q.metric];
    const width = sql`make_interval(secs => ${q.widthSeconds})`;
    const { rows } = await sql<BucketRow>`
      WITH edge AS (
        SELECT least(greatest(coalesce(max(bucket) + interval '1 hour', ${q.from}::timestamptz),
                              ${q.from}::timestamptz), ${q.until}::timestamptz) AS rolled_until
          FROM metrics_hourly_rollups
         WHERE metric = ${q.metric} AND bucket < ${q.until}
      ), parts AS (
        SELECT date_bin(${width}, r.bucket, ${q.from}::timestamptz) AS t,
               min(r.min_value) AS mn, max(r.max_value) AS mx,
               sum(r.avg_value * r.sample_count) AS s, sum(r.sample_count) AS n
          FROM metrics_hourly_rollups r, edge
         WHERE r.metric = ${q.metric} AND r.bucket >= ${q.from} AND r.bucket < edge.rolled_until
         GROUP BY 1
        UNION ALL
        SELECT date_bin(${width}, m."timestamp", ${q.from}::timestamptz),
               min(m.${sql.ref(column)})::float8, max(m.${sql.ref(column)})::float8,
               sum(m.${sql.ref(column)})::float8, count(*)
          FROM ${sql.table(table)} m, edge
         WHERE m."timestamp" >= edge.rolled_until AND m."timestamp" < ${q.until}
         GROUP BY 1
      )
      SELECT t, (sum(s) / sum(n))::float8 AS avg, min(mn)::float8 AS min, max(mx)::float8 AS max
        FROM parts
       GROUP BY t
       ORDER BY t`.execute(db);
    return rows;
  },

  /** Where rolling up should start: an hour before the newest rollup (late samples), else the oldest sample. */
  async rollupResumePoint(db: Db, metric: MetricName): Promise<Date | null> {
    const { table } = RAW_TABLES[metric];
    const { rows } = await sql<{ resume_from: Date | null }>`
      SELECT coalesce(
               (SELECT max(bucket) - interval '1 hour' FROM metrics_hourly_rollups WHERE metric = ${metric}),
               (SELECT min("timestamp") FROM ${sql.table(table)})
             ) AS resume_from`.execute(db);
    return rows[0]?.resume_from ?? null;
  },

  /** Rolls up raw samples in [from, until) into hourly rows (UTC hours); returns the hours written. */
  async rollUp(db: Db, metric: MetricName, from: Date, until: Date): Promise<number> {
    const { table, column } = RAW_TABLES[metric];
    const result = await sql`
      INSERT INTO metrics_hourly_rollups (metric, bucket, min_value, avg_value, max_value, sample_count)
      SELECT ${metric}, date_bin(interval '1 hour', "timestamp", timestamptz '2000-01-01 00:00:00+00'),
             min(${sql.ref(column)}), avg(${sql.ref(column)}), max(${sql.ref(column)}), count(*)
        FROM ${sql.table(table)}
       WHERE "timestamp" >= ${from} AND "timestamp" < ${until}
       GROUP BY 2
      ON CONFLICT (metric, bucket) DO UPDATE
        SET min_value = excluded.min_value, avg_value = excluded.avg_value,
            max_value = excluded.max_value, sample_count = excluded.sample_count`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  },

  /** Deletes at most `batch` raw samples older than `cutoff` (oldest first); returns how many. */
  async deleteRawBatch(db: Db, metric: MetricName, cutoff: Date, batch: number): Promise<number> {
    const { table } = RAW_TABLES[metric];
    const result = await sql`
      DELETE FROM ${sql.table(table)}
       WHERE "timestamp" IN (SELECT "timestamp" FROM ${sql.table(table)}
                              WHERE "timestamp" < ${cutoff} ORDER BY "timestamp" LIMIT ${batch})`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  },

  async deleteRollupBatch(db: Db, cutoff: Date, batch: number): Promise<number> {
    const result = await sql`
      DELETE FROM metrics_hourly_rollups
       WHERE (metric, bucket) IN (SELECT metric, bucket FROM metrics_hourly_rollups
                                   WHERE bucket < ${cutoff} ORDER BY bucket LIMIT ${batch})`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  },

  async rawStats(db: Db, metric: MetricName): Promise<MetricStorageStats> {
    const { table } = RAW_TABLES[metric];
    const { rows } = await sql<{ rows: string; oldest: Date | null; newest: Date | null; bytes: string }>`
      SELECT (SELECT count(*) FROM ${sql.table(table)}) AS rows,
             (SELECT min("timestamp") FROM ${sql.table(table)}) AS oldest,
             (SELECT max("timestamp") FROM ${sql.table(table)}) AS newest,
             pg_total_relation_size(${table}::regclass) AS bytes`.execute(db);
    const row = rows[0];
    return {
      rows: Number(row?.rows ?? 0),
      oldest: row?.oldest ?? null,
      newest: row?.newest ?? null,
      bytes: Number(row?.bytes ?? 0),
    };
  },

  async rollupStats(db: Db): Promise<{
    bytes: number;
    perMetric: { metric: MetricName; rows: number; oldest: Date | null; newest: Date | null }[];
  }> {
    const [perMetric, size] = await Promise.all([
      db
        .selectFrom('metrics_hourly_rollups')
        .select((eb) => [
          'metric',
          eb.fn.countAll<string>().as('rows'),
          eb.fn.min('bucket').as('oldest'),
          eb.fn.max('bucket').as('newest'),
        ])
        .groupBy('metric')
        .execute(),
      sql<{ bytes: string }>`SELECT pg_total_relation_size('metrics_hourly_rollups') AS bytes`.execute(db),
    ]);
    return {
      bytes: Number(size.rows[0]?.bytes ?? 0),
      perMetric: perMetric.map((r) => ({
        metric: r.metric,
        rows: Number(r.rows),
        oldest: r.oldest,
        newest: r.newest,
      })),
    };
  },
};
