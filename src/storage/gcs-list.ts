/**
 * Listing a Cloud Storage prefix, loaded by the first listing (downloads of versions made elsewhere, cleanup).
 *
 * @module
 */

import * as z from "zod/mini";
import { ResponseValidationError } from "../core/errors.js";
import type { CallOptions } from "../core/options.js";
import { callOptions } from "../http/call-options.js";
import type { HttpClient } from "../http/http-types.js";
import { lazySchema } from "../http/schema.js";
import { enc } from "./gcs-storage.js";
import type { StoredObject } from "./object-store.js";

const objectSchema = lazySchema(() => z.object({ name: z.string(), size: z.optional(z.union([z.string(), z.number()])), md5Hash: z.optional(z.string()) }));
const listSchema = lazySchema(() => z.object({ items: z.optional(z.array(objectSchema())), nextPageToken: z.optional(z.string()) }));

/**
 * Lists every object under a prefix, following every page.
 *
 * @throws ResponseValidationError when the listing names an object outside the prefix.
 */
export async function listObjects(
  http: HttpClient,
  provider: string,
  bucket: string,
  prefix: string,
  options: CallOptions & { operation: string },
): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  let token: string | undefined;
  do {
    const res = await http.request({
      operation: options.operation,
      path: `storage/v1/b/${enc(bucket)}/o`,
      query: { prefix, ...(token && { pageToken: token }) },
      schema: listSchema,
      ...callOptions(options),
    });
    for (const [i, item] of (res.data.items ?? []).entries()) {
      // Callers cut the prefix off to get a file's path; a name outside it would become some other path.
      if (!item.name.startsWith(prefix)) {
        throw new ResponseValidationError(
          `Cloud Storage listed ${JSON.stringify(item.name.slice(0, 80))}, which is not under the prefix ${JSON.stringify(prefix)}`,
          {
            provider,
            operation: options.operation,
            field: `items[${i}].name`,
            isRetryable: false,
          },
        );
      }
      out.push({ name: item.name, size: Number(item.size ?? 0), ...(item.md5Hash && { md5: item.md5Hash }) });
    }
    token = res.data.nextPageToken || undefined;
  } while (token);
  return out;
}
