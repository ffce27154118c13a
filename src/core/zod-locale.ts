/**
 * English messages for zod/mini schemas. zod classic registers its English locale when its first schema is built;
 * zod/mini registers none, so every issue it reports without a custom message would read just "Invalid input". The
 * adapters quote those messages (a response that does not match the wire schema, a damaged record on disk), so each
 * schema factory calls {@link ensureZodEnglish} before building, which gives exactly the messages zod classic gave.
 *
 * @module
 */

import { config } from "zod/mini";
import { en } from "zod/locales";

/**
 * Registers zod's English locale unless a locale is already set (zod's configuration is global and shared with the
 * caller's own zod, so a locale the caller chose wins, as it does with zod classic).
 *
 * @example
 * ```ts
 * export const fooSchema = lazySchema(() => (ensureZodEnglish(), z.object({ foo: z.string() })));
 * ```
 */
export function ensureZodEnglish(): void {
  if (!config().localeError) config(en());
}
