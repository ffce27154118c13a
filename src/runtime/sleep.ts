/**
 * Waiting between polls.
 *
 * @module
 */

/**
 * Waits `ms`, ending early (resolved, not rejected) when `signal` aborts: pollers check the signal next and throw
 * their own typed error, which says what was left running.
 */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
