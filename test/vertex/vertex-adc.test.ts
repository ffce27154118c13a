// Application default credentials through the real google-auth-library (issue 15, Vertex item 5). The library is an
// optional peer that the project does not install, so this file installs the pinned release users of Node 20 get
// (test/support/node-peer.ts) and points the adapter's lazy `import("google-auth-library")` at it for its own tests
// only. The credentials are an `authorized_user` file, as `gcloud auth application-default login` writes it, with a
// quota project; the library's refresh-token request to Google's token URL is answered by msw.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { http, HttpResponse } from "msw";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { AuthenticationError, InvalidInputError } from "modelreg";
import { CANARY, renderEveryWay } from "../support/canary.js";
import { ensureNodePeer, GOOGLE_AUTH_LIBRARY } from "../support/node-peer.js";
import { GCS } from "./support/gcs-fake.js";
import { useVertexFakes } from "./support/setup.js";
import { HOST, PROJECT } from "./support/vertex-fake.js";

/** google-auth-library's `OAuth2Client` default `oauth2TokenUrl`, where a refresh token is exchanged. */
const TOKEN_URL = "https://oauth2.googleapis.com/token";

const REFRESH_TOKEN = "1//adc-refresh-token-3f1c9e0b7a5d4c2e8f6a";
const CLIENT_SECRET = "adc-client-secret-9b8a7c6d5e4f";
const FILE_QUOTA_PROJECT = "adc-quota-project";

/** What the token URL received, and how it answers. */
const tokenServer = { requests: [] as URLSearchParams[], refuse: false };

const fakes = useVertexFakes([
  http.post(TOKEN_URL, async ({ request }) => {
    const form = new URLSearchParams(await request.text());
    tokenServer.requests.push(form);
    if (tokenServer.refuse || form.get("refresh_token") !== REFRESH_TOKEN || form.get("client_secret") !== CLIENT_SECRET)
      return HttpResponse.json({ error: "invalid_grant", error_description: "Token has been expired or revoked." }, { status: 400 });
    return HttpResponse.json({ access_token: CANARY.googleAccessToken, expires_in: 3599, scope: form.get("scope") ?? "", token_type: "Bearer" });
  }),
]);

let dir: string;

beforeAll(async () => {
  const entry = await ensureNodePeer(GOOGLE_AUTH_LIBRARY.name, GOOGLE_AUTH_LIBRARY.version);
  // Only this file's imports of the optional peer load the installed copy; every other file runs without it.
  vi.doMock("google-auth-library", () => import(pathToFileURL(entry).href));
  dir = mkdtempSync(join(tmpdir(), "modelreg-adc-"));
  writeFileSync(
    join(dir, "application_default_credentials.json"),
    JSON.stringify({
      type: "authorized_user",
      client_id: "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com",
      client_secret: CLIENT_SECRET,
      refresh_token: REFRESH_TOKEN,
      quota_project_id: FILE_QUOTA_PROJECT,
    }),
  );
  vi.stubEnv("GOOGLE_APPLICATION_CREDENTIALS", join(dir, "application_default_credentials.json"));
  // No probing for a metadata server (the file is found first anyway), no quota project from the machine, and a
  // project id, so the library does not ask the gcloud CLI or the metadata server for one while it sets up.
  vi.stubEnv("METADATA_SERVER_DETECTION", "none");
  vi.stubEnv("GOOGLE_CLOUD_QUOTA_PROJECT", undefined);
  vi.stubEnv("GOOGLE_CLOUD_PROJECT", PROJECT);
}, 300_000);

afterAll(() => {
  vi.doUnmock("google-auth-library");
  vi.unstubAllEnvs();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  tokenServer.requests.length = 0;
  tokenServer.refuse = false;
});

/** Creates a version with `settings` and returns the headers each Vertex and Cloud Storage request carried. */
async function headersOfAVersion(model: string, settings: Parameters<typeof fakes.registry>[0] = {}) {
  const seen: Array<{ host: string; authorization: string | null; quotaProject: string | null }> = [];
  const listener = ({ request }: { request: Request }) => {
    for (const host of [HOST, GCS]) {
      if (request.url.startsWith(host))
        seen.push({ host, authorization: request.headers.get("authorization"), quotaProject: request.headers.get("x-goog-user-project") });
    }
  };
  fakes.server.events.on("request:start", listener);
  try {
    const registry = fakes.registry({ accessToken: undefined, ...settings });
    await registry.createVersion(model, { artifacts: { entries: [{ path: "model.pkl", content: "weights" }] } });
    await registry.getVersion(`${model}/1`);
  } finally {
    fakes.server.events.removeListener("request:start", listener);
  }
  return seen;
}

describe("Vertex with application default credentials", () => {
  it("sends the credentials file's quota project as x-goog-user-project to Vertex and to Cloud Storage", async () => {
    const seen = await headersOfAVersion("adc-quota");
    expect(new Set(seen.map((s) => s.host))).toEqual(new Set([HOST, GCS]));
    expect(new Set(seen.map((s) => s.quotaProject))).toEqual(new Set([FILE_QUOTA_PROJECT]));
    // Compared, not printed: a failure message must not show the token.
    expect(seen.every((s) => s.authorization === `Bearer ${CANARY.googleAccessToken}`)).toBe(true);
    // The library exchanged the refresh token once and reused the access token for every request after it.
    expect(tokenServer.requests.map((form) => form.get("grant_type"))).toEqual(["refresh_token"]);
  });

  it("lets the quotaProject setting win over the credentials' quota project", async () => {
    const seen = await headersOfAVersion("adc-override", { quotaProject: "billing-project" });
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.map((s) => s.quotaProject))).toEqual(new Set(["billing-project"]));
  });

  it("takes GOOGLE_CLOUD_QUOTA_PROJECT where google-auth-library does: over the file's quota project", async () => {
    vi.stubEnv("GOOGLE_CLOUD_QUOTA_PROJECT", "env-quota-project");
    try {
      const seen = await headersOfAVersion("adc-env");
      expect(seen.length).toBeGreaterThan(0);
      expect(new Set(seen.map((s) => s.quotaProject))).toEqual(new Set(["env-quota-project"]));
    } finally {
      vi.stubEnv("GOOGLE_CLOUD_QUOTA_PROJECT", undefined);
    }
  });

  it("fails with an AuthenticationError that quotes no credential, before any Vertex request, when the token is refused", async () => {
    tokenServer.refuse = true;
    const before = fakes.vertex.requests.length;
    const registry = fakes.registry({ accessToken: undefined, maxRetries: 0 });
    const error = await registry.getModel("adc-refused").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(fakes.vertex.requests.length).toBe(before);
    expect(tokenServer.requests.length).toBeGreaterThan(0);
    const text = renderEveryWay(error).join("\n");
    expect(text).not.toContain(REFRESH_TOKEN);
    expect(text).not.toContain(CLIENT_SECRET);
  });
});

describe("the quotaProject setting", () => {
  it("is refused before any request unless it is a project id or number", () => {
    for (const quotaProject of ["Billing Project", "billing\r\nx-evil: 1", ""]) {
      expect(() => fakes.registry({ quotaProject })).toThrow(InvalidInputError);
    }
    expect(() => fakes.registry({ quotaProject: "123456789012" })).not.toThrow();
  });

  it("goes with a token from elsewhere too", async () => {
    const seen = await headersOfAVersion("token-quota", { accessToken: CANARY.googleAccessToken, quotaProject: "billing-project" });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.quotaProject === "billing-project")).toBe(true);
    expect(tokenServer.requests).toEqual([]);
  });
});
