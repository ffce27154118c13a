/**
 * The Hub's commit call (`POST /api/models/{repo}/commit/{branch}`, reference §3.1 step 4): NDJSON, a header line with
 * `parentCommit` (the Hub answers 412 when the branch has moved since, the only compare-and-swap it offers), then one
 * line per operation. Regular files travel inline as base64, streamed from their source so no file is held whole.
 *
 * @module
 */

import type { CallOptions } from "../../core/options.js";
import { callOptions } from "../../http/call-options.js";
import { commitSchema } from "./hf-api.js";
import { type HubTransport, PROVIDER } from "./hf-transport.js";
import { IntegrityError } from "../../core/errors.js";

/** One operation of a commit. */
export type CommitOperation =
  /** A regular file, sent inline. */
  | { kind: "file"; path: string; size: number; open(): AsyncIterable<Uint8Array> }
  /** An LFS file whose object is already uploaded. */
  | { kind: "lfs"; path: string; sha256: string; size: number }
  /** A file to remove. */
  | { kind: "delete"; path: string };

/** The header of a commit. */
export interface CommitHeader {
  /** The first line of the message. */
  summary: string;
  /** The rest of it. */
  description: string;
  /** The branch head the commit is made on; the Hub refuses it (412) if the branch has moved. */
  parentCommit: string | undefined;
}

const line = (key: string, value: unknown) => `${JSON.stringify({ key, value })}\n`;

/** Base64 of a stream, chunk by chunk: bytes are carried over so only whole 3-byte groups are encoded before the end. */
async function* base64Of(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  let carry: Uint8Array = new Uint8Array(0);
  for await (const chunk of chunks) {
    const bytes = carry.byteLength > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const whole = bytes.byteLength - (bytes.byteLength % 3);
    if (whole > 0) yield Buffer.from(bytes.buffer, bytes.byteOffset, whole).toString("base64");
    carry = bytes.slice(whole);
  }
  if (carry.byteLength > 0) yield Buffer.from(carry).toString("base64");
}

/** The header line. */
function headerLine(header: CommitHeader): string {
  return line("header", { summary: header.summary, description: header.description, ...(header.parentCommit && { parentCommit: header.parentCommit }) });
}

/** An operation's line, with an empty `content` for a file (its base64 goes between the two halves). */
function operationLine(op: CommitOperation): string {
  if (op.kind === "delete") return line("deletedFile", { path: op.path });
  if (op.kind === "lfs") return line("lfsFile", { path: op.path, algo: "sha256", oid: op.sha256, size: op.size });
  return line("file", { path: op.path, encoding: "base64", content: "" });
}

/**
 * The body's length, known before it is generated: a `Content-Length` rather than a chunked body, as both official
 * clients send (they build the body whole).
 */
function commitBodySize(header: CommitHeader, operations: readonly CommitOperation[]): number {
  const bytes = (text: string) => Buffer.byteLength(text, "utf8");
  let size = bytes(headerLine(header));
  for (const op of operations) size += bytes(operationLine(op)) + (op.kind === "file" ? 4 * Math.ceil(op.size / 3) : 0);
  return size;
}

/** The NDJSON body, generated as it is sent. */
async function* commitBody(header: CommitHeader, operations: readonly CommitOperation[], operation: string): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  yield encoder.encode(headerLine(header));
  for (const op of operations) {
    const text = operationLine(op);
    if (op.kind !== "file") {
      yield encoder.encode(text);
      continue;
    }
    // `{"key":"file","value":{"path":...,"encoding":"base64","content":"` ... `"}}\n`, the content streamed between.
    const cut = text.length - 4;
    yield encoder.encode(text.slice(0, cut));
    let sent = 0;
    for await (const chunk of base64Of(op.open())) {
      sent += chunk.length;
      yield encoder.encode(chunk);
    }
    // The length was announced from the size hashed before: a file that changed since would send a broken body.
    if (sent !== 4 * Math.ceil(op.size / 3))
      throw new IntegrityError(`${JSON.stringify(op.path)} changed while it was being committed`, { provider: PROVIDER, operation });
    yield encoder.encode(text.slice(cut));
  }
}

/**
 * Commits `operations` to `branch` and returns the new commit's id. Never retried by the client: a commit the Hub
 * finished after the client gave up would be made twice (`huggingface_hub`'s `create_commit` does not retry either);
 * callers look for it instead.
 */
export async function commit(
  t: HubTransport,
  model: string,
  branch: string,
  header: CommitHeader,
  operations: readonly CommitOperation[],
  operation: string,
  options: CallOptions | undefined,
): Promise<string> {
  const res = await t.http.request({
    operation,
    method: "POST",
    path: `${t.api(model)}/commit/${encodeURIComponent(branch)}`,
    headers: { "content-type": "application/x-ndjson" },
    body: () => commitBody(header, operations, operation),
    bodySize: commitBodySize(header, operations),
    idempotent: false,
    schema: commitSchema,
    ...callOptions({ ...options, headers: undefined }),
  });
  return res.data.commitOid;
}
