import { useEffect, useState } from 'react';
import type { Api } from '../../api/endpoints';
import { aborted } from '../../api/aborted';
import { ApiError } from '../../api/errors';
import { readSse } from '../../api/sse';
import { type MetricName, type MetricsSnapshot, metricsSnapshotSchema } from '@arasul/contracts';
import { useDocumentVisible } from '../../ui/hooks';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'stopped';

export interface LiveMetrics {
  status: LiveStatus;
  snapshot: MetricsSnapshot | null;
  /** The last samples of each metric, oldest first (for the sparklines). */
  recent: Record<MetricName, (number | null)[]>;
}

/** Sparkline length: with the default 5 s interval, the last five minutes. */
export const RECENT_SAMPLES = 60;
const MAX_BACKOFF_MS = 30_000;
const METRICS: MetricName[] = ['cpu', 'ram', 'swap', 'gpu', 'temperature', 'disk'];

export function valueOf(snapshot: MetricsSnapshot, metric: MetricName): number | null {
  return metric === 'disk' ? (snapshot.disk?.percent ?? null) : snapshot[metric];
}

export function appendSample(state: LiveMetrics, snapshot: MetricsSnapshot): LiveMetrics {
  if (state.snapshot?.timestamp === snapshot.timestamp) return { ...state, status: 'live' };
  const recent = { ...state.recent };
  for (const metric of METRICS) {
    const list = [...recent[metric], valueOf(snapshot, metric)];
    recent[metric] = list.length > RECENT_SAMPLES ? list.slice(list.length - RECENT_SAMPLES) : list;
  }
  return { status: 'live', snapshot, recent };
}

const empty = (): LiveMetrics => ({
  status: 'connecting',
  snapshot: null,
  recent: Object.fromEntries(METRICS.map((m) => [m, []])) as unknown as LiveMetrics['recent'],
});

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const id = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(id);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * The live samples from `/api/metrics/stream` (SSE over fetch with the Bearer token). Reconnects with
 * back-off when the stream ends or breaks — each attempt goes through the API client, so an expired
 * token is refreshed first — and pauses while the tab is hidden.
 */
export function useLiveMetrics(api: Api): LiveMetrics {
  const [state, setState] = useState<LiveMetrics>(empty);
  const visible = useDocumentVisible();

  useEffect(() => {
    if (!visible) return undefined;
    const controller = new AbortController();
    const { signal } = controller;
    void (async () => {
      let failures = 0;
      while (!signal.aborted) {
        try {
          const response = await api.metricsStream(signal);
          failures = 0;
          await readSse(
            response,
            (event) => {
              if (event.event !== 'sample') return;
              // A sample that does not match the contract is dropped, never drawn half-read.
              const snapshot = metricsSnapshotSchema.safeParse(JSON.parse(event.data));
              if (snapshot.success) setState((current) => appendSample(current, snapshot.data));
            },
            signal,
          );
        } catch (error) {
          if (aborted(signal)) return;
          // Signed out: the app shows the login page; nothing to reconnect to.
          if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
            setState((s) => ({ ...s, status: 'stopped' }));
            return;
          }
          failures += 1;
        }
        if (aborted(signal)) return;
        setState((s) => ({ ...s, status: 'reconnecting' }));
        await sleep(Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures), signal);
      }
    })();
    return () => controller.abort();
  }, [api, visible]);

  return state;
}
