/**
 * Uploads to Azure Blob Storage through the SAS URL W&B hands out when its storage is Azure (the upload headers carry
 * `x-ms-blob-type`). W&B's Go client never sends such a file as one raw PUT: it goes through the Azure SDK's
 * `UploadStream` (`core/internal/filetransfer/file_transfer_azure.go`), which sends a payload smaller than one block
 * as one Put Blob and anything else as blocks (Put Block each, then Put Block List). One Put Blob takes at most
 * 5000 MiB (256 MiB before service version 2019-12-12), so a large file sent whole is refused; blocks take up to
 * 50,000 x 4000 MiB. This module does the same with plain requests: no Azure SDK, the file streamed block by block.
 *
 * @module
 */

import { nodeCrypto } from "../../runtime/builtins.js";
import type { ResolvedArtifact } from "../../artifacts/resolve-source.js";
import type { CallOptions } from "../../core/options.js";
import { callOptions } from "../../http/call-options.js";
import type { HttpClient } from "../../http/http-types.js";
import { splitParts } from "../../artifacts/split-parts.js";
import { parseUploadHeaders, putSigned } from "./wandb-upload.js";

/** Azure's most blocks in one committed blob. */
export const AZURE_MAX_BLOCKS = 50_000;
/**
 * The default block size: 4 MiB, the block size of W&B's hardened Azure uploads (branch `agent/azure-transfer-hardening`,
 * `azureBlockSize`) and of Microsoft's Python SDK (`max_block_size`). W&B's released Go client asks for 4 KiB
 * (`BlockSize: 4 * 1024`), which caps a blob at 50,000 x 4 KiB = 195 MiB; that is the bug the branch fixes.
 */
export const AZURE_BLOCK_BYTES = 4 * 1024 * 1024;
/** Blocks in flight per file, as W&B's client (`UploadStreamOptions.Concurrency: 4`). */
const BLOCKS_IN_FLIGHT = 4;

/** True when W&B's upload headers say the URL is an Azure blob (`RequiresAzureUpload` in W&B's Go client). */
export function isAzureUpload(headers: readonly string[]): boolean {
  return Object.keys(parseUploadHeaders(headers)).some((k) => k.toLowerCase() === "x-ms-blob-type");
}

/**
 * The block size for a file: `blockBytes`, grown where that would need more than Azure's 50,000 blocks (rounded up to
 * 4 KiB, as W&B rounds part sizes), so any file Azure can hold needs no more blocks than it allows.
 */
export function azureBlockSize(fileSize: number, blockBytes = AZURE_BLOCK_BYTES): number {
  if (fileSize <= blockBytes * AZURE_MAX_BLOCKS) return blockBytes;
  return Math.ceil(Math.ceil(fileSize / AZURE_MAX_BLOCKS) / 4096) * 4096;
}

/**
 * A block id: base64 of 64 bytes (a random upload prefix, then the block number big-endian), the form Microsoft's SDKs
 * use. Azure wants every block id of one blob the same length before base64, at most 64 bytes: fixed-size ids always are.
 */
function blockId(prefix: Uint8Array, n: number): string {
  const id = Buffer.alloc(64);
  id.set(prefix, 0);
  id.writeUInt32BE(n, prefix.byteLength);
  return id.toString("base64");
}

/** `url` with `params` added to its query (a SAS URL already has one). */
function withQuery(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/**
 * Uploads one file to an Azure SAS URL: smaller than one block as one Put Blob with W&B's headers as given; otherwise
 * as blocks, each with its transactional Content-MD5 (Azure refuses a block whose bytes changed on the way) and retried
 * on its own, then one Put Block List that commits them and sets the blob's Content-MD5 and Content-Type from W&B's
 * headers, as Microsoft's SDK does. Until the list is committed the blocks are invisible, so a failed upload leaves
 * no blob. One block per request in memory, at most four in flight.
 */
export async function putAzureBlob(
  http: HttpClient,
  url: string,
  headers: readonly string[],
  file: ResolvedArtifact,
  size: number,
  options: CallOptions & { operation: string; blockBytes?: number; onBytes?: (fileBytes: number) => void },
): Promise<void> {
  const blockBytes = azureBlockSize(size, options.blockBytes);
  const { onBytes, blockBytes: _ignored, ...call } = options;
  if (size < blockBytes) {
    await putSigned(http, url, headers, file, size, options);
    return;
  }
  const given = parseUploadHeaders(headers);
  const header = (name: string) => Object.entries(given).find(([k]) => k.toLowerCase() === name)?.[1];
  const plain = callOptions({ ...call, headers: undefined } as CallOptions);
  const prefix = new Uint8Array(Buffer.from(nodeCrypto().randomUUID().replaceAll("-", ""), "hex"));
  const ids: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let sent = 0;
  for await (const bytes of splitParts(file, blockBytes)) {
    if (failure) break;
    const id = blockId(prefix, ids.length);
    ids.push(id);
    const put = http
      .request({
        operation: call.operation,
        method: "PUT",
        url: withQuery(url, { comp: "block", blockid: id }),
        body: () => bytes as Uint8Array<ArrayBuffer>,
        headers: { "content-md5": nodeCrypto().createHash("md5").update(bytes).digest("base64") },
        // Staging the same id with the same bytes again replaces the uncommitted block: safe to resend.
        idempotent: true,
        responseType: "none",
        ...plain,
      })
      .then(
        () => {
          sent += bytes.byteLength;
          onBytes?.(sent);
        },
        (error: unknown) => {
          failure ??= { error };
        },
      )
      .finally(() => inFlight.delete(put));
    inFlight.add(put);
    if (inFlight.size >= BLOCKS_IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
  const list = `<?xml version="1.0" encoding="utf-8"?>\n<BlockList>${ids.map((id) => `<Latest>${id}</Latest>`).join("")}</BlockList>`;
  const md5 = header("content-md5");
  const contentType = header("content-type");
  await http.request({
    operation: call.operation,
    method: "PUT",
    url: withQuery(url, { comp: "blocklist" }),
    body: () => new TextEncoder().encode(list),
    headers: {
      "content-type": "application/xml",
      ...(md5 && { "x-ms-blob-content-md5": md5 }),
      ...(contentType && { "x-ms-blob-content-type": contentType }),
    },
    // Committing the same list again commits the same blob: `Latest` finds the blocks among the committed ones.
    idempotent: true,
    responseType: "none",
    ...plain,
  });
}
