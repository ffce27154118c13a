/**
 * AWS credentials the way AWS users expect them: given in settings (fixed, or a provider function), from the standard
 * environment variables, or from the AWS SDK's default chain (shared config and credentials files with profiles, SSO,
 * `credential_process`, web identity, ECS and EC2 instance metadata). The chain is `@aws-sdk/credential-providers`, an
 * optional peer, loaded only when nothing simpler gave credentials: a Lambda or a CI job with keys in its
 * environment never loads it.
 *
 * @module
 */

import { AuthenticationError, InvalidInputError } from "../core/errors.js";

/** A set of AWS credentials. */
export interface AwsCredentials {
  /** The access key id (`AKIA...`, `ASIA...`). */
  accessKeyId: string;
  /** The secret access key. */
  secretAccessKey: string;
  /** The session token of temporary credentials. */
  sessionToken?: string;
  /** When temporary credentials expire; they are fetched again 5 minutes before. */
  expiration?: Date;
}

/** Credentials, or a function that returns them (called again when they are within 5 minutes of expiring). */
export type AwsCredentialSource = AwsCredentials | (() => Promise<AwsCredentials>);

/** What the AWS adapters take about credentials. */
export interface AwsCredentialSettings {
  /** Credentials, or a provider function such as one from `@aws-sdk/credential-providers`. Default: the chain. */
  credentials?: AwsCredentialSource;
  /** The profile in the shared config files. Default `AWS_PROFILE`, then `default`. */
  profile?: string;
  /** Where `AWS_*` variables are read. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

/** The AWS SDK's chain treats credentials expiring within 5 minutes as expired (`credentialsTreatedAsExpired`). */
const EXPIRY_MARGIN_MS = 5 * 60_000;

/** The optional peer that implements the chain. */
export const CREDENTIAL_PROVIDERS_PACKAGE = "@aws-sdk/credential-providers";

/**
 * Wraps a credential source so the client can redact what it handed out: the secret key and session token of the
 * last credentials, which a server may echo in an error. Every AWS client (SageMaker, S3) passes `secrets` to its
 * HTTP client, which asks for them again after each signing.
 */
export function rememberingCredentials(source: () => Promise<AwsCredentials>): {
  /** The source, remembering what it returns. */
  credentials: () => Promise<AwsCredentials>;
  /** The secret key and session token of the last credentials returned. */
  secrets: () => Array<string | undefined>;
} {
  let known: AwsCredentials | undefined;
  return {
    credentials: async () => {
      known = await source();
      return known;
    },
    secrets: () => [known?.secretAccessKey, known?.sessionToken],
  };
}

/** Returns a function giving current credentials: cached, fetched again when they near expiry or after a failure. */
export function credentialSource(settings: AwsCredentialSettings, provider: string): () => Promise<AwsCredentials> {
  const env = settings.env ?? process.env;
  const given = settings.credentials;
  if (given !== undefined && typeof given !== "function") {
    // Bad input, refused when the client is made: nothing is sent with it.
    if (!complete(given))
      throw new InvalidInputError("credentials must have an accessKeyId and a secretAccessKey", {
        provider,
        operation: "getCredentials",
        field: "credentials",
      });
    return async () => given;
  }
  let fetch: () => Promise<AwsCredentials>;
  if (typeof given === "function") fetch = given;
  else {
    const fromEnv = environmentCredentials(env, settings.profile);
    if (fromEnv) return async () => fromEnv;
    fetch = chainFrom(settings.profile ?? env.AWS_PROFILE, provider);
  }
  let current: Promise<AwsCredentials> | undefined;
  return async () => {
    if (current) {
      const held = await current.catch(() => undefined);
      if (held && (held.expiration === undefined || held.expiration.getTime() - Date.now() > EXPIRY_MARGIN_MS)) return held;
    }
    const next = fetch().then((got) => checked(got, provider, "credentials"));
    current = next;
    // A failure is not kept: the next request asks again (a metadata server hiccup).
    next.catch(() => {
      if (current === next) current = undefined;
    });
    return next;
  };
}

/**
 * `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (with `AWS_SESSION_TOKEN`, `AWS_CREDENTIAL_EXPIRATION`), as the
 * chain's first step reads them; skipped when a profile is named, as the SDK skips them when `AWS_PROFILE` is set.
 */
function environmentCredentials(env: Record<string, string | undefined>, profile: string | undefined): AwsCredentials | undefined {
  if (profile !== undefined || env.AWS_PROFILE) return undefined;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
  return {
    accessKeyId,
    secretAccessKey,
    ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }),
    ...(expiration && !Number.isNaN(expiration.getTime()) && { expiration }),
  };
}

interface CredentialProvidersModule {
  fromNodeProviderChain(init?: { profile?: string }): () => Promise<AwsCredentials>;
}

function chainFrom(profile: string | undefined, provider: string): () => Promise<AwsCredentials> {
  let chain: Promise<() => Promise<AwsCredentials>> | undefined;
  return async () => {
    chain ??= loadChain(profile, provider).catch((error: unknown) => {
      chain = undefined;
      throw error;
    });
    const get = await chain;
    try {
      return await get();
    } catch (error) {
      // The chain's message says which sources it tried; it names no secret.
      const reason = error instanceof Error ? error.message : String(error);
      throw new AuthenticationError(`no AWS credentials: ${reason.slice(0, 500)}`, { provider, operation: "getCredentials", cause: error });
    }
  };
}

async function loadChain(profile: string | undefined, provider: string): Promise<() => Promise<AwsCredentials>> {
  // A name in a variable keeps bundlers from resolving the optional peer at build time.
  const name = CREDENTIAL_PROVIDERS_PACKAGE;
  let mod: CredentialProvidersModule;
  try {
    mod = (await import(name)) as CredentialProvidersModule;
  } catch (error) {
    throw new AuthenticationError(
      `no credentials given and none in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and ${name} is not installed (npm i ${name}) for profiles, SSO, web identity and instance roles`,
      { provider, operation: "getCredentials", cause: error },
    );
  }
  return mod.fromNodeProviderChain(profile ? { profile } : {});
}

function complete(credentials: AwsCredentials): boolean {
  return (
    typeof credentials === "object" &&
    credentials !== null &&
    typeof credentials.accessKeyId === "string" &&
    credentials.accessKeyId !== "" &&
    typeof credentials.secretAccessKey === "string" &&
    credentials.secretAccessKey !== ""
  );
}

function checked(credentials: AwsCredentials, provider: string, field: string): AwsCredentials {
  if (!complete(credentials)) throw new AuthenticationError(`${field} gave no accessKeyId and secretAccessKey`, { provider, operation: "getCredentials" });
  return credentials;
}
