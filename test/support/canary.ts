// Canary credentials and the scan that looks for them. The whole suite runs with these as its credentials
// (test/support/canary-setup.ts); any error, log line or output that contains one is a leak. They are long, distinct
// and start with "canary" (or a real prefix, then "canary"), so a grep of a CI log finds them too.
import { formatWithOptions, inspect } from "node:util";

/** The canary credentials, each shaped like the real thing. */
export const CANARY = {
  /** An MLflow bearer token (MLFLOW_TRACKING_TOKEN). */
  mlflowToken: "canary-mlflow-token-279d70d834c308b43cccfcda217db897",
  /** An MLflow basic-auth user. Not a secret on its own; scanned only as part of `user:password` and its base64. */
  mlflowUser: "canary-mlflow-user-965a6be0a9c0",
  /** An MLflow basic-auth password (MLFLOW_TRACKING_PASSWORD). */
  mlflowPassword: "canary-mlflow-password-450c2e8fb5b55023077febfb0843",
  /** A W&B API key: 40 characters, as W&B issues them. */
  wandbApiKey: "canarywandb7e7c5d2e4f24efc23ba9e9a7ead37",
  /** A Google OAuth access token (`ya29.` like the ones gcloud prints). */
  googleAccessToken: "ya29.canary-google-token-5d1a9aac6dbb00166ab1443b27ce6903",
  /** A signed-URL signature (X-Goog-Signature), as W&B's storage URLs carry. */
  urlSignature: "canarysig4d600156b878123330e4803102abe1f9a59faf9c33",
  /** A webhook signing secret. */
  webhookSecret: "canary-webhook-secret-aaa19325daeb8a4b1954f187",
  /** An AWS secret access key (40 characters, as AWS issues them). Its access key id is not a secret. */
  awsSecretAccessKey: "canaryawsSecret7f3c19a2b84e5d06c1f9e2a4b7",
  /** An AWS session token of temporary credentials. */
  awsSessionToken: "canary-aws-session-token-IQoJb3JpZ2luX2VjEJ7e1c0a9d3f",
  /** A Hugging Face user access token (HF_TOKEN): `hf_` and 34 letters, as the Hub issues them. */
  hfToken: "hf_canaryHubTokenQzXwVbNmLkJhGfDsAp",
  /** An Azure Resource Manager bearer token (AZURE_ACCESS_TOKEN), shaped like the JWTs Microsoft Entra ID issues. */
  azureToken: "eyJ0eXAiOiJKV1QiLCJjYW5hcnkiOnRydWV9.eyJhdWQiOiJjYW5hcnktYXJtIn0.Q2FuYXJ5QXp1cmVTaWduYXR1cmVYeQ",
} as const;

/** A name of one searched form of a canary. */
export type CanaryName = Exclude<keyof typeof CANARY, "mlflowUser"> | "mlflowUserPassword" | "mlflowBasic" | "wandbBasic";

/** Every form a canary may leak in: the raw values, the `user:password` pair and the base64 of both Basic headers. */
export const CANARY_FORMS: Readonly<Record<CanaryName, string>> = {
  mlflowToken: CANARY.mlflowToken,
  mlflowPassword: CANARY.mlflowPassword,
  wandbApiKey: CANARY.wandbApiKey,
  googleAccessToken: CANARY.googleAccessToken,
  urlSignature: CANARY.urlSignature,
  webhookSecret: CANARY.webhookSecret,
  awsSecretAccessKey: CANARY.awsSecretAccessKey,
  awsSessionToken: CANARY.awsSessionToken,
  hfToken: CANARY.hfToken,
  azureToken: CANARY.azureToken,
  mlflowUserPassword: `${CANARY.mlflowUser}:${CANARY.mlflowPassword}`,
  mlflowBasic: Buffer.from(`${CANARY.mlflowUser}:${CANARY.mlflowPassword}`).toString("base64"),
  wandbBasic: Buffer.from(`api:${CANARY.wandbApiKey}`).toString("base64"),
};

// A truncated secret is still a leak (messages quote "the first 40 characters" of things), so the raw values are
// searched by a prefix long enough to be unique. The composite forms are searched whole: a prefix of `user:password`
// is the user name, and base64 shifts with truncation.
const NEEDLES: Array<[CanaryName, string]> = Object.entries(CANARY_FORMS).map(([name, form]) => [
  name as CanaryName,
  name in CANARY ? form.slice(0, 28) : form,
]);

/** The canaries in `text`. */
export function canariesIn(text: string): CanaryName[] {
  return NEEDLES.filter(([, needle]) => text.includes(needle)).map(([name]) => name);
}

/**
 * Every way `value` can reach a person: for an error, its message, `String()`, `JSON.stringify`, `toJSON()`, stack,
 * Node's `inspect` (what `console.log(error)` prints, hidden fields included) and every string reachable from its
 * own fields (`url`, `field`, `failures`, a response body) through the whole `cause` chain and `AggregateError.errors`.
 */
