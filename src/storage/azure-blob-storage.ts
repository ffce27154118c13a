/**
 * Azure Blob Storage as an {@link ObjectStore}: the Azure ML adapter keeps versions' files in a datastore's container
 * (workspaces) or in the container a registry hands out for a pending upload. Plain REST through the shared HTTP
 * client, no Azure SDK; uploads are in azure-blob-upload.ts.
 *
 * **Buckets.** A call's `bucket` is a container: either its absolute URL (`https://{account}.blob.core.windows.net/{container}`,
 * or path-style `http://127.0.0.1:10000/{account}/{container}` on an IP or `localhost` host, as Azurite serves it), or
 * a bare container name under the store's `accountUrl`. Object names are blob names, `/` and all. A container URL
 * never carries a SAS: the credential is the store's `auth`.
 *
 * **Auth.** Every request is authorised by `auth`: a SAS query string (a datastore's `listSecrets`, a registry's
 * pending upload), the account key (from which the store mints a service SAS per container: HMAC-SHA256, read,
 * add, create, write, delete and list, valid for an hour and minted again a quarter of an hour before it ends), or a
 * bearer token for the scope {@link AZURE_STORAGE_SCOPE} (identity-based datastores; sent over HTTPS only, asked for
 * before every attempt). Account keys, SAS signatures and tokens are redacted from every error and log line.
 *
 * @module
 */

import type { ResolvedArtifact } from "../artifacts/resolve-source.js";
import { InvalidInputError, NotFoundError, ResponseValidationError } from "../core/errors.js";
import type { ClientSettings } from "../core/options.js";
import { preview } from "../core/validation.js";
import { callOptions, clientSettings } from "../http/call-options.js";
import { createHttpClient } from "../http/http-client.js";
import type { HttpClient } from "../http/http-types.js";
import { nodeCrypto } from "../runtime/builtins.js";
import { lazyModule } from "../runtime/lazy-module.js";
import { mapAzureBlobError } from "./azure-blob-error.js";
import { checkAccountKey, containerSas, readSas } from "./azure-blob-sas.js";
import type { AzureBlobTarget } from "./azure-blob-upload.js";
import { type AzureContainer, checkBlobName, checkBlobPrefix, encodeBlobName, parseBlobUrl, resolveContainer } from "./azure-blob-url.js";
import { readBlobListPage } from "./azure-blob-xml.js";
import type { ObjectStore, ObjectStoreCallOptions, ObjectUploadOptions, StoredObject, StoredUpload } from "./object-store.js";

export { accountBlobUrl, type AzureBlobLocation, type AzureContainer, parseBlobUrl } from "./azure-blob-url.js";

/**
 * The container URL of a blob or container URL (`https://acct.blob.core.windows.net/c/a/b.bin` ->
 * `https://acct.blob.core.windows.net/c`; path-style on IP and `localhost` hosts), its query (a SAS) dropped: the
 * `bucket` for a registry's pending upload or a version's `modelUri`.
 *
 * @throws InvalidInputError when it names no account and container.
 */
export function containerUrlOf(url: string, context = { provider: "core", operation: "containerUrlOf" }): string {
  return parseBlobUrl(url, context).container.url;
}

/** Loaded by the first write: a reader never needs it. */
const uploadModule = lazyModule(() => import("./azure-blob-upload.js"));

/**
 * The storage service version modelreg sends (`x-ms-version`): Azurite 3.35.0's own, the newest it accepts without
 * `--skipApiVersionCheck`, and long served by Azure. It allows 5000 MiB Put Blobs and 4000 MiB blocks.
 */
export const AZURE_STORAGE_VERSION = "2025-11-05";

/** The token scope for Blob Storage with Microsoft Entra ID (identity-based datastores). */
export const AZURE_STORAGE_SCOPE = "https://storage.azure.com/.default";

const MiB = 1024 * 1024;
/** How long a SAS minted from an account key lasts, and how long before its end a new one is minted. */
const SAS_LIFETIME_MS = 60 * 60_000;
const SAS_RENEW_MS = 15 * 60_000;
/** A minted SAS starts this far back, for clocks behind Azure's. */
const SAS_SKEW_MS = 5 * 60_000;

/**
 * How a store's requests are authorised: a SAS (a datastore's `listSecrets`, a registry's pending upload; the query
 * string with or without `?`, or a whole SAS URL whose query is taken), the account key (the store mints a container
 * SAS from it; `accountName` when the URL does not say it, as behind a custom domain), or a Microsoft Entra token for
 * {@link AZURE_STORAGE_SCOPE} (a function is asked before every attempt, so it can refresh; cache in it).
 */
export type AzureBlobAuth =
  | { kind: "sas"; sas: string }
  | { kind: "key"; accountKey: string; accountName?: string }
  | { kind: "bearer"; token: string | (() => string | Promise<string>) };

