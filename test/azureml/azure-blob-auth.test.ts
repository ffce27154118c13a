// How AzureBlobStorage authorises its requests, against Azurite: a container SAS minted from the account key (and
// accepted), a SAS given as Azure ML hands them out, a wrong key, an expired or too narrow SAS (refused, typed), and
// bearer tokens on an HTTPS Azurite with `--oauth basic`. No key, SAS signature or token reaches an error or a log line.
import { createHash } from "node:crypto";
import https from "node:https";
import { rootCertificates } from "node:tls";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AuthenticationError, type ModelRegistryError, PermissionDeniedError } from "modelreg";
import type { ResolvedArtifact } from "../../src/artifacts/resolve-source.js";
import { nodeFetch } from "../../src/http/node-fetch.js";
import { containerSas } from "../../src/storage/azure-blob-sas.js";
import { AZURE_STORAGE_VERSION, AzureBlobStorage, type AzureBlobStorageSettings } from "../../src/storage/azure-blob-storage.js";
import { recordingLogger } from "../http/support/helpers.js";
import { type Azurite, azuriteAccountSas, createContainer, startAzurite } from "../support/azurite.js";
import { loopbackCert } from "../support/self-signed.js";
import { rejectionOf } from "../support/rejection.js";

const CONTAINER = "blob-auth";
const op = { operation: "createVersion" };
const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
/** A key Azurite does not have: well-formed, 64 bytes, wrong. */
const WRONG_KEY = Buffer.alloc(64, 0x42).toString("base64");

function file(size: number): { bytes: Uint8Array; entry: ResolvedArtifact } {
  const bytes = new Uint8Array(size).map((_, i) => (i * 13 + 1) % 251);
  return {
    bytes,
    entry: {
      path: "f.bin",
      size,
      open: async function* () {
        yield bytes;
      },
    },
  };
}

/** A fetch that keeps the raw URLs it was asked for (with their SAS), for the checks that nothing shows them. */
function urlKeepingFetch(): typeof fetch & { urls: URL[] } {
  const urls: URL[] = [];
  const wrapped = ((input: RequestInfo | URL, init?: RequestInit) => {
    urls.push(new URL(String(input)));
    return fetch(input, init);
  }) as typeof fetch & { urls: URL[] };
  wrapped.urls = urls;
  return wrapped;
}

/** Everything a person could read of a failure: the message, its JSON, the log lines. */
function shown(error: unknown, logger: ReturnType<typeof recordingLogger>): string {
  return `${(error as Error).message}\n${JSON.stringify((error as ModelRegistryError).toJSON())}\n${logger.text()}`;
}

let azurite: { blobEndpoint: string; accountName: string; accountKey: string };
let bucket: string;

function storage(settings: Partial<AzureBlobStorageSettings> = {}): AzureBlobStorage {
  return new AzureBlobStorage({ provider: "azureml", auth: { kind: "key", accountKey: azurite.accountKey }, retryBaseDelayMs: 1, ...settings });
}

beforeAll(async () => {
  azurite = inject("azurite");
  bucket = await createContainer(azurite, CONTAINER);
});

