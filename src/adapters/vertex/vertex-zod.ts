/**
 * The adapter's schemas are zod/mini, which in a bundled handler is a third of classic zod's size and import time.
 * zod/mini sets no issue messages of its own (every issue would read "Invalid input"); classic zod sets its English
 * ones when its first schema is built. The schemas here do the same, so the messages users see are classic zod's.
 *
 * @module
 */

import english from "zod/v4/locales/en.js";
import * as z from "zod/mini";
import { lazySchema as memoised } from "../../http/schema.js";

/**
 * The shared `lazySchema` (built on first use, once) for this adapter's zod/mini schemas: before the first is built,
 * zod's English messages are set, unless a locale is configured already (`z.config(z.locales.xx())` wins, as it does
 * over classic zod's default).
 */
export function lazySchema<S extends z.ZodMiniType>(build: () => S): () => S {
  return memoised(() => {
    if (!z.config().localeError) z.config(english());
    return build();
  });
}