/** What {@link AzureBlobStorage} takes. The Azure ML adapter makes one per credential (a datastore, a pending upload). */
export interface AzureBlobStorageSettings extends ClientSettings {
  /** The provider errors name: `azureml`. */
  provider: string;
  /** How requests are authorised. */
  auth: AzureBlobAuth;
  /**
   * The account's blob service URL (`https://{account}.blob.core.windows.net`, or `http://127.0.0.1:10000/{account}`),
   * so calls may name a container by its name alone. Without it, calls give container URLs.
   */
  accountUrl?: string;
  /** Block size, 1 byte-4000 MiB; a file shorter than one block goes as one Put Blob. Default 4 MiB (Microsoft's Python SDK's `max_block_size`). */
  blockBytes?: number;
  /** Blobs per List Blobs page (`maxresults`), 1-5000. Default: Azure's own, 5000. */
  listPageSize?: number;
}

/** Azure Blob Storage as an {@link ObjectStore}. */
export class AzureBlobStorage implements ObjectStore {
  readonly #settings: AzureBlobStorageSettings;
  readonly #provider: string;
  readonly #auth: AzureBlobAuth;
  readonly #accountUrl: string | undefined;
  readonly #blockBytes: number;
  readonly #listPageSize: number | undefined;
  readonly #clients = new Map<string, HttpClient>();
  /** The account key, SAS signatures and tokens seen: redacted from every message. */
  readonly #secrets = new Set<string>();
  /** SASes minted from the account key, by container URL. */
  readonly #minted = new Map<string, { query: string; renewAt: number }>();
  /** A given SAS, read once. */
  readonly #givenSas: string | undefined;