describe("SAS on Azurite", () => {
  it("mints one container SAS from the key, which Azurite accepts for every operation, and reuses it", async () => {
    const recorder = urlKeepingFetch();
    const logger = recordingLogger();
    const store = storage({ fetch: recorder, logger });
    const { bytes, entry } = file(5000);
    await store.upload(bucket, "minted/a.bin", entry, op);
    await store.putJson(bucket, "minted/b.json", { ok: true }, op);
    expect(await store.getJson(bucket, "minted/b.json", op)).toEqual({ ok: true });
    expect((await store.list(bucket, "minted/", op)).map((o) => o.name)).toEqual(["minted/a.bin", "minted/b.json"]);
    const { stream } = await store.open(bucket, "minted/a.bin", op);
    expect(sha(new Uint8Array(await new Response(stream).arrayBuffer()))).toBe(sha(bytes));
    await store.delete(bucket, "minted/b.json", op);
    const sases = new Set(recorder.urls.map((u) => u.searchParams.get("sig")));
    expect(sases.size).toBe(1);
    const params = recorder.urls[0]?.searchParams;
    expect({ sv: params?.get("sv"), sr: params?.get("sr"), sp: params?.get("sp"), spr: params?.get("spr") }).toEqual({
      sv: "2022-11-02",
      sr: "c",
      sp: "racwdl",
      // Plain HTTP (Azurite): a SAS limited to https would be refused with AuthorizationProtocolMismatch.
      spr: "https,http",
    });
    const lifetime = Date.parse(params?.get("se") ?? "") - Date.parse(params?.get("st") ?? "");
    expect(lifetime).toBe(65 * 60_000);
    // The signature is in every URL sent, and in no log line.
    const sig = [...sases][0] ?? "";
    expect(sig.length).toBeGreaterThan(20);
    expect(logger.text()).not.toContain(sig);
    expect(logger.text()).not.toContain(encodeURIComponent(sig));
    expect(logger.text()).toContain("sig=[REDACTED]");
  });

  it("uses a SAS it is given: a query string with or without ?, or a SAS URL", async () => {
    const accountSas = azuriteAccountSas(azurite);
    const containerSasUrl = `${bucket}?${containerSas(
      {
        accountName: azurite.accountName,
        containerName: CONTAINER,
        accountKey: azurite.accountKey,
        startsOn: new Date(Date.now() - 60_000),
        expiresOn: new Date(Date.now() + 600_000),
        protocol: "https,http",
      },
      { provider: "azureml", operation: "test" },
    )}`;
    for (const [i, sas] of [accountSas, `?${accountSas}`, containerSasUrl].entries()) {
      const store = storage({ auth: { kind: "sas", sas } });
      await store.putJson(bucket, `given/${i}.json`, { i }, op);
      expect(await store.getJson(bucket, `given/${i}.json`, op)).toEqual({ i });
    }
  });

  it("refuses a wrong key with AuthenticationError, once, and shows neither the key nor the signature", async () => {
    const recorder = urlKeepingFetch();
    const logger = recordingLogger();
    const store = storage({ auth: { kind: "key", accountKey: WRONG_KEY }, fetch: recorder, logger });
    const error = await rejectionOf(store.upload(bucket, "wrong/a.bin", file(100).entry, op));
    expect(AuthenticationError.isInstance(error)).toBe(true);
    const e = error as AuthenticationError;
    // Azurite's code for a bad signature; Azure's would be AuthenticationFailed (reference §8).
    expect({ status: e.statusCode, code: e.providerCode, retryable: e.isRetryable }).toEqual({ status: 403, code: "AuthorizationFailure", retryable: false });
    expect(e.message).toMatch(/^\[azureml\] createVersion: AuthorizationFailure: Server failed to authenticate the request/);
    expect(e.url).toContain("sig=[REDACTED]");
    expect(recorder.urls).toHaveLength(1);
    const sig = recorder.urls[0]?.searchParams.get("sig") ?? "";
    const text = shown(error, logger);
    for (const secret of [WRONG_KEY, sig, encodeURIComponent(sig)]) expect(text).not.toContain(secret);
    // Reads fail the same way: a missing blob cannot hide a bad credential.
    expect(AuthenticationError.isInstance(await rejectionOf(store.getJson(bucket, "wrong/none.json", op)))).toBe(true);
  });

  it("refuses an expired SAS with AuthenticationError and a read-only one, used to write, with PermissionDeniedError", async () => {
    const mint = (permissions: string, expiresOn: Date) =>
      containerSas(
        {
          accountName: azurite.accountName,
          containerName: CONTAINER,
          accountKey: azurite.accountKey,
          startsOn: new Date(expiresOn.getTime() - 3_600_000),
          expiresOn,
          protocol: "https,http",
          permissions,
        },
        { provider: "azureml", operation: "test" },
      );
    const expired = mint("racwdl", new Date(Date.now() - 60_000));
    const logger = recordingLogger();
    const error = await rejectionOf(storage({ auth: { kind: "sas", sas: expired }, logger }).getJson(bucket, "given/0.json", op));
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect(shown(error, logger)).not.toContain(new URLSearchParams(expired).get("sig"));
    const readOnly = mint("rl", new Date(Date.now() + 600_000));
    const denied = await rejectionOf(storage({ auth: { kind: "sas", sas: readOnly } }).putJson(bucket, "ro/x.json", {}, op));
    expect(PermissionDeniedError.isInstance(denied) && denied.providerCode === "AuthorizationPermissionMismatch").toBe(true);
    expect(await storage({ auth: { kind: "sas", sas: readOnly } }).getJson(bucket, "given/0.json", op)).toEqual({ i: 0 });
  });
});

