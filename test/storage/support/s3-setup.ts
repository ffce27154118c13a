// What the S3 unit tests share: an msw server with the S3 fake (checking signatures with the canary credentials), an
// S3Storage built as the SageMaker adapter builds it, and deterministic files.
import { createHash } from "node:crypto";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import type { ResolvedArtifact } from "../../../src/artifacts/resolve-source.js";
import { S3Storage, type S3StorageSettings } from "../../../src/storage/s3-storage.js";
import { CANARY } from "../../support/canary.js";
import { installS3Fake, type S3Fake, type S3FakeOptions } from "../../support/s3-fake.js";

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const REGION = "us-east-1";
export const BUCKET = "bucket";

/** Canary credentials: a leak into an error, a log line or the output fails the test (test/support/canary-setup.ts). */
export const CREDENTIALS = { accessKeyId: "AKIACANARYTESTKEY0001", secretAccessKey: CANARY.awsSecretAccessKey, sessionToken: CANARY.awsSessionToken };

export const sha = (bytes: Uint8Array | undefined) => (bytes ? createHash("sha256").update(bytes).digest("hex") : "missing");

/** Deterministic bytes, given out in 100 KiB pieces so part edges fall mid-piece. */
export function file(size: number, path = "weights.bin", extra: Partial<ResolvedArtifact> = {}): { bytes: Uint8Array; entry: ResolvedArtifact } {
  const bytes = new Uint8Array(size).map((_, i) => (i * 7 + 3) % 251);
  const open = async function* () {
    for (let at = 0; at < size; at += 100 * KiB) yield bytes.subarray(at, Math.min(size, at + 100 * KiB));
  };
  return { bytes, entry: { path, size, open, ...extra } };
}

/** Reads a stream to the end. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

/**
 * Starts msw for the file and gives each test a fresh fake (`fake()`), and a storage (`storage()`) with fast retries;
 * after each test, the fake must have seen no request outside the S3 contract.
 */
export function useS3Fake() {
  const server = setupServer();
  let current: S3Fake | undefined;
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => {
    const violations = current?.violations ?? [];
    current = undefined;
    server.resetHandlers();
    expect(violations).toEqual([]);
  });
  afterAll(() => server.close());
  return {
    server,
    /** Installs a fresh fake (replacing the test's previous one), checking signatures with {@link CREDENTIALS}. */
    fake(options: S3FakeOptions = {}): S3Fake {
      server.resetHandlers();
      current = installS3Fake(server, { credentials: CREDENTIALS, region: REGION, minPartBytes: 1 * MiB, ...options });
      return current;
    },
    /** An S3Storage as the adapters build it, with millisecond retry waits. */
    storage(settings: Partial<S3StorageSettings> = {}): S3Storage {
      return new S3Storage({
        provider: "sagemaker",
        region: REGION,
        credentials: async () => CREDENTIALS,
        retryBaseDelayMs: 1,
        retryMaxDelayMs: 5,
        ...settings,
      });
    },
  };
}
