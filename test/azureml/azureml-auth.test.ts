// Azure ML's bearer tokens (src/adapters/azureml/azureml-auth.ts): a token or token function from the settings, an
// @azure/identity credential cached until near expiry, and DefaultAzureCredential from the real @azure/identity 4.13.1
// (the optional peer, installed into .cache/node-peers and resolved for the adapter's own lazy import, as the Vertex
// ADC tests do with google-auth-library) through the Azure CLI (a fake `az` on PATH), managed identity (an App
// Service identity endpoint on loopback) and a client secret from the environment (a fake Entra ID over TLS, in a
// child process that trusts its CA).
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { AuthenticationError } from "modelreg";
import { ARM_SCOPE, type AzureAccessToken, type AzureTokenCredential, azureTokenSource, STORAGE_SCOPE } from "../../src/adapters/azureml/azureml-auth.js";
import { renderEveryWay } from "../support/canary.js";
import { childScript } from "../support/child-script.js";
import { createFakeAz, type FakeAz } from "./support/fake-az.js";
import { ENTRA_DISCOVERY_HOST, type FakeEntra, startFakeEntra } from "./support/fake-entra.js";
import { identityImportUrl, importerWithoutPeer, peerNodeModules } from "./support/identity-peer.js";

// Canary tokens and secrets, shaped like the real ones (Entra ID access tokens are JWTs). None may appear in an error.
const ARM_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJjYW5hcnkiOiJhcm0ifQ.canaryAzureArmSig5f0c2a9e71b34d86";
const STORAGE_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJjYW5hcnkiOiJibG9iIn0.canaryAzureBlobSig9d41c7e0a2b85f36";
const OPAQUE_TOKEN = "canary-azure-opaque-token-3e8a61f0d2c94b7a";
const CLIENT_SECRET = "canary~azure~client~secret.7Qm2xVb9Lr4Tn6Kp";
const IDENTITY_HEADER = "canary-azure-identity-header-b3c9d1e7f2a4";
const SECRETS = [ARM_TOKEN, STORAGE_TOKEN, OPAQUE_TOKEN, CLIENT_SECRET, IDENTITY_HEADER];

/** The secrets found in any rendering of `value` (message, stack, JSON, inspect, causes). */
function leaked(value: unknown): string[] {
  const text = renderEveryWay(value).join("\n");
  return SECRETS.filter((secret) => text.includes(secret) || text.includes(secret.slice(0, 24)));
}

async function failure(work: Promise<unknown>): Promise<AuthenticationError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(AuthenticationError.isInstance(error)).toBe(true);
  const typed = error as AuthenticationError;
  expect(typed.provider).toBe("azureml");
  expect(typed.operation).toBe("getToken");
  // Compared, not printed: a failure message must not show a secret.
  expect(leaked(typed)).toEqual([]);
  return typed;
}

const MINUTE = 60_000;

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

/** A credential whose answers the test hands out one by one. */
function scriptedCredential() {
  const calls: Array<{ scopes: string | string[]; answer: Deferred<AzureAccessToken | null> }> = [];
  const credential: AzureTokenCredential = {
    getToken(scopes) {
      let resolve!: (value: AzureAccessToken | null) => void;
      let reject!: (reason: unknown) => void;
      const promise = new Promise<AzureAccessToken | null>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      calls.push({ scopes, answer: { promise, resolve, reject } });
      return promise;
    },
  };
  return { credential, calls };
}

/** A credential that answers at once with what `next` gives. */
function answeringCredential(next: (scopes: string | string[]) => AzureAccessToken | null | Promise<AzureAccessToken | null>) {
  const scopes: Array<string | string[]> = [];
  const credential: AzureTokenCredential = {
    async getToken(s) {
      scopes.push(s);
      return next(s);
    },
  };
  return { credential, scopes };
}

