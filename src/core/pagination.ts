/**
 * Lists are async iterables of items, with the pages reachable too.
 *
 * @module
 */

import { AbortedError, ResponseValidationError } from "./errors.js";

/** One page of a list. */
export interface Page<T> {
  /** The items on this page. */
  items: T[];
  /** The token for the next page; absent on the last page. */
  nextPageToken?: string;
}

/**
 * A list result. Iterate it for items (`for await (const v of registry.listVersions("fraud"))`), or call `pages()`
 * for pages with their tokens. Fetching is lazy: nothing is requested until you iterate.
 */
export interface PageIterable<T> extends AsyncIterable<T> {
  /** Iterates page by page. */
  pages(): AsyncIterable<Page<T>>;
  /** Collects every item. Use with care on large lists. */
  toArray(): Promise<T[]>;
}

/** Fetches one page given the previous page's token (absent for the first). */
export type PageFetcher<T> = (pageToken: string | undefined, signal: AbortSignal | undefined) => Promise<Page<T>>;

/**
 * Builds a {@link PageIterable} from a page fetcher. The signal is checked between pages, and a token that repeats
 * ends the iteration with an error instead of looping forever.
 */
export function paginate<T>(
  fetchPage: PageFetcher<T>,
  options: { signal?: AbortSignal; pageToken?: string; provider: string; operation: string },
): PageIterable<T> {
  async function* pages(): AsyncGenerator<Page<T>> {
    let token = options.pageToken;
    const seen = new Set<string>();
    for (;;) {
      if (options.signal?.aborted) {
        throw new AbortedError("aborted between pages", { provider: options.provider, operation: options.operation, cause: options.signal.reason });
      }
      const page = await fetchPage(token, options.signal);
      yield page;
      if (!page.nextPageToken) return;
      if (seen.has(page.nextPageToken)) {
        throw new ResponseValidationError(`the provider returned page token ${JSON.stringify(page.nextPageToken.slice(0, 40))} twice; stopping`, {
          provider: options.provider,
          operation: options.operation,
          field: "nextPageToken",
        });
      }
      seen.add(page.nextPageToken);
      token = page.nextPageToken;
    }
  }
  return {
    pages,
    async *[Symbol.asyncIterator]() {
      for await (const page of pages()) yield* page.items;
    },
    async toArray() {
      const all: T[] = [];
      for await (const page of pages()) all.push(...page.items);
      return all;
    },
  };
}
