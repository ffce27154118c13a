/**
 * AWS Signature Version 4 through `@smithy/signature-v4` (the AWS SDK v3's own signer, an optional peer loaded on the
 * first signed request), with SHA-256 and HMAC from `node:crypto`. It plugs into the shared HTTP client as its `sign`
 * hook, so retries and redirects within the same origin are signed afresh, and nothing is signed for another host.
 *
 * @module
 */

import { createHash, createHmac } from "node:crypto";
import { AuthenticationError } from "../core/errors.js";
import type { HttpSignHook } from "../http/http-types.js";
import type { AwsCredentials } from "./aws-credentials.js";

/** The optional peer that signs. */
export const SIGNATURE_V4_PACKAGE = "@smithy/signature-v4";

/** The payload hash for bodies that are not hashed before sending (streamed files; S3 checks their checksums). */
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

/** `@smithy/signature-v4`'s Sha256 interface, on node:crypto: a hash, or an HMAC when given a secret. */
class NodeSha256 {
  readonly #secret: string | Uint8Array | undefined;
  #hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | Uint8Array) {
    this.#secret = secret;
    this.#hash = secret === undefined ? createHash("sha256") : createHmac("sha256", secret);
  }
  update(data: string | Uint8Array): void {
    this.#hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {
    this.#hash = this.#secret === undefined ? createHash("sha256") : createHmac("sha256", this.#secret);
  }
}

interface SmithyRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body?: unknown;
}

interface SignerLike {
  sign(request: SmithyRequest, options?: { signableHeaders?: Set<string> }): Promise<SmithyRequest>;
}

interface SignatureV4Module {
  SignatureV4: new (init: {
    service: string;
    region: string;
    credentials: () => Promise<AwsCredentials>;
    sha256: typeof NodeSha256;
    uriEscapePath: boolean;
  }) => SignerLike;
}

let loaded: Promise<SignatureV4Module> | undefined;

function loadSigner(provider: string): Promise<SignatureV4Module> {
  // A name in a variable keeps bundlers from resolving the optional peer at build time.
  const name = SIGNATURE_V4_PACKAGE;
  loaded ??= (import(name) as Promise<SignatureV4Module>).catch((error: unknown) => {
    loaded = undefined;
    throw new AuthenticationError(`signing AWS requests needs ${name}, which is not installed (npm i ${name})`, {
      provider,
      operation: "sign",
      cause: error,
    });
  });
  return loaded;
}

/** Which headers are signed: the host, every `x-amz-*`, and those whose change would change the request's meaning. */
const SIGNED = new Set(["host", "content-type", "content-md5", "range", "if-none-match", "if-match"]);

/** What {@link awsSigner} needs. */
export interface AwsSignerInit {
  /** The signing name: `sagemaker`, `s3`. */
  service: string;
  /** The region. */
  region: string;
  /** Current credentials. */
  credentials: () => Promise<AwsCredentials>;
  /** The provider errors name. */
  provider: string;
}

/**
 * Returns the client's `sign` hook. S3 paths are signed as sent (`uriEscapePath: false`: S3 does not double-encode);
 * other services' paths are escaped once more, as SigV4 wants. A buffered body is hashed into the signature; a
 * streamed one is sent as `UNSIGNED-PAYLOAD` unless the request already set `x-amz-content-sha256`.
 */
export function awsSigner(init: AwsSignerInit): HttpSignHook {
  let signer: SignerLike | undefined;
  return async ({ method, url, headers, body }) => {
    if (signer === undefined) {
      const { SignatureV4 } = await loadSigner(init.provider);
      signer ??= new SignatureV4({
        service: init.service,
        region: init.region,
        credentials: init.credentials,
        sha256: NodeSha256,
        uriEscapePath: init.service !== "s3",
      });
    }
    const toSign: Record<string, string> = { host: url.host };
    headers.forEach((value, name) => {
      if (SIGNED.has(name) || name.startsWith("x-amz-")) toSign[name] = value;
    });
    const buffered = body === undefined || typeof body === "string" || body instanceof Uint8Array || body instanceof ArrayBuffer;
    if (!buffered && toSign["x-amz-content-sha256"] === undefined) toSign["x-amz-content-sha256"] = UNSIGNED_PAYLOAD;
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of url.searchParams) {
      const held = query[key];
      query[key] = held === undefined ? value : Array.isArray(held) ? [...held, value] : [held, value];
    }
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port && { port: Number(url.port) }),
      path: url.pathname,
      query,
      headers: toSign,
      ...(buffered && body !== undefined && { body }),
    });
    for (const [name, value] of Object.entries(signed.headers)) {
      const lower = name.toLowerCase();
      if (lower === "host") continue;
      headers.set(lower, value);
    }
  };
}
