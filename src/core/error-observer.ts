/**
 * An internal hook that sees every {@link ModelRegistryError} as it is constructed. It exists for the test suite's
 * canary check (test/support/canary-setup.ts): the suite runs with fake credentials and must prove that no error it
 * ever builds, thrown or swallowed, quotes one. Catching only the errors a test happens to assert on would miss the
 * ones retried, wrapped or passed to `onEventError`.
 *
 * Not exported from any package entry: it is not a public API, and a listener sees errors before their subclass
 * fields are set, so it must only record them and look later.
 *
 * @internal
 * @module
 */

import type { ModelRegistryError } from "./errors.js";

/** Called with each error from inside its constructor, before subclass fields (`field`, `failures`, ...) are set. */
export type ErrorListener = (error: ModelRegistryError) => void;

// Kept on globalThis so that two copies of this module (ESM and CJS builds, or a test that resets modules) share
// one set of listeners, as the error classes share their `Symbol.for` markers.
const KEY = Symbol.for("modelreg.errorObservers");
const holder = globalThis as { [KEY]?: Set<ErrorListener> };
const listeners: Set<ErrorListener> = (holder[KEY] ??= new Set());

/**
 * Registers `listener` for every error constructed from now on.
 *
 * @internal
 * @returns A function that removes the listener.
 */
export function observeErrors(listener: ErrorListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/**
 * Tells the listeners about `error`. Called by the {@link ModelRegistryError} constructor; costs one size check when
 * nobody listens. A listener that throws is ignored: observing must never change what the library does.
 *
 * @internal
 */
export function notifyErrorObservers(error: ModelRegistryError): void {
  if (listeners.size === 0) return;
  for (const listener of listeners) {
    try {
      listener(error);
    } catch {
      // See above.
    }
  }
}
