import { type MetricsSnapshot, metricsSnapshotSchema } from '@arasul/contracts/http/metrics';

/** The metrics collector's latest snapshot (`/internal/metrics/live`, bearer INTERNAL_SECRET). */
export class MetricsClient {
  constructor(
    private readonly baseUrl: string,
    private readonly internalSecret: string,
    private readonly timeoutMs = 3000,
  ) {}

  /** `null` when the collector has no sample or cannot be reached (the guard then waits). */
  async latest(): Promise<MetricsSnapshot | null> {
    try {
      const response = await fetch(`${this.baseUrl}/internal/metrics/live`, {
        headers: { authorization: `Bearer ${this.internalSecret}` },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) return null;
      const parsed = metricsSnapshotSchema.safeParse(await response.json());
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }
}
