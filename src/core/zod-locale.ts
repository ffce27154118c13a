/**
 * English messages for zod/mini schemas. zod classic registers its English locale when its first schema is built;
 * zod/mini registers none, so every issue it reports without a custom message would read just "Invalid input". The
 * adapters quote those messages (a response that does not match the wire schema, a damaged record on disk), so
 * `lazySchema` (src/http/schema.ts), through which every schema is built, calls {@link ensureZodEnglish} first, which
 * gives exactly the messages zod classic gave.
 *
 * @module
 */

import { config } from "zod/mini";
// The one locale file: `z.locales.en` reached through the namespace bundles every language (88 KiB gzipped).
import en from "zod/v4/locales/en.js";

/**
 * Registers zod's English locale unless a locale is already set (zod's configuration is global and shared with the
 * caller's own zod, so a locale the caller chose wins, as it does with zod classic).
 *
 * @example
 * ```ts
 * ensureZodEnglish();
 * z.object({ foo: z.string() }).safeParse({ foo: 1 }); // "Invalid input: expected string, received number"
 * ```
 */
export function ensureZodEnglish(): void {
  if (!config().localeError) config(en());
}
