/**
 * A lock shared by every tab of this origin, for the token refresh (see client.ts). Web Locks where the
 * browser offers them (secure contexts: https and localhost); on plain http over the LAN, where the
 * appliance is usually reached, a lease in localStorage: write our claim, wait a moment, and own the lock
 * only if our claim is still there. A lease expires by itself, so a closed tab never blocks the others.
 */
const LEASE_MS = 10_000;
const SETTLE_MS = 40;
const POLL_MS = 75;
const tabId = Math.random().toString(36).slice(2);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withTabLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (locks) return locks.request(name, task);
  const storage = safeStorage();
  if (!storage) return task();
  const key = `arasul.lock.${name}`;
  const deadline = Date.now() + LEASE_MS;
  while (Date.now() < deadline) {
    const [owner, until] = (storage.getItem(key) ?? '').split(':');
    if (!owner || Number(until) < Date.now()) {
      storage.setItem(key, `${tabId}:${Date.now() + LEASE_MS}`);
      await sleep(SETTLE_MS);
      if (storage.getItem(key)?.startsWith(`${tabId}:`)) {
        try {
          return await task();
        } finally {
          if (storage.getItem(key)?.startsWith(`${tabId}:`)) storage.removeItem(key);
        }
      }
    }
    await sleep(POLL_MS);
  }
  // Another tab held the lease for its whole lifetime: it is gone or hung, go ahead.
  return task();
}

function safeStorage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}
