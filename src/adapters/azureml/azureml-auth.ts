/**
 * Bearer tokens for Azure Resource Manager and Blob Storage, the way Azure users hand them over: a fixed token, the
 * caller's function, an `@azure/identity` credential, or else `DefaultAzureCredential` from `@azure/identity` (an
 * optional peer, loaded on first use, so a caller who passes a token never pays for it and bundles leave it out).
 *
 * @module
 */

import { AuthenticationError, ModelRegistryError } from "../../core/errors.js";
import { sanitizeCause } from "../../http/http-errors.js";
import { redact } from "../../http/redact.js";

const PROVIDER = "azureml";
const OPERATION = "getToken";

/** The token scope of Azure Resource Manager, where Azure ML's models, registries and endpoints live. */
export const ARM_SCOPE = "https://management.azure.com/.default";

/** The token scope of Blob Storage, for identity-based datastores (no account key or SAS). */
export const STORAGE_SCOPE = "https://storage.azure.com/.default";

/** The optional peer that gives `DefaultAzureCredential`. */
const IDENTITY_PACKAGE = "@azure/identity";

/** A token is asked for again this long before it expires, as Azure's own clients refresh ahead of expiry. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

/** After a refresh fails while the token it would replace is still valid, that token is used this long before trying again. */
const RETRY_AFTER_FAILED_REFRESH_MS = 30_000;

/** An access token with its expiry (epoch milliseconds), as an `@azure/identity` credential returns it. */
export interface AzureAccessToken {
  /** The bearer token. */
  token: string;
  /** When it expires, in milliseconds since the epoch. */
  expiresOnTimestamp: number;
}

/**
 * What modelreg uses of an `@azure/identity` credential: structurally its `TokenCredential`, so any of its credentials
 * (`DefaultAzureCredential`, `ManagedIdentityCredential`, `ClientSecretCredential`, `AzureCliCredential`, ...) or an
 * object of your own with `getToken` will do.
 */
export interface AzureTokenCredential {
  /** Gives a token for the scopes (`https://management.azure.com/.default`), or `null` when it has none. */
  getToken(scopes: string | string[], options?: { abortSignal?: AbortSignal }): Promise<AzureAccessToken | null>;
}

/** Where an Azure token comes from; the first of `token` and `credential` that is given wins. */
export interface AzureTokenSettings {
  /** A bearer token, or a function giving one (called for every request, so it can refresh). */
  token?: string | (() => string | Promise<string>);
  /** An `@azure/identity` credential; its tokens are kept until 5 minutes before they expire. */
  credential?: AzureTokenCredential;
  /**
   * The environment the caller means. `DefaultAzureCredential` reads `process.env` itself (when it is created and on
   * every token request), so it is refused, rather than silently reading other variables, when this differs from
   * `process.env` in a variable it reads (`AZURE_*`, `IDENTITY_*`, `MSI_*`, `IMDS_*`). Default `process.env`.
   */
  env?: Record<string, string | undefined>;
}

/**
 * Returns the function that gives the bearer token of each request for `scope`: the fixed `token`; the `token`
 * function, called each time; the `credential`'s token, kept until 5 minutes before it expires, with one refresh in
 * flight at a time however many requests wait for it (a refresh that fails while the old token is still valid leaves
 * the old token in use for another 30 s); otherwise the same with one `DefaultAzureCredential`, created on first use
 * from `@azure/identity`, which is then loaded. Failures are {@link AuthenticationError}s that keep the credential's
 * message and never hold a token. Nothing here logs.
 *
 * @param settings - Where the token comes from.
 * @param scope - The scope to ask for, such as {@link ARM_SCOPE} or {@link STORAGE_SCOPE}.
 */
