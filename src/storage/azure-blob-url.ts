/**
 * Where an Azure Blob request goes: account and container URLs in their two forms, and the checks and encoding of
 * container and blob names.
 *
 * An account's blob service is `https://{account}.blob.{suffix}` (virtual-hosted, Azure) or, when the host is an IP
 * address or `localhost` (Azurite), `http(s)://{host}/{account}` (path-style), as Azure's storage SDKs address it. A
 * container is the account URL plus `/{container}`, and a blob the container URL plus its name.
 *
 * @module
 */

import { InvalidInputError } from "../core/errors.js";
import { preview } from "../core/validation.js";

/** A container, resolved from a container URL or a container name under an account URL. */
export interface AzureContainer {
  /** The container URL, without a trailing slash, query or fragment. */
  url: string;
  /** The account's blob service URL, without a trailing slash (path-style: with the account segment). */
  accountUrl: string;
  /** The storage account (the host's first label, or the first path segment path-style). */
  accountName: string;
  /** The container. */
  containerName: string;
}

/** A blob URL, split. */
export interface AzureBlobLocation {
  /** Its container. */
  container: AzureContainer;
  /** The blob name (decoded); `""` for the container itself, and a folder's name ends in `/` when the URL did. */
  name: string;
}

interface Context {
  provider: string;
  operation: string;
}

/** Container names Azure accepts: 3-63 of lower-case letters, digits and single hyphens, starting and ending alphanumeric. */
const CONTAINER = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/;
/** Account names: 3-24 lower-case letters and digits. Azurite's own accounts follow the same rule. */
const ACCOUNT = /^[a-z0-9]{3,24}$/;
/** Control characters: no modelreg path contains one, and XML 1.0 cannot list most of them. */
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True for hosts Azure's SDKs address path-style: an IPv4 or IPv6 address, or `localhost`. */
export function isPathStyleHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === "localhost" || /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith("[");
}

/**
 * An account's blob service URL from a datastore's parts: `{protocol}://{account}.blob.{endpoint}`, or path-style
 * `{protocol}://{endpoint}/{account}` when the endpoint is an IP address or `localhost` (with or without a port).
 *
 * @param parts - The account name, the endpoint suffix (`core.windows.net`, `127.0.0.1:10000`) and the protocol.
 * @throws InvalidInputError for an account name Azure would not have, or an endpoint that is no host.
 */
export function accountBlobUrl(parts: { accountName: string; endpoint: string; protocol?: string }, context: Context): string {
  const { accountName, endpoint } = parts;
  const protocol = (parts.protocol ?? "https").toLowerCase();
  const invalid = (field: string, message: string) => new InvalidInputError(message, { ...context, field });
  if (typeof accountName !== "string" || !ACCOUNT.test(accountName)) throw invalid("accountName", `${preview(accountName)} is not a storage account name`);
  if (protocol !== "https" && protocol !== "http") throw invalid("protocol", `the protocol ${preview(parts.protocol)} is neither https nor http`);
  let host: URL;
  try {
    host = new URL(`${protocol}://${endpoint}`);
  } catch {
    throw invalid("endpoint", `the storage endpoint ${preview(endpoint)} is not a host name`);
  }
  if (host.pathname !== "/" || host.search || host.hash || host.username || host.password || typeof endpoint !== "string" || endpoint.includes("/"))
    throw invalid("endpoint", `the storage endpoint ${preview(endpoint)} is not a host name`);
  return isPathStyleHost(host.hostname) ? `${protocol}://${host.host}/${accountName}` : `${protocol}://${accountName}.blob.${host.host}`;
}

/**
 * Reads a blob or container URL (`https://acct.blob.core.windows.net/container/path/to/blob`, or path-style on an IP
 * or `localhost` host). A query (a SAS) is dropped, never quoted.
 *
 * @throws InvalidInputError when it is no http(s) URL, carries user-info, or names no valid account and container.
 */
