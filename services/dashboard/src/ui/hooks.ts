import { useCallback, useEffect, useState } from 'react';

/** True while the page is visible; polling and streams pause in a background tab. */
export function useDocumentVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState !== 'hidden');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState !== 'hidden');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads with `load` and, with `intervalMs`, again every interval while the page is visible. Keeps the last
 * good data when a reload fails (the error is reported next to it).
 *
 * `load` is the dependency: wrap it in `useCallback` with what it reads, so the lint rule checks that list
 * at the caller. A new `load` (e.g. another conversation) starts empty, so old data never shows for it.
 *
 * Kept hand-written after trying TanStack Query 5.108 inside this hook (pages unchanged, a query key per
 * `load` identity): the initial bundle grew 122.9 → 132.3 KiB gz, and without query keys at the call sites
 * its cache, deduplication and stale-while-revalidate have nothing to share (every mount brings a new
 * `load`); and a tab coming back to the foreground waited a whole `intervalMs` for fresh data, where this
 * hook reloads at once. Worth it once pages name their queries; not as a drop-in.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs?: number): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const [current, setCurrent] = useState(() => load);
  const visible = useDocumentVisible();

  // Adjusting state while rendering (React's pattern for "reset when an input changes"): no stale frame.
  if (current !== load) {
    setCurrent(() => load);
    setData(undefined);
    setError(undefined);
    setLoading(true);
  }

  useEffect(() => {
    if (!visible && tick > 0) return undefined;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    load(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (reason: unknown) => {
        if (controller.signal.aborted) return;
        setError(reason);
        setLoading(false);
      },
    );
    if (intervalMs !== undefined && visible) timer = setTimeout(() => setTick((n) => n + 1), intervalMs);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [load, tick, visible, intervalMs]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

/** Re-renders every `ms` (relative times, countdowns). */
export function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

/** `value`, once it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return debounced;
}

export interface Action {
  busy: boolean;
  error: unknown;
  /** Runs `action` with `busy` set and the last error cleared; a failure lands in `error`, never thrown. */
  run: (action: () => Promise<unknown>) => Promise<void>;
}

/** One button's worth of state for a mutation: busy while it runs, its error afterwards. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}