/** A JWT as Entra ID issues them for Storage (Azurite with `--oauth basic` checks its claims, not its signature). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: "RS256", typ: "JWT" })}.${part({
    aud: "https://storage.azure.com",
    iss: "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",
    iat: now - 60,
    nbf: now - 60,
    exp: now + 3600,
    oid: "00000000-0000-0000-0000-0000000000aa",
    ...claims,
  })}.${Buffer.from("not-a-real-signature-but-long-enough").toString("base64url")}`;
}

describe("bearer tokens on an HTTPS Azurite", () => {
  let secure: Azurite;
  let secureBucket: string;
  let previousCa: unknown;

  beforeAll(async () => {
    const cert = await loopbackCert();
    secure = await startAzurite({ https: { cert: cert.certPath, key: cert.keyPath } });
    // modelreg's default transport goes through https.globalAgent; trust the loopback CA there for this file.
    previousCa = https.globalAgent.options.ca;
    https.globalAgent.options.ca = [...rootCertificates, cert.ca];
    secureBucket = await createContainer(secure, CONTAINER, { fetch: nodeFetch as typeof fetch });
  }, 120_000);

  afterAll(async () => {
    // A key left set to undefined would still win over a later request's own `ca` (the agent's options are spread over it).
    if (previousCa === undefined) delete https.globalAgent.options.ca;
    else https.globalAgent.options.ca = previousCa as typeof https.globalAgent.options.ca;
    await secure?.stop();
  });

  it("sends the token asked for before every attempt, over HTTPS, and never shows it", async () => {
    const tokens: string[] = [];
    const token = () => {
      const t = jwt({ jti: `token-${tokens.length}` });
      tokens.push(t);
      return Promise.resolve(t);
    };
    const logger = recordingLogger();
    const store = storage({ auth: { kind: "bearer", token }, blockBytes: 64 * 1024, logger });
    const { bytes, entry } = file(150 * 1024);
    await store.upload(secureBucket, "bearer/a.bin", entry, op);
    const { stream } = await store.open(secureBucket, "bearer/a.bin", op);
    expect(sha(new Uint8Array(await new Response(stream).arrayBuffer()))).toBe(sha(bytes));
    // Three blocks, the commit and the read: one token each.
    expect(tokens).toHaveLength(5);
    expect(logger.lines.map((l) => String(l.data?.url))).toSatisfy((urls: string[]) => urls.every((u) => u.startsWith("https://") && !u.includes("sig=")));
    for (const t of tokens) expect(logger.text()).not.toContain(t.split(".")[1]);
    expect(logger.lines.length).toBe(5);
    expect(AZURE_STORAGE_VERSION >= "2017-11-09").toBe(true);
  });

  it("refuses a token for another audience with AuthenticationError, without showing it", async () => {
    const bad = jwt({ aud: "https://management.azure.com" });
    const logger = recordingLogger();
    const error = await rejectionOf(storage({ auth: { kind: "bearer", token: bad }, logger }).getJson(secureBucket, "bearer/none.json", op));
    expect(AuthenticationError.isInstance(error) && error.providerCode === "AuthenticationFailed").toBe(true);
    expect(shown(error, logger)).not.toContain(bad.split(".")[1]);
  });
});
