/**
 * Shared access signatures for Azure Blob Storage: a container's service SAS minted from the account key
 * (HMAC-SHA256 over the string-to-sign of doc "Create a service SAS", signed version 2022-11-02, whose form is that of
 * 2020-12-06 and later), and a SAS given by someone else (a datastore's `listSecrets`, a registry's pending upload)
 * checked and split so its signature can be redacted wherever it might be echoed.
 *
 * @module
 */

import { InvalidInputError } from "../core/errors.js";
import { nodeCrypto } from "../runtime/builtins.js";

/**
 * The signed version of the SASes modelreg mints. Any version from 2020-12-06 signs the same fields; this one is
 * older than every service version modelreg or Azurite 3.35.0 speaks, so both accept it.
 */
export const SAS_VERSION = "2022-11-02";

/**
 * The container permissions modelreg needs, in the order Azure requires: read, add, create, write, delete, list.
 * Never more: a leaked SAS is a key to exactly this.
 */
export const CONTAINER_PERMISSIONS = "racwdl";

/** What {@link containerSas} signs. */
export interface ContainerSasParameters {
  /** The storage account. */
  accountName: string;
  /** The container the SAS is for (`sr=c`: every blob in it). */
  containerName: string;
  /** The account key, base64 as the portal and `listKeys` give it. */
  accountKey: string;
  /** When it starts; a few minutes in the past absorbs clock skew. */
  startsOn: Date;
  /** When it ends. */
  expiresOn: Date;
  /** `https` (Azure) or `https,http` (an emulator over HTTP). */
  protocol: "https" | "https,http";
  /** Permissions. Default {@link CONTAINER_PERMISSIONS}. */
  permissions?: string;
}

/** `2025-01-02T03:04:05Z`: ISO 8601 without milliseconds, the form SAS times are signed and sent in. */
function sasTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * The account key's bytes.
 *
 * @throws InvalidInputError when it is not base64 (the key itself is never quoted).
 */
export function checkAccountKey(accountKey: string, context: { provider: string; operation: string }): Buffer {
  const key = Buffer.from(accountKey, "base64");
  // Base64 decoding skips what it cannot read; a key that does not survive the round trip was never base64.
  if (key.byteLength === 0 || key.toString("base64").replace(/=+$/, "") !== accountKey.replace(/=+$/, ""))
    throw new InvalidInputError("the storage account key is not base64", { ...context, field: "auth.accountKey" });
  return key;
}

/**
 * A service SAS for a whole container, signed with the account key, as a query string without `?`.
 *
 * @throws InvalidInputError when the account key is not base64.
 */
export function containerSas(parameters: ContainerSasParameters, context: { provider: string; operation: string }): string {
  const key = checkAccountKey(parameters.accountKey, context);
  const permissions = parameters.permissions ?? CONTAINER_PERMISSIONS;
  const start = sasTime(parameters.startsOn);
  const expiry = sasTime(parameters.expiresOn);
  // Doc "Create a service SAS", version 2020-12-06 and later: permissions, start, expiry, canonicalized resource,
  // identifier, IP, protocol, version, resource, snapshot time, encryption scope, then the five response headers.
  const stringToSign = [
    permissions,
    start,
    expiry,
    `/blob/${parameters.accountName}/${parameters.containerName}`,
    "",
    "",
    parameters.protocol,
    SAS_VERSION,
    "c",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
  ].join("\n");
  const signature = nodeCrypto().createHmac("sha256", key).update(stringToSign, "utf8").digest("base64");
  const query = new URLSearchParams({ sv: SAS_VERSION, st: start, se: expiry, sr: "c", sp: permissions, spr: parameters.protocol, sig: signature });
  return query.toString();
}

/** A SAS as given: its query string (no `?`) and its signature, for redaction. */
export interface GivenSas {
  /** The query string, without a leading `?`. */
  query: string;
  /** The `sig` value, decoded. */
  signature: string;
  /** When it expires (`se`), when it says. */
  expiresOn: Date | undefined;
}

/**
 * Reads a SAS given as a query string (`sv=…&sig=…`, with or without `?`) or as a whole SAS URL, keeping only the
 * query. The SAS itself is never quoted in the error.
 *
 * @throws InvalidInputError when there is no `sig`.
 */
export function readSas(sas: string, context: { provider: string; operation: string }): GivenSas {
  let query = sas.trim();
  if (/^https?:\/\//i.test(query)) {
    try {
      query = new URL(query).search;
    } catch {
      query = "";
    }
  }
  query = query.replace(/^\?/, "");
  const params = new URLSearchParams(query);
  const signature = params.get("sig");
  if (!signature) throw new InvalidInputError("the SAS has no signature (`sig`)", { ...context, field: "sas" });
  const se = params.get("se");
  const expires = se === null ? undefined : new Date(se);
  return { query, signature, expiresOn: expires && !Number.isNaN(expires.getTime()) ? expires : undefined };
}
