/**
 * A webhook notifier: posts registry events as JSON, signed with HMAC-SHA256, so a team hears when a stage changes.
 * WebCrypto only, so it runs in any runtime the core runs in.
 *
 * @module
 */

import { invalidInput } from "../core/errors.js";
import type { RegistryEvent, RegistryEventListener, RegistryEventType } from "../core/events.js";
import type { Logger } from "../core/options.js";
import { defaultWarningLogger } from "../http/default-logger.js";
import { createHttpClient } from "../http/http-client.js";
import { redact } from "../http/redact.js";

/** Settings for {@link createWebhookNotifier}. */
export interface WebhookNotifierOptions {
  /** Where to POST. */
  url: string;
  /** The shared secret the receiver verifies with (at least 16 characters). Never logged or put in errors. */
  secret: string;
  /** Only these event types. Default: all. */
  types?: RegistryEventType[];
  /** Extra headers. */
  headers?: Record<string, string>;
  /** The fetch to use. */
  fetch?: typeof globalThis.fetch;
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** Per-attempt timeout. Default 10 000 ms. */
  timeoutMs?: number;
  /** Where a failed delivery goes. Default: thrown to the registry's event bus, whose `onEventError` sees it. */
  onError?: (error: unknown, event: RegistryEvent) => void;
  /**
   * Gets a `warn` line for every failed delivery: the event, the receiver's origin (never its path or query, which
   * often are the credential, as in Slack's hook URLs) and the error. Default: when `onError` is not given, the
   * console at `warn`, or at the level `MODELREG_LOG` sets (`off` silences it); with `onError`, nothing, since
   * the failure is handled there.
   */
  logger?: Logger;
}

const encoder = new TextEncoder();

async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The `x-modelreg-signature` value for a body sent at `timestamp` (unix seconds): `sha256=<hex HMAC of "<timestamp>.<body>">`. */
export async function signWebhookPayload(secret: string, timestamp: number | string, body: string): Promise<string> {
  return `sha256=${await hmacHex(secret, `${timestamp}.${body}`)}`;
}

/** What {@link verifyWebhookSignature} checks. */
export interface VerifyWebhookInput {
  /** The raw request body, exactly as received. */
  body: string;
  /** The `x-modelreg-signature` header. */
  signature: string | null | undefined;
  /** The `x-modelreg-timestamp` header. */
  timestamp: string | null | undefined;
  /** The shared secret. */
  secret: string;
  /** Oldest accepted delivery, in seconds, against replays. Default 300. */
  toleranceSeconds?: number;
  /** The clock, in milliseconds. Default `Date.now()`. */
  now?: number;
}

/** Checks a delivery on the receiving side: the signature matches and the timestamp is recent. Constant-time. */
export async function verifyWebhookSignature(input: VerifyWebhookInput): Promise<boolean> {
  const { body, signature, timestamp, secret } = input;
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return false;
  const age = Math.abs((input.now ?? Date.now()) / 1000 - Number(timestamp));
  if (age > (input.toleranceSeconds ?? 300)) return false;
  const expected = await signWebhookPayload(secret, timestamp, body);
  if (expected.length !== signature.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ signature.charCodeAt(i);
  return diff === 0;
}

/**
 * Returns an event listener that POSTs each event to `url` as JSON with `x-modelreg-signature`,
 * `x-modelreg-timestamp`, `x-modelreg-event` and `x-modelreg-delivery` (the event id, for de-duplication) headers.
 * Deliveries are retried on 408, 429, 5xx and connection failures.
 *
 * @example
 * ```ts
 * registry.events.subscribe(createWebhookNotifier({ url: "https://hooks.example.com/models", secret: process.env.HOOK_SECRET! }));
 * ```
 */
export function createWebhookNotifier(options: WebhookNotifierOptions): RegistryEventListener {
  const op = "createWebhookNotifier";
  if (typeof options !== "object" || options === null) throw invalidInput(op, "options", "pass { url, secret }");
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw invalidInput(op, "url", "url must be an absolute http(s) URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw invalidInput(op, "url", "url must be an absolute http(s) URL");
  if (typeof options.secret !== "string" || options.secret.length < 16) throw invalidInput(op, "secret", "secret must be a string of at least 16 characters");
  const { secret } = options;
  const types = options.types && new Set(options.types);
  // Hook URLs are often capabilities: the token is a path segment or a query value. They join the secrets, so the
  // client's errors and debug lines show the origin and [REDACTED] instead. Parts under 16 characters are words
  // ("services"), not tokens, and redacting them everywhere would garble messages; the whole path still goes.
  const urlSecrets = [...url.pathname.split("/"), ...url.searchParams.values()].filter((part) => part.length >= 16);
  if (url.pathname !== "/" || url.search !== "") urlSecrets.push(`${url.pathname}${url.search}`);
  // Chosen once, as the HTTP client does: a failure must not go unseen just because nobody passed onError.
  const logger = options.logger ?? (options.onError ? undefined : defaultWarningLogger());
  const client = createHttpClient({
    provider: "webhook",
    baseUrl: url,
    ...(options.fetch && { fetch: options.fetch }),
    maxRetries: options.maxRetries ?? 3,
    timeoutMs: options.timeoutMs ?? 10_000,
    secrets: () => [secret, ...urlSecrets],
  });
  return async (event) => {
    if (types && !types.has(event.type)) return;
    const body = JSON.stringify(event);
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      await client.request({
        operation: "deliverWebhook",
        method: "POST",
        path: "",
        body: () => body,
        headers: {
          ...options.headers,
          "content-type": "application/json",
          "x-modelreg-signature": await signWebhookPayload(secret, timestamp, body),
          "x-modelreg-timestamp": String(timestamp),
          "x-modelreg-event": event.type,
          "x-modelreg-delivery": event.id,
        },
        // The delivery id lets receivers drop duplicates, so a lost response may be retried.
        idempotent: true,
        responseType: "none",
      });
    } catch (error) {
      logger?.warn(deliveryFailure(event, url, error, [secret, ...urlSecrets]), {
        provider: "webhook",
        event: event.type,
        delivery: event.id,
        receiver: url.origin,
      });
      if (!options.onError) throw error;
      options.onError(error, event);
    }
  };
}

/** The warning for a failed delivery: what, where (the origin only) and why, with every secret redacted. */
function deliveryFailure(event: RegistryEvent, url: URL, error: unknown, secrets: string[]): string {
  const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return redact(`webhook delivery ${event.id} (${event.type}) to ${url.origin} failed: ${why}`, secrets);
}