export function renderEveryWay(value: unknown): string[] {
  const out: string[] = [];
  const attempt = (render: () => unknown) => {
    try {
      const text = render();
      if (typeof text === "string") out.push(text);
    } catch {
      // A rendering that throws shows nothing.
    }
  };
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number) => {
    if (typeof v === "string") {
      out.push(v);
      return;
    }
    if (typeof v !== "object" || v === null || seen.has(v) || depth > 12) return;
    seen.add(v);
    if (v instanceof Error) {
      attempt(() => v.message);
      attempt(() => String(v));
      attempt(() => v.stack);
      attempt(() => JSON.stringify(v));
      const toJSON = (v as { toJSON?: () => unknown }).toJSON;
      if (typeof toJSON === "function") attempt(() => JSON.stringify(toJSON.call(v)));
    }
    // Only errors, arrays and plain objects: a cause may hold a socket or a response, whose internals are large,
    // hold bytes rather than text, and are not what a person is shown.
    const proto = Object.getPrototypeOf(v);
    if (!(v instanceof Error) && !Array.isArray(v) && proto !== Object.prototype && proto !== null) return;
    for (const key of Reflect.ownKeys(v)) {
      let field: unknown;
      try {
        field = (v as Record<PropertyKey, unknown>)[key];
      } catch {
        continue;
      }
      walk(field, depth + 1);
    }
  };
  walk(value, 0);
  // What console.log(error) prints, a little deeper than its default of 2.
  attempt(() => inspect(value, { depth: 4, breakLength: Infinity }));
  attempt(() => (typeof value === "object" && value !== null ? JSON.stringify(value) : String(value)));
  return out;
}

/** The canaries in any rendering of `value` (see {@link renderEveryWay}). */
export function findCanaries(value: unknown): CanaryName[] {
  const found = new Set<CanaryName>();
  for (const text of renderEveryWay(value)) for (const name of canariesIn(text)) found.add(name);
  return [...found];
}

/** A console line as Node would print it. */
export function formatConsoleArgs(args: unknown[]): string {
  return formatWithOptions({ depth: 4, breakLength: Infinity }, ...args);
}

/** One leak: where it was seen and which canaries it holds. */
export interface Leak {
  /** `error <kind>`, `console.debug`, `stdout`, ... */
  where: string;
  /** The canaries found. */
  canaries: CanaryName[];
  /** The start of the offending text, with the canaries masked so the report itself does not repeat them. */
  excerpt: string;
}

/** How much the watch looked at; written per worker so the totals can be quoted. */
export interface CanaryTally {
  errorsInspected: number;
  linesScanned: number;
  debugLines: number;
  outputChunks: number;
  leaks: number;
}

// Values a test leaks on purpose (the self-test): the watch skips them.
const expected = new WeakSet<object>();

/** Marks an error a test builds with a canary on purpose, so the suite-wide watch does not report it. */
export function expectCanaryLeak<T extends object>(value: T): T {
  expected.add(value);
  return value;
}

function mask(text: string): string {
  let out = text;
  for (const [, needle] of NEEDLES) out = out.split(needle).join("<CANARY>");
  return out.length > 300 ? `${out.slice(0, 300)}...` : out;
}

/** Scans errors and output as they happen; {@link CanaryWatch.drain} hands over the leaks found so far. */
export class CanaryWatch {
  readonly tally: CanaryTally = { errorsInspected: 0, linesScanned: 0, debugLines: 0, outputChunks: 0, leaks: 0 };
  #errors: object[] = [];
  #leaks: Leak[] = [];

  /**
   * Inspects an error once its constructor has finished: it is recorded from inside the base constructor, before
   * subclass fields are set, and the rest of the construction is synchronous, so a microtask sees it whole. Not
   * keeping errors until the test ends bounds memory in tests that build thousands.
   */
  recordError(error: object): void {
    this.#errors.push(error);
    if (this.#errors.length === 1) queueMicrotask(() => this.#inspectErrors());
  }

  #inspectErrors(): void {
    for (const error of this.#errors.splice(0)) {
      if (expected.has(error)) continue;
      this.tally.errorsInspected++;
      const canaries = findCanaries(error);
      if (canaries.length === 0) continue;
      const kind = (error as { name?: unknown }).name;
      const message = (error as { message?: unknown }).message;
      this.#leaks.push({ where: `error ${String(kind)}`, canaries, excerpt: mask(String(message)) });
    }
  }

  /** Scans one line of output now (lines are complete when written). */
  recordLine(where: string, text: string): void {
    if (where === "stdout" || where === "stderr") this.tally.outputChunks++;
    else this.tally.linesScanned++;
    if (where === "console.debug") this.tally.debugLines++;
    const canaries = canariesIn(text);
    if (canaries.length > 0) this.#leaks.push({ where, canaries, excerpt: mask(text) });
  }

  /** Inspects the recorded errors and returns every leak seen since the last call. */
  drain(): Leak[] {
    this.#inspectErrors();
    const leaks = this.#leaks.splice(0);
    this.tally.leaks += leaks.length;
    return leaks;
  }
}

/** A failure message naming each leak. */
export function describeLeaks(leaks: Leak[]): string {
  return `canary credentials leaked:\n${leaks.map((l) => `  ${l.where}: ${l.canaries.join(", ")} in ${JSON.stringify(l.excerpt)}`).join("\n")}`;
}
