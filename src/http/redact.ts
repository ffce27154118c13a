/**
 * Redaction of credentials from anything a person or a log may read: error messages, `url` fields, causes and log
 * lines. It runs on text, not on structured values, because secrets leak through free text (a proxy echoing the
 * request line, an exception that quotes its URL).
 *
 * @module
 */

/** What every redacted value is replaced with. */
export const REDACTED = "[REDACTED]";

/**
 * Query parameters whose value is a credential or a signature. Compared case-insensitively. Signed URLs (GCS V4,
 * S3 SigV4, Azure SAS) carry their whole authority in the query, so a logged signed URL is as good as a password.
 */
export const SENSITIVE_QUERY_PARAMS: readonly string[] = [
  "token",
  "access_token",
  "id_token",
  "refresh_token",
  "key",
  "api_key",
  "apikey",
  "api-key",
  "password",
  "secret",
  "client_secret",
  "sig",
  "signature",
  "x-goog-signature",
  "x-goog-credential",
  "x-goog-security-token",
  "x-amz-signature",
  "x-amz-credential",
  "x-amz-security-token",
  "googleaccessid",
  // A Cloud Storage resumable session URI needs no other auth: whoever has the upload id can write the object.
  "upload_id",
];

/** Header names whose values are credentials. Compared case-insensitively. */
const SENSITIVE_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "api-key",
  "x-goog-api-key",
  "x-auth-token",
  "private-token",
  "x-amz-security-token",
]);

/** Any other header whose name says it holds a credential. */
const SENSITIVE_HEADER_NAME = /token|secret|password|api-?key|signature|credential/i;

/**
 * Secrets shorter than this are not searched for: replacing every `abc` in a message would make it unreadable
 * and protect nothing, since a secret that short is guessable anyway.
 */
const MIN_SECRET_LENGTH = 4;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const QUERY_PARAM_PATTERN = new RegExp(`([?&;](?:${SENSITIVE_QUERY_PARAMS.map(escapeRegExp).join("|")})=)[^&#\\s"'<>]*`, "gi");
const USERINFO_PATTERN = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi;
// A minimum of 8 characters keeps `WWW-Authenticate: Basic realm="x"` readable.
const AUTH_SCHEME_PATTERN = /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]{8,}=*/g;
const BASE64_TOKEN = /[A-Za-z0-9+/]{12,}={0,2}/g;

/** True when a header of this name carries a credential and must never be logged or forwarded cross-origin. */
export function isSensitiveHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return SENSITIVE_HEADERS.has(lower) || SENSITIVE_HEADER_NAME.test(lower);
}

function decodeBase64(token: string): string | undefined {
  try {
    const padded = token.replace(/=+$/, "");
    return atob(padded + "=".repeat((4 - (padded.length % 4)) % 4));
  } catch {
    return undefined;
  }
}

/**
 * The credential strings inside a set of headers, so a client can redact what it sends without being told.
 * A Basic value yields its base64 form, the decoded `user:pass` and the password, because any of the three may turn
 * up in an echo.
 */
export function secretsFromHeaders(headers: Headers | Record<string, string | undefined>): string[] {
  const entries: Array<[string, string | undefined]> = [];
  if (headers instanceof Headers)
    headers.forEach((value, name) => {
      entries.push([name, value]);
    });
  else entries.push(...Object.entries(headers));
  const found: string[] = [];
  for (const [name, value] of entries) {
    if (value === undefined || !isSensitiveHeader(name)) continue;
    found.push(value);
    const match = /^(Bearer|Basic|Token)\s+(.+)$/i.exec(value.trim());
    if (!match?.[2]) continue;
    found.push(match[2]);
    if (match[1]?.toLowerCase() === "basic") {
      const decoded = decodeBase64(match[2]);
      if (decoded !== undefined) {
        found.push(decoded);
        const colon = decoded.indexOf(":");
        if (colon >= 0) found.push(decoded.slice(colon + 1));
      }
    }
  }
  return found;
}

function variantsOf(secret: string): string[] {
  const variants = [secret, encodeURIComponent(secret)];
  // A `user:pass` secret travels as base64 in Basic auth.
  if (secret.includes(":")) {
    try {
      variants.push(btoa(secret));
    } catch {
      // Not Latin-1, so it cannot have been sent as Basic.
    }
  }
  return variants;
}

/**
 * Replaces every credential in `text` with `[REDACTED]`: each given secret (and its URL-encoded form, and the base64
 * form of a `user:pass` secret), any base64 token that decodes to something containing a secret (the W&B
 * `Basic base64("api:" + key)` case, where only the key is known), sensitive query parameters, URL user-info and
 * `Bearer`/`Basic` credentials.
 *
 * @param text - Any text: a message, a URL, a response body.
 * @param secrets - The credential strings to remove; `undefined` and strings under 4 characters are ignored.
 * @returns The text with every credential replaced.
 */
export function redact(text: string, secrets: Iterable<string | undefined> = []): string {
  const list = [...new Set([...secrets].filter((s): s is string => typeof s === "string" && s.length >= MIN_SECRET_LENGTH))];
  let out = text;
  if (list.length > 0) {
    const variants = [...new Set(list.flatMap(variantsOf))].sort((a, b) => b.length - a.length);
    for (const variant of variants) out = out.split(variant).join(REDACTED);
    out = out.replace(BASE64_TOKEN, (token) => {
      const decoded = decodeBase64(token);
      return decoded !== undefined && list.some((secret) => decoded.includes(secret)) ? REDACTED : token;
    });
  }
  return out.replace(QUERY_PARAM_PATTERN, `$1${REDACTED}`).replace(USERINFO_PATTERN, `$1${REDACTED}@`).replace(AUTH_SCHEME_PATTERN, `$1 ${REDACTED}`);
}

/**
 * A URL as it may be shown: sensitive query parameters, user-info and known secrets replaced.
 *
 * @param url - The URL to show.
 * @param secrets - The credential strings to remove.
 */
export function redactUrl(url: string | URL, secrets: Iterable<string | undefined> = []): string {
  return redact(String(url), secrets);
}

/** A redactor that learns secrets as a request goes (client headers are resolved per attempt). */
export interface Redactor {
  /** Adds secrets to remove from now on. */
  add(secrets: Iterable<string | undefined>): void;
  /** Redacts `text` with every secret known so far. */
  (text: string): string;
}

/** Builds a {@link Redactor} seeded with `secrets`. */
export function createRedactor(secrets: Iterable<string | undefined> = []): Redactor {
  const known = new Set<string | undefined>(secrets);
  const redactor = ((text: string) => redact(text, known)) as Redactor;
  redactor.add = (more) => {
    for (const secret of more) known.add(secret);
  };
  return redactor;
}
