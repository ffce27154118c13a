/**
 * PUTs to W&B's signed storage URLs: the returned headers (`"Key:Value"` strings) are sent as given, no W&B
 * credentials ever go with them, and the body streams with its Content-Length.
 *
 * @module
 */

import { toWebStream } from "../../artifacts/byte-streams.js";
import type { ResolvedArtifact } from "../../artifacts/resolve-source.js";
import type { CallOptions } from "../../core/options.js";
import { callOptions } from "../../http/call-options.js";
import type { HttpClient } from "../../http/http-types.js";

/** Splits `"Key:Value"` header strings at the first colon. */
export function parseUploadHeaders(headers: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of headers) {
    const at = h.indexOf(":");
    if (at > 0) out[h.slice(0, at).trim()] = h.slice(at + 1).trim();
  }
  return out;
}

/** Streams a file to a signed URL. */
export async function putSigned(
  http: HttpClient,
  url: string,
  headers: readonly string[],
  file: ResolvedArtifact,
  size: number,
  options: CallOptions & { operation: string; onBytes?: (fileBytes: number) => void },
): Promise<void> {
  await http.request({
    operation: options.operation,
    method: "PUT",
    // An absolute URL: the client's Authorization header is not sent to it.
    url,
    body: () => {
      async function* counted() {
        let sent = 0;
        for await (const chunk of file.open()) {
          sent += chunk.byteLength;
          options.onBytes?.(sent);
          yield chunk;
        }
      }
      return toWebStream(counted());
    },
    bodySize: size,
    headers: parseUploadHeaders(headers),
    idempotent: true,
    responseType: "none",
    ...callOptions({ ...options, headers: undefined } as CallOptions),
  });
}