describe("a token from the settings", () => {
  it("sends a fixed token as it is, for any scope", async () => {
    const source = azureTokenSource({ token: ARM_TOKEN }, ARM_SCOPE);
    expect((await source()) === ARM_TOKEN).toBe(true);
    expect((await source()) === ARM_TOKEN).toBe(true);
  });

  it("calls a token function for every request, sync or async", async () => {
    let n = 0;
    const sync = azureTokenSource({ token: () => `token-${++n}` }, ARM_SCOPE);
    expect([await sync(), await sync(), await sync()]).toEqual(["token-1", "token-2", "token-3"]);
    const async = azureTokenSource({ token: async () => `async-${++n}` }, STORAGE_SCOPE);
    expect([await async(), await async()]).toEqual(["async-4", "async-5"]);
  });

  it("wins over a credential, which is then never asked", async () => {
    const { credential, scopes } = answeringCredential(() => ({ token: STORAGE_TOKEN, expiresOnTimestamp: Date.now() + 60 * MINUTE }));
    expect((await azureTokenSource({ token: ARM_TOKEN, credential }, ARM_SCOPE)()) === ARM_TOKEN).toBe(true);
    expect(scopes).toEqual([]);
  });

  it("refuses an empty token, or one a header cannot carry, without quoting it", async () => {
    const empty = await failure(azureTokenSource({ token: "" }, ARM_SCOPE)());
    expect(empty.message).toMatch(/token setting gave no token/);
    const broken = await failure(azureTokenSource({ token: `${ARM_TOKEN}\r\nx-evil: 1` }, ARM_SCOPE)());
    expect(broken.message).toMatch(/spaces or control characters/);
    await failure(azureTokenSource({ token: () => undefined as unknown as string }, ARM_SCOPE)());
  });

  it("wraps a token function's failure, keeping its message but no token in it", async () => {
    const source = azureTokenSource(
      {
        token: () => {
          throw new Error(`vault refused: the cached token ${ARM_TOKEN} expired; Authorization: Bearer ${OPAQUE_TOKEN}`);
        },
      },
      ARM_SCOPE,
    );
    const error = await failure(source());
    expect(error.message).toContain("vault refused");
    expect(error.message).toContain("[REDACTED]");
    expect(error.message).toContain(ARM_SCOPE);
  });
});

