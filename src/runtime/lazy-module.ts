/**
 * Dynamic imports that run once.
 *
 * @module
 */

/**
 * Memoizes a dynamic `import()` for code on a per-file or per-response path. A repeated `import()` of a loaded module
 * still goes through the module loader each time: about 12 µs in plain Node, and about 0.4 ms under a loader hook
 * (tsx), which the benchmarks measured as 0.8 ms per downloaded file before this.
 *
 * @param load - The import, written as `() => import("./module.js")` so bundlers still split it into its own chunk.
 * @returns A function that starts the import on its first call and returns the same promise every time.
 */
export function lazyModule<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}