  /**
   * @param settings - See {@link AzureBlobStorageSettings}.
   * @throws InvalidInputError for an empty provider, an auth that is none of the three kinds (or a SAS without a
   *   signature), an account URL that is not one, or sizes outside their range.
   */
  constructor(settings: AzureBlobStorageSettings) {
    const provider = typeof settings?.provider === "string" && settings.provider !== "" ? settings.provider : "core";
    const context = { provider, operation: "AzureBlobStorage" };
    const invalid = (field: string, message: string) => new InvalidInputError(message, { ...context, field });
    if (provider === "core") throw invalid("provider", "AzureBlobStorage needs the provider its errors name");
    const auth = settings.auth;
    if (typeof auth !== "object" || auth === null)
      throw invalid("auth", "auth must be { kind: 'sas', sas }, { kind: 'key', accountKey } or { kind: 'bearer', token }");
    if (auth.kind === "sas" && typeof auth.sas === "string") {
      const sas = readSas(auth.sas, context);
      this.#secrets.add(sas.signature);
      this.#givenSas = sas.query;
    } else if (auth.kind === "key" && typeof auth.accountKey === "string" && auth.accountKey !== "") {
      this.#secrets.add(auth.accountKey);
      checkAccountKey(auth.accountKey, context);
      if (auth.accountName !== undefined && !/^[a-z0-9]{3,24}$/.test(auth.accountName))
        throw invalid("auth.accountName", `${preview(auth.accountName)} is not a storage account name`);
    } else if (auth.kind === "bearer" && (typeof auth.token === "string" || typeof auth.token === "function")) {
      if (typeof auth.token === "string") this.#secrets.add(auth.token);
    } else {
      throw invalid("auth", "auth must be { kind: 'sas', sas }, { kind: 'key', accountKey } or { kind: 'bearer', token }");
    }
    this.#auth = auth;
    if (settings.accountUrl !== undefined) {
      const url = String(settings.accountUrl).replace(/\/+$/, "");
      // The account URL with a placeholder container must read back as that account's container.
      let probe: ReturnType<typeof parseBlobUrl> | undefined;
      try {
        probe = parseBlobUrl(`${url}/probe`, context);
      } catch {
        probe = undefined;
      }
      if (probe?.name !== "" || probe.container.accountUrl !== url)
        throw invalid(
          "accountUrl",
          "accountUrl is not an account's blob service URL (https://{account}.blob.core.windows.net, or path-style on an IP or localhost)",
        );
      this.#accountUrl = url;
    }
    const blockBytes = settings.blockBytes ?? 4 * MiB;
    if (!Number.isSafeInteger(blockBytes) || blockBytes < 1 || blockBytes > 4000 * MiB)
      throw invalid("blockBytes", "blockBytes must be a whole number of bytes from 1 to 4000 MiB");
    this.#blockBytes = blockBytes;
    const pageSize = settings.listPageSize;
    if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 5000))
      throw invalid("listPageSize", "listPageSize must be a whole number from 1 to 5000");
    this.#listPageSize = pageSize;
    this.#settings = settings;
    this.#provider = provider;
  }

  /** The HTTP client of an account, made on first use. Its headers carry the version, the date and a bearer token. */
  #client(accountUrl: string): HttpClient {
    let client = this.#clients.get(accountUrl);
    if (!client) {
      const auth = this.#auth;
      const bearer = auth.kind === "bearer" ? auth.token : undefined;
      client = createHttpClient({
        provider: this.#provider,
        baseUrl: accountUrl,
        // Asked before every attempt: a token function refreshes between retries, and the date stays current.
        headers: async () => {
          const token = typeof bearer === "function" ? await bearer() : bearer;
          if (typeof token === "string") this.#secrets.add(token);
          return {
            "x-ms-version": AZURE_STORAGE_VERSION,
            "x-ms-date": new Date().toUTCString(),
            ...(token !== undefined && { authorization: `Bearer ${token}` }),
          };
        },
        ...clientSettings(this.#settings),
        // Per attempt, and for transfers per wait without progress.
        timeoutMs: this.#settings.timeoutMs ?? 120_000,
        secrets: () => this.#secrets,
        mapError: mapAzureBlobError,
      });
      this.#clients.set(accountUrl, client);
    }
    return client;
  }

  #operation(options: ObjectStoreCallOptions): string {
    if (typeof options?.operation !== "string" || options.operation === "")
      throw new InvalidInputError("object-store calls need the operation their errors name", {
        provider: this.#provider,
        operation: "AzureBlobStorage",
        field: "operation",
      });
    return options.operation;
  }

  /** The SAS of a request to a container (given, or minted from the key), or `undefined` for a bearer token. */
  #sas(container: AzureContainer, operation: string): string | undefined {
    const auth = this.#auth;
    if (auth.kind === "sas") return this.#givenSas;
    if (auth.kind === "bearer") return undefined;
    const now = Date.now();
    const held = this.#minted.get(container.url);
    if (held && held.renewAt > now) return held.query;
    const query = containerSas(
      {
        accountName: auth.accountName ?? container.accountName,
        containerName: container.containerName,
        accountKey: auth.accountKey,
        startsOn: new Date(now - SAS_SKEW_MS),
        expiresOn: new Date(now + SAS_LIFETIME_MS),
        protocol: container.url.startsWith("https:") ? "https" : "https,http",
      },
      { provider: this.#provider, operation },
    );
    const sig = new URLSearchParams(query).get("sig");
    if (sig) this.#secrets.add(sig);
    this.#minted.set(container.url, { query, renewAt: now + SAS_LIFETIME_MS - SAS_RENEW_MS });
    return query;
  }

  /** The container a call names, checked for the credential: a bearer token goes over HTTPS only. */
  #container(bucket: string, operation: string): AzureContainer {
    const container = resolveContainer(bucket, this.#accountUrl, { provider: this.#provider, operation });
    // A bearer token over plain HTTP is readable by anyone on the path; Azure and Azurite refuse it too.
    if (this.#auth.kind === "bearer" && !container.url.startsWith("https:"))
      throw new InvalidInputError("a bearer token is sent to Blob Storage over HTTPS only", { provider: this.#provider, operation, field: "auth" });
    return container;
  }

  /** The client, request path and SAS function of a blob. */
  #blob(bucket: string, name: string, options: ObjectStoreCallOptions): { http: HttpClient; path: string; label: string; sas: () => string | undefined } {
    const operation = this.#operation(options);
    const container = this.#container(bucket, operation);
    checkBlobName(name, { provider: this.#provider, operation });
    return {
      http: this.#client(container.accountUrl),
      path: `${encodeURIComponent(container.containerName)}/${encodeBlobName(name)}`,
      label: `${container.containerName}/${name}`,
      sas: () => this.#sas(container, operation),
    };
  }

  #target(bucket: string, name: string, options: ObjectStoreCallOptions, contentType: string, ifNoneMatch: boolean): AzureBlobTarget {
    return { ...this.#blob(bucket, name, options), contentType, ifNoneMatch };
  }

  /**
   * Streams a file into the container as blob `name`: one Put Blob for a file shorter than one block, blocks above,
   * every request with its Content-MD5, and `If-None-Match: *` so an existing blob is never replaced.
   *
   * @throws ConflictError when the blob exists; IntegrityError when the file differs from its declared size or
   *   SHA-256 (nothing is stored) or Azure reports other bytes than were sent.
   */
  async upload(bucket: string, name: string, file: ResolvedArtifact, options: ObjectUploadOptions): Promise<StoredUpload> {
    const target = this.#target(bucket, name, options, options.contentType ?? "application/octet-stream", true);
    const { uploadBlob } = await uploadModule();
    return uploadBlob(target, file, { blockBytes: this.#blockBytes }, options);
  }

  /** Writes a small JSON document in one Put Blob with its Content-MD5, replacing what is there (metadata the adapter owns). */
  async putJson(bucket: string, name: string, value: unknown, options: ObjectStoreCallOptions): Promise<void> {
    const target = this.#target(bucket, name, options, "application/json", false);
    const bytes = new TextEncoder().encode(JSON.stringify(value, null, 2));
    const { putBlob } = await uploadModule();
    await putBlob(target, bytes, nodeCrypto().createHash("md5").update(bytes).digest("base64"), options);
  }

  /**
   * Reads a small JSON document, or `undefined` when there is no such blob (a missing container is still an error).
   *
   * @throws ResponseValidationError when the blob is not JSON.
   */
  async getJson(bucket: string, name: string, options: ObjectStoreCallOptions): Promise<unknown> {
    const { http, path, sas } = this.#blob(bucket, name, options);
    const operation = options.operation;
    let text: string;
    try {
      text = (await http.request({ operation, path: withSas(path, sas()), responseType: "text", ...callOptions(options) })).data;
    } catch (error) {
      if (NotFoundError.isInstance(error) && error.providerCode === "BlobNotFound") return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ResponseValidationError(`${name} is not JSON`, { provider: this.#provider, operation, isRetryable: false });
    }
  }

  /**
   * Opens a blob as a stream. A body that breaks off is asked for again from where it stopped (`Range`; Azure and
   * Azurite ignore the `If-Range` sent with it, and modelreg's blobs are never replaced).
   */
  async open(bucket: string, name: string, options: ObjectStoreCallOptions): Promise<{ stream: ReadableStream<Uint8Array>; size: number | undefined }> {
    const { http, path, sas } = this.#blob(bucket, name, options);
    const res = await http.request({ operation: options.operation, path: withSas(path, sas()), responseType: "stream", ...callOptions(options) });
    const length = res.headers.get("content-length");
    return { stream: res.data, size: length === null ? undefined : Number(length) };
  }

  /**
   * Lists every blob whose name starts with `prefix` (List Blobs, following `NextMarker`), with its size and
   * Content-MD5 when it has one.
   *
   * @throws ResponseValidationError when Azure lists a name outside the prefix, or pages without a way forward.
   */
  async list(bucket: string, prefix: string, options: ObjectStoreCallOptions): Promise<StoredObject[]> {
    const operation = this.#operation(options);
    const context = { provider: this.#provider, operation };
    const container = this.#container(bucket, operation);
    checkBlobPrefix(prefix, context);
    const http = this.#client(container.accountUrl);
    const out: StoredObject[] = [];
    const seen = new Set<string>();
    let marker: string | undefined;
    do {
      const query = new URLSearchParams({ restype: "container", comp: "list" });
      if (prefix !== "") query.set("prefix", prefix);
      if (this.#listPageSize !== undefined) query.set("maxresults", String(this.#listPageSize));
      if (marker !== undefined) query.set("marker", marker);
      const res = await http.request({
        operation,
        path: withSas(encodeURIComponent(container.containerName), this.#sas(container, operation), query.toString()),
        responseType: "text",
        ...callOptions(options),
      });
      const page = readBlobListPage(res.data, context);
      for (const [i, blob] of page.blobs.entries()) {
        // Callers cut the prefix off to get a file's path; a name outside it would become some other path.
        if (!blob.name.startsWith(prefix))
          throw new ResponseValidationError(`Azure listed ${JSON.stringify(blob.name.slice(0, 80))}, which is not under the prefix ${JSON.stringify(prefix)}`, {
            ...context,
            field: `Blobs.Blob[${i}].Name`,
            isRetryable: false,
          });
        out.push({ name: blob.name, size: blob.size, ...(blob.md5 !== undefined && { md5: blob.md5 }) });
      }
      marker = page.nextMarker;
      if (marker !== undefined) {
        if (seen.has(marker))
          throw new ResponseValidationError("Azure gave the same NextMarker twice; the listing would never end", {
            ...context,
            field: "NextMarker",
            isRetryable: false,
          });
        seen.add(marker);
      }
    } while (marker !== undefined);
    return out;
  }

  /** Deletes a blob (and any snapshots of it). A missing blob is `NotFoundError`, as on Cloud Storage. */
  async delete(bucket: string, name: string, options: ObjectStoreCallOptions): Promise<void> {
    const { http, path, sas } = this.#blob(bucket, name, options);
    await http.request({
      operation: options.operation,
      method: "DELETE",
      path: withSas(path, sas()),
      responseType: "none",
      ...callOptions({ ...options, headers: { ...options.headers, "x-ms-delete-snapshots": "include" } }),
    });
  }
}

/** A request path with the operation's query and the SAS (the upload module has its own copy: it loads lazily). */
function withSas(path: string, sas: string | undefined, query?: string): string {
  const parts = [query, sas].filter((q): q is string => q !== undefined && q !== "");
  return parts.length === 0 ? path : `${path}?${parts.join("&")}`;
}