describe("an @azure/identity credential", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-01-15T10:00:00Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("asks for the source's scope and keeps the token until 5 minutes before it expires", async () => {
    let n = 0;
    const { credential, scopes } = answeringCredential(() => ({ token: `token-${++n}`, expiresOnTimestamp: Date.now() + 60 * MINUTE }));
    const source = azureTokenSource({ credential }, ARM_SCOPE);
    expect(await source()).toBe("token-1");
    vi.setSystemTime(Date.now() + 54 * MINUTE);
    expect(await source()).toBe("token-1");
    // 5 minutes and a second before expiry: still kept. Inside the 5 minutes: asked again.
    vi.setSystemTime(Date.now() + 59_000);
    expect(await source()).toBe("token-1");
    vi.setSystemTime(Date.now() + 2_000);
    expect(await source()).toBe("token-2");
    expect(await source()).toBe("token-2");
    expect(scopes).toEqual([ARM_SCOPE, ARM_SCOPE]);
  });

  it("keeps one token per source: a storage source asks for the storage scope", async () => {
    const { credential, scopes } = answeringCredential((s) => ({
      token: s === STORAGE_SCOPE ? STORAGE_TOKEN : ARM_TOKEN,
      expiresOnTimestamp: Date.now() + 60 * MINUTE,
    }));
    const arm = azureTokenSource({ credential }, ARM_SCOPE);
    const blob = azureTokenSource({ credential }, STORAGE_SCOPE);
    expect((await arm()) === ARM_TOKEN && (await blob()) === STORAGE_TOKEN && (await arm()) === ARM_TOKEN).toBe(true);
    expect(scopes).toEqual([ARM_SCOPE, STORAGE_SCOPE]);
  });

  it("makes concurrent callers share one request to the credential, at first and at refresh", async () => {
    const { credential, calls } = scriptedCredential();
    const source = azureTokenSource({ credential }, ARM_SCOPE);
    const first = Array.from({ length: 5 }, () => source());
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    calls[0]?.answer.resolve({ token: "first", expiresOnTimestamp: Date.now() + 10 * MINUTE });
    expect(await Promise.all(first)).toEqual(["first", "first", "first", "first", "first"]);
    vi.setSystemTime(Date.now() + 6 * MINUTE);
    const second = Array.from({ length: 4 }, () => source());
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    // Callers arriving while the refresh is out wait for it too.
    const late = source();
    calls[1]?.answer.resolve({ token: "second", expiresOnTimestamp: Date.now() + 60 * MINUTE });
    expect(await Promise.all([...second, late])).toEqual(["second", "second", "second", "second", "second"]);
    expect(calls).toHaveLength(2);
  });

  it("keeps a token whose refresh failed while it is still valid, and tries again 30 s later", async () => {
    const { credential, calls } = scriptedCredential();
    const source = azureTokenSource({ credential }, ARM_SCOPE);
    const first = source();
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    calls[0]?.answer.resolve({ token: "old", expiresOnTimestamp: Date.now() + 10 * MINUTE });
    expect(await first).toBe("old");
    vi.setSystemTime(Date.now() + 6 * MINUTE);
    const during = source();
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    calls[1]?.answer.reject(new Error("the identity endpoint is restarting"));
    expect(await during).toBe("old");
    vi.setSystemTime(Date.now() + 20_000);
    expect(await source()).toBe("old");
    expect(calls).toHaveLength(2);
    vi.setSystemTime(Date.now() + 11_000);
    const again = source();
    await vi.waitFor(() => expect(calls).toHaveLength(3));
    calls[2]?.answer.resolve({ token: "new", expiresOnTimestamp: Date.now() + 60 * MINUTE });
    expect(await again).toBe("new");
  });

  it("fails once the token has expired and the refresh fails; the failure is not kept", async () => {
    let fail = true;
    const { credential, scopes } = answeringCredential(() => {
      if (fail) throw new Error("ManagedIdentityCredential: Network unreachable");
      return { token: "fresh", expiresOnTimestamp: Date.now() + 60 * MINUTE };
    });
    const source = azureTokenSource({ credential }, ARM_SCOPE);
    const error = await failure(source());
    expect(error.message).toContain("Network unreachable");
    fail = false;
    expect(await source()).toBe("fresh");
    expect(scopes).toHaveLength(2);
  });

  it("does not keep a token without a usable expiry", async () => {
    let n = 0;
    const { credential } = answeringCredential(() => ({ token: `t${++n}`, expiresOnTimestamp: Number.NaN }));
    const source = azureTokenSource({ credential }, ARM_SCOPE);
    expect([await source(), await source()]).toEqual(["t1", "t2"]);
  });

  it("turns null, a missing token and a throw into AuthenticationErrors that keep the message and no secret", async () => {
    const nothing = await failure(azureTokenSource({ credential: answeringCredential(() => null).credential }, ARM_SCOPE)());
    expect(nothing.message).toBe(`[azureml] getToken: the credential returned no token for ${ARM_SCOPE}`);
    await failure(azureTokenSource({ credential: answeringCredential(() => ({ token: "", expiresOnTimestamp: 0 })).credential }, ARM_SCOPE)());

    // A credential's message may quote what it had: a token it handed out before (opaque, so known only by having
    // been handed out), a JWT, a client secret from the environment, or a token field of a response body.
    vi.stubEnv("AZURE_CLIENT_SECRET", CLIENT_SECRET);
    try {
      let calls = 0;
      const { credential } = answeringCredential(() => {
        if (++calls === 1) return { token: OPAQUE_TOKEN, expiresOnTimestamp: Date.now() + 6 * MINUTE };
        const cause = new Error(`socket closed; last body {"access_token":"${STORAGE_TOKEN}"} client_secret=${CLIENT_SECRET}`);
        throw Object.assign(
          new Error(`AADSTS7000215: Invalid client secret provided (${CLIENT_SECRET}); retried with ${OPAQUE_TOKEN} and ${ARM_TOKEN}`, { cause }),
          {
            name: "AuthenticationError",
            errorResponse: { access_token: ARM_TOKEN },
          },
        );
      });
      const source = azureTokenSource({ credential }, ARM_SCOPE);
      expect((await source()) === OPAQUE_TOKEN).toBe(true);
      // Past expiry, so the failure is not covered by the old token.
      vi.setSystemTime(Date.now() + 7 * MINUTE);
      const error = await failure(source());
      expect(error.message).toContain("AADSTS7000215: Invalid client secret provided");
      expect(error.cause).toBeInstanceOf(Error);
      expect((error.cause as Error).name).toBe("AuthenticationError");
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("passes a modelreg error from the credential through unchanged", async () => {
    const own = new AuthenticationError("already typed", { provider: "azureml", operation: "getToken" });
    const { credential } = answeringCredential(() => {
      throw own;
    });
    expect(await azureTokenSource({ credential }, ARM_SCOPE)().catch((e: unknown) => e)).toBe(own);
  });
});

describe("without a token or credential, and without @azure/identity", () => {
  beforeAll(() => {
    // A user without the peer: the adapter's import resolves from a folder where it is not installed.
    const importer = importerWithoutPeer();
    vi.doMock("@azure/identity", () => import(importer));
  });
  afterAll(() => {
    vi.doUnmock("@azure/identity");
  });

  it("says how to install it, and asks again on the next request", async () => {
    const source = azureTokenSource({}, ARM_SCOPE);
    const error = await failure(source());
    expect(error.message).toContain("@azure/identity is not installed");
    expect(error.message).toContain("npm i @azure/identity@4");
    await failure(source());
  });
});

describe("DefaultAzureCredential from @azure/identity 4.13.1", () => {
  let identityUrl: string;
  beforeAll(async () => {
    const url = await identityImportUrl();
    identityUrl = url;
    // Only this file's imports of the optional peer load the installed copy.
    vi.doMock("@azure/identity", () => import(url));
  }, 300_000);
  afterAll(() => {
    vi.doUnmock("@azure/identity");
  });

  beforeEach(() => {
    // Nothing from the machine's environment reaches the chain: each test sets what its credential reads.
    for (const name of Object.keys(process.env)) if (/^(AZURE_|IDENTITY_|MSI_|IMDS_)/.test(name)) vi.stubEnv(name, undefined);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  describe("through the Azure CLI", () => {
    let az: FakeAz;
    beforeAll(() => {
      az = createFakeAz();
    });
    afterAll(() => az.remove());
    beforeEach(() => {
      vi.stubEnv("PATH", az.path);
      vi.stubEnv("AZURE_TOKEN_CREDENTIALS", "AzureCliCredential");
    });

    it("runs az account get-access-token for the scope's resource and keeps the token", async () => {
      const before = az.calls().length;
      az.answer({ kind: "token", accessToken: ARM_TOKEN, expiresOnTimestamp: Date.now() + 60 * MINUTE });
      const source = azureTokenSource({}, ARM_SCOPE);
      expect((await source()) === ARM_TOKEN).toBe(true);
      expect((await source()) === ARM_TOKEN).toBe(true);
      expect(az.calls().slice(before)).toEqual([["account", "get-access-token", "--output", "json", "--resource", "https://management.azure.com"]]);

      az.answer({ kind: "token", accessToken: STORAGE_TOKEN, expiresOnTimestamp: Date.now() + 60 * MINUTE });
      expect((await azureTokenSource({}, STORAGE_SCOPE)()) === STORAGE_TOKEN).toBe(true);
      expect(az.calls().at(-1)).toEqual(["account", "get-access-token", "--output", "json", "--resource", "https://storage.azure.com"]);
    });

    it("takes the CLI's expiry: a token 4 minutes from expiry is asked for again on the next request", async () => {
      const before = az.calls().length;
      az.answer({ kind: "token", accessToken: ARM_TOKEN, expiresOnTimestamp: Date.now() + 4 * MINUTE });
      const source = azureTokenSource({}, ARM_SCOPE);
      expect((await source()) === ARM_TOKEN).toBe(true);
      expect((await source()) === ARM_TOKEN).toBe(true);
      expect(az.calls().length - before).toBe(2);
    });

    it("fails with the CLI's advice when nobody is logged in", async () => {
      az.answer({ kind: "not-logged-in" });
      const error = await failure(azureTokenSource({}, ARM_SCOPE)());
      expect(error.message).toContain("az login");
    });

    it("reports a bad AZURE_TOKEN_CREDENTIALS as the library words it", async () => {
      vi.stubEnv("AZURE_TOKEN_CREDENTIALS", "NoSuchCredential");
      const error = await failure(azureTokenSource({}, ARM_SCOPE)());
      expect(error.message).toContain("DefaultAzureCredential could not be created");
      expect(error.message).toContain("Invalid value for AZURE_TOKEN_CREDENTIALS");
    });

    it("is refused when the env setting names other Azure variables than process.env holds", async () => {
      const before = az.calls().length;
      const error = await failure(azureTokenSource({ env: { AZURE_CLIENT_ID: "someone-else", AZURE_TOKEN_CREDENTIALS: "AzureCliCredential" } }, ARM_SCOPE)());
      expect(error.message).toContain("differs from the env setting in AZURE_CLIENT_ID;");
      expect(az.calls().length).toBe(before);
      // The same variables (PATH aside, which the chain does not read from it): used.
      az.answer({ kind: "token", accessToken: ARM_TOKEN, expiresOnTimestamp: Date.now() + 60 * MINUTE });
      expect((await azureTokenSource({ env: { AZURE_TOKEN_CREDENTIALS: "AzureCliCredential" } }, ARM_SCOPE)()) === ARM_TOKEN).toBe(true);
    });
  });

  describe("through managed identity (App Service's identity endpoint)", () => {
    let server: Server;
    let endpoint: string;
    const seen: Array<{ url: URL; header: string | undefined; method: string | undefined }> = [];
    let status = 200;

    beforeAll(async () => {
      server = createServer((req: IncomingMessage, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        seen.push({ url, header: req.headers["x-identity-header"] as string | undefined, method: req.method });
        res.setHeader("content-type", "application/json");
        if (req.headers["x-identity-header"] !== IDENTITY_HEADER || status !== 200) {
          res.statusCode = status === 200 ? 401 : status;
          res.end(JSON.stringify({ statusCode: res.statusCode, message: "The identity header is wrong or the identity is not assigned." }));
          return;
        }
        const resource = url.searchParams.get("resource");
        // App Service's answer: expires_on in epoch seconds, as a string.
        res.end(
          JSON.stringify({
            access_token: resource === "https://storage.azure.com" ? STORAGE_TOKEN : ARM_TOKEN,
            expires_on: String(Math.floor(Date.now() / 1000) + 3600),
            resource,
            token_type: "Bearer",
            client_id: "7e1c9a0d-1111-4c2b-9f00-000000000000",
          }),
        );
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });
    beforeEach(() => {
      seen.length = 0;
      status = 200;
      // The whole default chain, as an App Service app runs it: only the identity endpoint is configured.
      vi.stubEnv("IDENTITY_ENDPOINT", endpoint);
      vi.stubEnv("IDENTITY_HEADER", IDENTITY_HEADER);
    });

    it("asks the endpoint for the scope's resource with the identity header, once per token", async () => {
      const arm = azureTokenSource({}, ARM_SCOPE);
      expect((await arm()) === ARM_TOKEN && (await arm()) === ARM_TOKEN).toBe(true);
      const blob = azureTokenSource({}, STORAGE_SCOPE);
      expect((await blob()) === STORAGE_TOKEN).toBe(true);
      expect(seen.map((s) => [s.method, s.url.pathname, s.url.searchParams.get("api-version"), s.url.searchParams.get("resource")])).toEqual([
        ["GET", "/msi/token", "2019-08-01", "https://management.azure.com"],
        ["GET", "/msi/token", "2019-08-01", "https://storage.azure.com"],
      ]);
      expect(seen.every((s) => s.header === IDENTITY_HEADER)).toBe(true);
    });

    it("wraps the endpoint's refusal without the identity header in it", async () => {
      status = 403;
      // A scope not asked for before: MSAL keeps managed identity tokens in a cache shared by the whole process.
      const error = await failure(azureTokenSource({}, "https://ml.azure.com/.default")());
      expect(error.message).toMatch(/ManagedIdentityCredential/);
      expect(seen.length).toBeGreaterThan(0);
    });
  });

  describe("through a client secret in the environment (EnvironmentCredential)", () => {
    const TENANT = "72f988bf-0000-4d2b-9c1f-3c0000000000";
    const CLIENT_ID = "0d3e1f2a-5b6c-4d7e-8f90-a1b2c3d4e5f6";
    let entra: FakeEntra;
    let app: string;

    beforeAll(async () => {
      entra = await startFakeEntra({ tenantId: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, accessToken: ARM_TOKEN });
      // A user's project: the bundled script beside a node_modules that holds the peer.
      app = mkdtempSync(join(tmpdir(), "modelreg-azure-app-"));
      symlinkSync(peerNodeModules(identityUrl), join(app, "node_modules"), "dir");
      copyFileSync(await childScript(new URL("./support/token-child.ts", import.meta.url)), join(app, "token-child.mjs"));
    }, 120_000);
    afterAll(async () => {
      await entra?.close();
      if (app) rmSync(app, { recursive: true, force: true });
    });

    /** Runs the child with the variables a user sets for a service principal, and the fake's trust and proxy. */
    async function tokenInChild(secret: string): Promise<Record<string, unknown>> {
      const { stdout } = await promisify(execFile)(process.execPath, [join(app, "token-child.mjs"), ARM_SCOPE], {
        cwd: app,
        timeout: 60_000,
        env: {
          PATH: process.env.PATH,
          NODE_EXTRA_CA_CERTS: entra.caPath,
          HTTPS_PROXY: entra.proxy,
          AZURE_TENANT_ID: TENANT,
          AZURE_CLIENT_ID: CLIENT_ID,
          AZURE_CLIENT_SECRET: secret,
          AZURE_AUTHORITY_HOST: entra.authorityHost,
        },
      });
      return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
    }

    it("gets the token from the loopback authority with the secret, once, after Entra's instance discovery", async () => {
      entra.requests.length = 0;
      const result = await tokenInChild(CLIENT_SECRET);
      expect(result.ok).toBe(true);
      expect(result.token === ARM_TOKEN && result.same === true).toBe(true);
      const token = entra.requests.filter((r) => r.path.endsWith("/oauth2/v2.0/token"));
      expect(token).toHaveLength(1);
      expect(token[0]?.host).toBe(new URL(entra.authorityHost).host);
      expect(token[0]?.form.get("grant_type")).toBe("client_credentials");
      expect(token[0]?.form.get("client_id")).toBe(CLIENT_ID);
      expect(token[0]?.form.get("client_secret") === CLIENT_SECRET).toBe(true);
      expect(token[0]?.form.get("scope")).toBe(ARM_SCOPE);
      // MSAL asked Entra whether the custom authority is trusted (answered by the fake through the proxy), then read
      // the authority's OpenID configuration; nothing else left the machine.
      const discovery = entra.requests.find((r) => r.path === "/common/discovery/instance");
      expect(discovery?.host).toBe(ENTRA_DISCOVERY_HOST);
      expect(discovery?.query.get("authorization_endpoint")).toBe(`${entra.authorityHost}/${TENANT}/oauth2/v2.0/authorize`);
      expect(entra.requests.some((r) => r.path === `/${TENANT}/v2.0/.well-known/openid-configuration`)).toBe(true);
      expect(entra.refused).toEqual([]);
    });

    it("fails with Entra's refusal of a wrong secret, quoting neither secret", async () => {
      const wrong = "canary~azure~wrong~secret.Zr5Yw8Tq1Pm3";
      const result = await tokenInChild(wrong);
      expect(result).toMatchObject({ ok: false, kind: "AuthenticationError", provider: "azureml", operation: "getToken" });
      expect(String(result.message)).toContain("AADSTS7000215");
      const rendered = (result.rendered as string[]).join("\n");
      expect(rendered.includes(wrong) || rendered.includes(CLIENT_SECRET)).toBe(false);
      expect(entra.refused).toEqual([]);
    });
  });
});