export function parseBlobUrl(url: string, context: Context): AzureBlobLocation {
  const invalid = (message: string) => new InvalidInputError(message, { ...context, field: "url" });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid("the blob URL is not a URL");
  }
  // Shown without its query: it may be a SAS.
  const shown = `${parsed.origin}${parsed.pathname}`;
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw invalid(`${preview(shown)} is not an http(s) URL`);
  if (parsed.username || parsed.password) throw invalid("a blob URL cannot carry credentials");
  const segments = parsed.pathname.split("/").slice(1);
  let accountName: string | undefined;
  let accountUrl: string;
  if (isPathStyleHost(parsed.hostname)) {
    accountName = segments.shift();
    accountUrl = `${parsed.origin}/${accountName}`;
  } else {
    accountName = parsed.hostname.split(".")[0];
    accountUrl = parsed.origin;
  }
  const containerName = segments.shift() ?? "";
  if (!accountName || !ACCOUNT.test(accountName)) throw invalid(`${preview(shown)} names no storage account`);
  if (!CONTAINER.test(containerName)) throw invalid(`${preview(shown)} names no valid container`);
  let name: string;
  try {
    name = segments.map(decodeURIComponent).join("/");
  } catch {
    throw invalid(`${preview(shown)} has a malformed percent-encoding`);
  }
  return { container: { url: `${accountUrl}/${containerName}`, accountUrl, accountName, containerName }, name };
}

/**
 * The container a store call names: an absolute container URL (its path ends at the container), or a container name
 * under the store's account URL.
 *
 * @throws InvalidInputError for anything else, or a container name without an account URL.
 */
export function resolveContainer(bucket: string, accountUrl: string | undefined, context: Context): AzureContainer {
  if (typeof bucket !== "string") throw new InvalidInputError(`${preview(bucket)} is not a container`, { ...context, field: "bucket" });
  if (/^https?:\/\//i.test(bucket)) {
    if (/[?#]/.test(bucket))
      throw new InvalidInputError("a container URL cannot carry a query or fragment: give a SAS as the credential", { ...context, field: "bucket" });
    const { container, name } = parseBlobUrl(bucket, context);
    if (name !== "") throw new InvalidInputError(`${preview(bucket)} is a blob URL, not a container URL`, { ...context, field: "bucket" });
    return container;
  }
  if (!CONTAINER.test(bucket)) throw new InvalidInputError(`${preview(bucket)} is not a container name`, { ...context, field: "bucket" });
  if (accountUrl === undefined)
    throw new InvalidInputError(`the container ${preview(bucket)} needs the store's accountUrl, or give its URL`, { ...context, field: "bucket" });
  return parseBlobUrl(`${accountUrl}/${bucket}`, context).container;
}

/**
 * Checks a blob name modelreg reads or writes: 1-1024 characters, no control characters or unpaired surrogates, and
 * no empty, `.` or `..` segment (a URL would lose or climb them, so the blob reached would be another).
 *
 * @throws InvalidInputError naming `what`.
 */
export function checkBlobName(name: string, context: Context, what = "the blob name"): void {
  const invalid = (why: string) => new InvalidInputError(`${what} ${preview(name)} ${why}`, { ...context, field: "name" });
  if (typeof name !== "string" || name === "") throw invalid("is empty");
  if (name.length > 1024) throw invalid("is longer than Azure's 1024 characters");
  if (CONTROL.test(name) || LONE_SURROGATE.test(name)) throw invalid("contains a control character or an unpaired surrogate");
  if (name.split("/").some((s) => s === "" || s === "." || s === ".."))
    throw invalid("has an empty, `.` or `..` segment (or a leading, trailing or double `/`)");
}

/** Checks a listing prefix: like a blob name, but may be empty and may end in `/`. */
export function checkBlobPrefix(prefix: string, context: Context): void {
  if (prefix === "") return;
  checkBlobName(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix, context, "the prefix");
}

/** A blob name as a URL path, each segment percent-encoded (RFC 3986 unreserved characters kept), slashes kept. */
export function encodeBlobName(name: string): string {
  return name
    .split("/")
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");
}
