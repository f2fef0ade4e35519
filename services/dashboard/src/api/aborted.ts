/**
 * Whether `signal` has been aborted by now. A function on purpose: after an `await`, TypeScript still
 * narrows `signal.aborted` to what an earlier check saw, though another task may have aborted meanwhile.
 */
export function aborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
