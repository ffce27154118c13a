// Cloud Storage uploads and downloads against fake-gcs-server, on the paths it implements faithfully: multipart
// uploads, chunked resumable uploads without status queries, streamed downloads, listing and deleting.
import { createHash } from "node:crypto";

// Digests, not deep equality: comparing megabytes element by element is slow and its diff unreadable.
const sha = (bytes: Uint8Array | undefined) => (bytes ? createHash("sha256").update(bytes).digest("hex") : "missing");
import { describe, expect, inject, it } from "vitest";
import { mapGoogleError } from "../../../src/adapters/vertex/vertex-error.js";
import { GcsStorage } from "../../../src/storage/gcs-storage.js";
import { CANARY } from "../../support/canary.js";
import { EMULATOR_BUCKET } from "./support/global-setup.js";

const KiB = 1024;
const storage = (chunk = 256 * KiB) =>
  new GcsStorage({
    provider: "vertex",
    mapError: mapGoogleError,
    endpoint: inject("gcsEmulatorUrl"),
    headers: async () => ({ authorization: `Bearer ${CANARY.googleAccessToken}` }),
    tuning: { multipartMaxBytes: 512 * KiB, chunkBytes: chunk },
  });

function file(size: number, seed: number) {
  const bytes = new Uint8Array(size).map((_, i) => (i * seed + 11) % 253);
  return {
    bytes,
    artifact: {
      path: "f",
      size,
      open: async function* () {
        for (let at = 0; at < size; at += 64 * KiB) yield bytes.subarray(at, at + 64 * KiB);
      },
    },
  };
}

async function download(name: string): Promise<Uint8Array> {
  const { stream } = await storage().open(EMULATOR_BUCKET, name, { operation: "test" });
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe("Cloud Storage against fake-gcs-server", () => {
  it("uploads a small file with multipart (hashes checked by the server) and streams it back", async () => {
    const { bytes, artifact } = file(200 * KiB, 3);
    const sent = await storage().upload(EMULATOR_BUCKET, "models/small/1/model.bin", artifact, { operation: "test" });
    expect(sent.md5).toBe(createHash("md5").update(bytes).digest("base64"));
    expect(sha(await download("models/small/1/model.bin"))).toBe(sha(bytes));
  });

  it("uploads a multi-MiB file in resumable chunks, lists it, streams it back and deletes it", async () => {
    const { bytes, artifact } = file(3 * 1024 * KiB + 123, 7);
    const sent = await storage().upload(EMULATOR_BUCKET, "models/big/1/weights.bin", artifact, { operation: "test" });
    expect(sent.size).toBe(bytes.byteLength);
    const listed = await storage().list(EMULATOR_BUCKET, "models/big/", { operation: "test" });
    expect(listed).toEqual([{ name: "models/big/1/weights.bin", size: bytes.byteLength, md5: sent.md5 }]);
    expect(sha(await download("models/big/1/weights.bin"))).toBe(sha(bytes));
    await storage().delete(EMULATOR_BUCKET, "models/big/1/weights.bin", { operation: "test" });
    expect(await storage().list(EMULATOR_BUCKET, "models/big/", { operation: "test" })).toEqual([]);
  });

  it("reads JSON metadata back, and answers a missing object with undefined", async () => {
    await storage().putJson(EMULATOR_BUCKET, "models/meta/m.json", { a: 1 }, { operation: "test" });
    expect(await storage().getJson(EMULATOR_BUCKET, "models/meta/m.json", { operation: "test" })).toEqual({ a: 1 });
    expect(await storage().getJson(EMULATOR_BUCKET, "models/meta/missing.json", { operation: "test" })).toBeUndefined();
  });
});
