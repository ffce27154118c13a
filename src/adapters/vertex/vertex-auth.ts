/**
 * The credential headers of Vertex and Cloud Storage requests: a fixed token, the caller's refresher, or application
 * default credentials through google-auth-library (an optional peer, loaded on first use), and the quota project.
 *
 * @module
 */

import { AuthenticationError } from "../../core/errors.js";
import type { VertexRegistrySettings } from "./vertex-settings.js";

const PROVIDER = "vertex";
const SCOPES = ["https://www.googleapis.com/auth/cloud-platform"];

/**
 * What modelreg uses of google-auth-library's `GoogleAuth`. `getRequestHeaders` and not `getAccessToken`: the
 * headers carry what the credentials add beside the token, above all `x-goog-user-project` from an ADC file's
 * `quota_project_id` (or `GOOGLE_CLOUD_QUOTA_PROJECT`), which user credentials need (`AuthClient.addSharedMetadataHeaders`).
 * v10 returns WHATWG `Headers`; v9 returned a plain object, which is taken too.
 */
interface GoogleAuthLike {
  getRequestHeaders(): Promise<Headers | Record<string, string>>;
}

/** Returns a function giving the credential headers of one request, asked afresh each time so tokens can refresh. */
function credentialSource(settings: VertexRegistrySettings): () => Promise<Record<string, string>> {
  if (settings.accessToken) {
    const token = settings.accessToken;
    return async () => ({ authorization: `Bearer ${token}` });
  }
  if (settings.getAccessToken) {
    const get = settings.getAccessToken;
    return async () => ({ authorization: `Bearer ${await get()}` });
  }
  let auth: Promise<GoogleAuthLike> | undefined;
  return async () => {
    // google-auth-library is an optional peer: loaded only here, so a caller who passes a token never pays for it.
    auth ??= loadGoogleAuth().catch((error: unknown) => {
      auth = undefined;
      throw error;
    });
    const headers: Record<string, string> = {};
    new Headers((await (await auth).getRequestHeaders()) as HeadersInit).forEach((value, name) => {
      headers[name] = value;
    });
    // An API key (x-goog-api-key) is the only credential the library gives without a token.
    if (!headers.authorization && !headers["x-goog-api-key"])
      throw new AuthenticationError("application default credentials gave no access token", { provider: PROVIDER, operation: "getAccessToken" });
    return headers;
  };
}

async function loadGoogleAuth(): Promise<GoogleAuthLike> {
  // A name in a variable keeps bundlers from resolving the optional peer at build time.
  const name = "google-auth-library";
  let mod: { GoogleAuth: new (options: { scopes: string[] }) => GoogleAuthLike };
  try {
    mod = (await import(name)) as typeof mod;
  } catch (error) {
    throw new AuthenticationError(
      "no accessToken or getAccessToken given, and google-auth-library is not installed (npm i google-auth-library@10) for application default credentials",
      { provider: PROVIDER, operation: "getAccessToken", cause: error },
    );
  }
  return new mod.GoogleAuth({ scopes: SCOPES });
}

/**
 * Returns the function that gives every Vertex and Cloud Storage request its headers: the credentials'
 * (`authorization`, and with application default credentials whatever else the library adds, such as the quota
 * project), then `settings.quotaProject` as `x-goog-user-project`, which wins over the credentials' own, as
 * google-auth-library lets a caller's value win, and `x-goog-api-client`.
 *
 * @param settings - The registry settings (checked by the transport).
 */
export function authHeaderSource(settings: VertexRegistrySettings): () => Promise<Record<string, string>> {
  const credentials = credentialSource(settings);
  const client = `gl-node/${process.versions.node} modelreg`;
  return async () => ({
    ...(await credentials()),
    ...(settings.quotaProject && { "x-goog-user-project": settings.quotaProject }),
    "x-goog-api-client": client,
  });
}
