// Shared access signatures for Azurite, minted with the account key as Azure Storage does (HMAC-SHA256 over a string
// to sign, base64): service SAS for a container or a blob (doc "Create a service SAS"), and account SAS for the fake's
// own management calls (doc "Create an account SAS"). The strings to sign are the 2020-12-06-and-later forms, the ones
// Azurite 3.35.0 checks for such versions (dist/src/blob/authentication/IBlobSASSignatureValues.js
// generateBlobSASSignature20201206 and common/authentication/IAccountSASSignatureValues.js
// generateAccountSASSignature20201206); the signed version 2025-05-05 is within Azurite 3.35.0's baseline
// (2025-11-05). A SAS token is a credential: tests must not print one.
import { createHmac } from "node:crypto";

/** The signed version (`sv`) the fake's tokens carry. */
export const SAS_VERSION = "2025-05-05";

/** Blob SAS permissions in the order Azure requires them in `sp`. */
const BLOB_PERMISSION_ORDER = "racwdxyltfmeopi";
/** Account SAS permissions in the order Azure requires them. */
const ACCOUNT_PERMISSION_ORDER = "rwdxylacuptfi";

/** The letters of `permissions` in `order`, refusing any that `order` lacks. */
function ordered(permissions: string, order: string): string {
  for (const letter of permissions) if (!order.includes(letter)) throw new Error(`unknown SAS permission ${letter}`);
  return [...order].filter((letter) => permissions.includes(letter)).join("");
}

/** A time as SAS fields take it: ISO 8601 in UTC, whole seconds. */
export const sasTime = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

const sign = (stringToSign: string, accountKey: string) =>
  createHmac("sha256", Buffer.from(accountKey, "base64")).update(stringToSign, "utf8").digest("base64");

/** What {@link serviceSas} takes. */
export interface ServiceSasOptions {
  accountName: string;
  /** The account key, base64 as Azure shows it. */
  accountKey: string;
  container: string;
  /** A blob within the container (a blob SAS, `sr=b`); without it the SAS is for the container (`sr=c`). */
  blob?: string;
  /** Letters of `racwdxyltfmeopi` (read, add, create, write, delete, ..., list, ...), in any order. */
  permissions: string;
  expiresOn: Date;
  startsOn?: Date;
  /** `https` or `https,http`; omitted, any protocol. */
  protocol?: "https" | "https,http";
}

/** A service SAS token (the query string, without `?`) signed with the account key. */
export function serviceSas(options: ServiceSasOptions): string {
  const resource = options.blob === undefined ? "c" : "b";
  const permissions = ordered(options.permissions, BLOB_PERMISSION_ORDER);
  const start = options.startsOn ? sasTime(options.startsOn) : "";
  const expiry = sasTime(options.expiresOn);
  const canonical = `/blob/${options.accountName}/${options.container}${options.blob === undefined ? "" : `/${options.blob}`}`;
  const stringToSign = [
    permissions,
    start,
    expiry,
    canonical,
    "", // signedIdentifier
    "", // signedIP
    options.protocol ?? "",
    SAS_VERSION,
    resource,
    "", // signedSnapshotTime
    "", // signedEncryptionScope
    "", // rscc
    "", // rscd
    "", // rsce
    "", // rscl
    "", // rsct
  ].join("\n");
  const query = new URLSearchParams({ sv: SAS_VERSION, sr: resource, sp: permissions });
  if (start) query.set("st", start);
  query.set("se", expiry);
  if (options.protocol) query.set("spr", options.protocol);
  query.set("sig", sign(stringToSign, options.accountKey));
  return query.toString();
}

/** What {@link accountSas} takes. */
export interface AccountSasOptions {
  accountName: string;
  accountKey: string;
  /** Letters of `rwdxylacuptfi`, in any order. */
  permissions: string;
  /** Services: `b` for Blob (the default). */
  services?: string;
  /** Resource types: `s` service, `c` container, `o` object (default `sco`). */
  resourceTypes?: string;
  expiresOn: Date;
  startsOn?: Date;
  protocol?: "https" | "https,http";
}

/** An account SAS token (without `?`), e.g. to create containers. */
export function accountSas(options: AccountSasOptions): string {
  const permissions = ordered(options.permissions, ACCOUNT_PERMISSION_ORDER);
  const services = options.services ?? "b";
  const resourceTypes = options.resourceTypes ?? "sco";
  const start = options.startsOn ? sasTime(options.startsOn) : "";
  const expiry = sasTime(options.expiresOn);
  const stringToSign = [
    options.accountName,
    permissions,
    services,
    resourceTypes,
    start,
    expiry,
    "", // signedIP
    options.protocol ?? "",
    SAS_VERSION,
    "", // signedEncryptionScope
    "", // an account SAS ends with a newline
  ].join("\n");
  const query = new URLSearchParams({ sv: SAS_VERSION, ss: services, srt: resourceTypes, sp: permissions });
  if (start) query.set("st", start);
  query.set("se", expiry);
  if (options.protocol) query.set("spr", options.protocol);
  query.set("sig", sign(stringToSign, options.accountKey));
  return query.toString();
}
