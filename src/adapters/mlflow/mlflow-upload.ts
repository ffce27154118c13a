/**
 * Uploads of a version's files, loaded with createVersion: a streamed PUT through the artifact proxy, MLflow's
 * multipart endpoints for large files when the server's destination has them (mlflow-multipart.ts), or S3 directly
 * for `s3://` roots (mlflow-s3.ts).
 *
 * @module
 */

import { toWebStream } from "../../artifacts/byte-streams.js";
import { SelectedDigest } from "../../artifacts/hashing.js";
import type { ResolvedArtifact } from "../../artifacts/resolve-source.js";
import { invalidInput } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import { encodePath } from "../../http/url.js";
import { type ArtifactLocation, type MlflowArtifacts, PROXY } from "./mlflow-artifacts.js";
import { MIN_PART_BYTES, PartSlots, uploadInParts } from "./mlflow-multipart.js";
import type { MlflowMultipartSettings } from "./mlflow-settings.js";
import { callOptions, PROVIDER, type MlflowTransport } from "./mlflow-transport.js";

const MiB = 1024 * 1024;

/** Options of an upload. */
export type UploadOptions = CallOptions & { operation: string; onBytes?: (fileBytes: number) => void };

/** A client's uploads: its multipart sizes and part budget, and whether its server turned multipart down. */
export class MlflowUploads {
  readonly #artifacts: MlflowArtifacts;
  readonly #minMultipartBytes: number;
  readonly #partBytes: number;
  readonly #slots: PartSlots;
  /** The destination has no multipart (a local directory): later files go in one PUT without asking again. */
  #noMultipart = false;

  /** @throws InvalidInputError for `multipartUpload` sizes out of range. */
  constructor(artifacts: MlflowArtifacts) {
    this.#artifacts = artifacts;
    const tuning = artifacts.settings.multipartUpload ?? {};
    const setting = (field: keyof MlflowMultipartSettings, fallback: number, min: number) => {
      const value = tuning[field] ?? fallback;
      if (!Number.isSafeInteger(value) || value < min)
        throw invalidInput("createVersion", `multipartUpload.${field}`, `multipartUpload.${field} must be a whole number of at least ${min}`, PROVIDER);
      return value;
    };
    this.#minMultipartBytes = setting("minFileBytes", 100 * MiB, 1);
    this.#partBytes = setting("partBytes", 10 * MiB, MIN_PART_BYTES);
    this.#slots = new PartSlots(setting("partsInFlight", 4, 1));
  }

  /** Uploads one file to `<location>/<file.path>` and returns its size and SHA-256, as sent and stored. */
  async upload(location: ArtifactLocation, file: ResolvedArtifact, options: UploadOptions): Promise<{ size: number; sha256: string }> {
    if (location.kind === "s3") return (await this.#artifacts.direct()).upload(location, file, options);
    const { transport } = this.#artifacts;
    const size = file.size;
    if (size !== undefined && size >= this.#minMultipartBytes && !this.#noMultipart) {
      const full = `${location.path}/${file.path}`;
      const cut = full.lastIndexOf("/");
      const parts = { ...options, partBytes: this.#partBytes, slots: this.#slots };
      const done = await uploadInParts(transport, full.slice(0, cut), full.slice(cut + 1), { ...file, size }, parts);
      if (done !== undefined) return done;
      this.#noMultipart = true;
    }
    return putFile(transport, location.path, file, options);
  }
}

/** Uploads one file through the proxy with a streamed PUT and returns its digests (from the attempt that succeeded). */
async function putFile(transport: MlflowTransport, root: string, file: ResolvedArtifact, options: UploadOptions): Promise<{ size: number; sha256: string }> {
  // sha256 only: it is what MLflow versions record and check; MD5 would cost half as much again on every byte sent.
  let digest = new SelectedDigest({ sha256: true, md5: false });
  await transport.http.request({
    operation: options.operation,
    method: "PUT",
    path: `${PROXY}/${encodePath(`${root}/${file.path}`)}`,
    body: () => {
      // Each attempt hashes afresh, so a retried upload reports the bytes actually sent.
      digest = new SelectedDigest({ sha256: true, md5: false });
      const current = digest;
      async function* hashed() {
        for await (const chunk of file.open()) {
          current.update(chunk);
          options.onBytes?.(current.size);
          yield chunk;
        }
      }
      return toWebStream(hashed());
    },
    ...(file.size !== undefined && { bodySize: file.size }),
    headers: { "content-type": "application/octet-stream", ...options.headers },
    idempotent: true,
    responseType: "none",
    ...callOptions({ ...options, headers: undefined } as CallOptions),
  });
  const got = digest.digest();
  return { size: got.size, sha256: got.sha256 as string };
}