export function azureTokenSource(settings: AzureTokenSettings, scope: string): () => Promise<string> {
  const { token, credential } = settings;
  if (typeof token === "string") return async () => checkedToken(token, "the token setting", scope);
  if (typeof token === "function") {
    return async () => {
      let got: unknown;
      try {
        got = await token();
      } catch (error) {
        throw wrapped(error, `the token function failed for ${scope}`, []);
      }
      return checkedToken(got, "the token function", scope);
    };
  }
  if (credential) return cachedTokens(async () => credential, "the credential", scope, settings.env);
  let made: Promise<AzureTokenCredential> | undefined;
  const defaultCredential = () => {
    // Once per source; a failure (no peer yet, a bad AZURE_TOKEN_CREDENTIALS) is not kept, so a fix is picked up.
    made ??= createDefaultCredential(settings.env).catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
  return cachedTokens(defaultCredential, "DefaultAzureCredential", scope, settings.env);
}

/** Tokens from a credential, cached until near expiry, with one request to the credential in flight at a time. */
function cachedTokens(
  credential: () => Promise<AzureTokenCredential>,
  label: string,
  scope: string,
  env: Record<string, string | undefined> | undefined,
): () => Promise<string> {
  let cached: AzureAccessToken | undefined;
  let refreshing: Promise<AzureAccessToken> | undefined;
  let quietUntil = 0;
  // Every token handed out, so a later failure's message cannot quote one.
  const handedOut = new Set<string>();
  const refresh = async (): Promise<AzureAccessToken> => {
    const source = await credential();
    let got: AzureAccessToken | null;
    try {
      got = await source.getToken(scope);
    } catch (error) {
      throw wrapped(error, `${label} gave no token for ${scope}`, [...handedOut, ...knownSecrets(env)]);
    }
    if (got === null || typeof got !== "object")
      throw new AuthenticationError(`${label} returned no token for ${scope}`, { provider: PROVIDER, operation: OPERATION });
    const value = checkedToken(got.token, label, scope);
    handedOut.add(value);
    return { token: value, expiresOnTimestamp: got.expiresOnTimestamp };
  };
  return async () => {
    const now = Date.now();
    if (cached && (cached.expiresOnTimestamp - now > EXPIRY_MARGIN_MS || (now < quietUntil && cached.expiresOnTimestamp > now))) return cached.token;
    if (!refreshing) {
      const next = refresh();
      refreshing = next;
      const settle = (got: AzureAccessToken | undefined) => {
        if (refreshing !== next) return;
        refreshing = undefined;
        // A token without a usable expiry is used for the requests waiting on it, not kept.
        if (got) cached = Number.isFinite(got.expiresOnTimestamp) ? got : undefined;
        else if (cached && cached.expiresOnTimestamp > Date.now()) quietUntil = Date.now() + RETRY_AFTER_FAILED_REFRESH_MS;
      };
      next.then(settle, () => settle(undefined));
    }
    const waitingOn = refreshing;
    try {
      return (await waitingOn).token;
    } catch (error) {
      // Azure's bearer-token policy does the same: a failed refresh does not throw away a token that still works.
      if (cached && cached.expiresOnTimestamp > Date.now()) return cached.token;
      throw error;
    }
  };
}

/** What the default credential needs of `@azure/identity`. */
interface IdentityModule {
  DefaultAzureCredential: new () => AzureTokenCredential;
}

async function createDefaultCredential(env: Record<string, string | undefined> | undefined): Promise<AzureTokenCredential> {
  const differing = env && env !== process.env ? variablesThatDiffer(env, process.env) : [];
  if (differing.length > 0)
    throw new AuthenticationError(
      `no token or credential given, and DefaultAzureCredential would read process.env, which differs from the env setting in ${differing.join(", ")}; pass a token, or a credential built with the options you need`,
      { provider: PROVIDER, operation: OPERATION },
    );
  // A name in a variable keeps bundlers from resolving the optional peer at build time.
  const name = IDENTITY_PACKAGE;
  let mod: Partial<IdentityModule> & { default?: Partial<IdentityModule> };
  try {
    mod = (await import(name)) as typeof mod;
  } catch (error) {
    const why = notFound(error) ? "is not installed" : `could not be loaded (${firstLine(error)})`;
    throw new AuthenticationError(
      `no token or credential given, and ${IDENTITY_PACKAGE} ${why}: install it (npm i ${IDENTITY_PACKAGE}@4) for DefaultAzureCredential, or pass a token or credential`,
      { provider: PROVIDER, operation: OPERATION, cause: sanitizeCause(error, scrub([])) },
    );
  }
  const Default = mod.DefaultAzureCredential ?? mod.default?.DefaultAzureCredential;
  if (typeof Default !== "function")
    throw new AuthenticationError(`${IDENTITY_PACKAGE} has no DefaultAzureCredential: install version 4 (npm i ${IDENTITY_PACKAGE}@4)`, {
      provider: PROVIDER,
      operation: OPERATION,
    });
  try {
    return new Default();
  } catch (error) {
    // An unknown AZURE_TOKEN_CREDENTIALS value, a required variable missing: the message says which.
    throw wrapped(error, "DefaultAzureCredential could not be created", knownSecrets(env));
  }
}

/** The names of the variables `@azure/identity` and MSAL read whose values differ between the two environments. */
function variablesThatDiffer(a: Record<string, string | undefined>, b: Record<string, string | undefined>): string[] {
  const read = /^(AZURE_|IDENTITY_|MSI_|IMDS_)/;
  const names = new Set([...Object.keys(a), ...Object.keys(b)].filter((name) => read.test(name)));
  // An empty variable counts as unset, as @azure/identity treats it.
  return [...names].filter((name) => (a[name] || undefined) !== (b[name] || undefined)).sort();
}

/** The checked bearer token: a non-empty string of visible ASCII (what an `authorization` header can carry). */
function checkedToken(value: unknown, label: string, scope: string): string {
  if (typeof value !== "string" || value === "")
    throw new AuthenticationError(`${label} gave no token for ${scope}`, { provider: PROVIDER, operation: OPERATION });
  // Not quoted: a token with a stray newline is still a token.
  if (!/^[!-~]+$/.test(value))
    throw new AuthenticationError(`${label} gave a token for ${scope} with spaces or control characters, which cannot be sent`, {
      provider: PROVIDER,
      operation: OPERATION,
    });
  return value;
}

/**
 * Secrets a credential's error may quote: the client secret, certificate password and password `EnvironmentCredential`
 * reads, and the managed identity endpoints' shared secrets.
 */
function knownSecrets(env: Record<string, string | undefined> | undefined): string[] {
  const names = ["AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_PASSWORD", "IDENTITY_HEADER", "MSI_SECRET"];
  const out: string[] = [];
  for (const source of env && env !== process.env ? [env, process.env] : [process.env])
    for (const name of names) {
      const value = source[name];
      if (value) out.push(value);
    }
  return out;
}

// JWTs (Entra ID access tokens are), and token or secret fields of JSON and form bodies an error may echo.
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const TOKEN_FIELD = /((?:access_?token|refresh_?token|id_?token|client_?secret|client_?assertion)"?\s*[:=]\s*"?)[^"\s,&}]+/gi;

/** A redactor for a credential's text: known secrets, bearer and query credentials, JWTs and token fields. */
function scrub(secrets: Iterable<string | undefined>): (text: string) => string {
  const list = [...secrets];
  return (text) => redact(text, list).replace(JWT, "[REDACTED]").replace(TOKEN_FIELD, "$1[REDACTED]");
}

/** Whether an import failed because the package is not installed (looking through loaders' and bundlers' wrappers). */
function notFound(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return true;
    if (/Cannot find (package|module) '@azure\/identity'/.test(e instanceof Error ? e.message : "")) return true;
  }
  return false;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n")[0] ?? "").slice(0, 300);
}

/** A credential's failure as an {@link AuthenticationError}: its message kept, any token or secret in it redacted. */
function wrapped(error: unknown, context: string, secrets: Iterable<string | undefined>): ModelRegistryError {
  // Built by modelreg, so redacted already (a token function that calls modelreg, say).
  if (ModelRegistryError.isInstance(error)) return error;
  const clean = scrub(secrets);
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new AuthenticationError(clean(`${context}: ${reason.slice(0, 2000)}`), {
    provider: PROVIDER,
    operation: OPERATION,
    cause: sanitizeCause(error, clean),
  });
}
