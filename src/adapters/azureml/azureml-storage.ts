/**
 * Where a version's files are, and the credentials to reach them:
 *
 * - a workspace's versions live in its datastore (`workspaceblobstore` unless set), reached with what `listSecrets`
 *   gives (an account key, from which a short-lived SAS is made, or a SAS), or with a Storage token when the datastore
 *   is identity-based; `modelUri` is the long `azureml://subscriptions/.../datastores/{ds}/paths/{folder}/model/`;
 * - a registry's versions live in the container `startPendingUpload` hands out (with a SAS), and are read through
 *   the SAS `datareferences` gives; `modelUri` is the blob URL of the `model/` folder.
 *
 * In both, a version modelreg made is a folder holding `model/` (the files, what `modelUri` names) and
 * `modelreg.json` (the record) beside it.
 *
 * @module
 */

import { CorruptDataError, InvalidInputError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import type { ObjectStore } from "../../storage/object-store.js";
import { accountBlobUrl, type AzureBlobAuth, AzureBlobStorage, containerUrlOf } from "../../storage/azure-blob-storage.js";
import { clientSettings } from "../../http/call-options.js";
import { blobReferenceSchema, datastoreSchema, datastoreSecretsSchema, type ArmModelVersion } from "./azureml-api.js";
import { STORAGE_SCOPE } from "./azureml-auth.js";
import { FILES_DIR, PROP, PROVIDER, RECORD_FILE } from "./azureml-names.js";
import type { AzureMlRegistrySettings } from "./azureml-settings.js";
import type { ArmTransport } from "./azureml-transport.js";

/** A folder in a blob container, and the store that reaches it. */
export interface BlobPlace {
  /** The store, with this container's credentials. */
  store: ObjectStore;
  /** The container's URL (the store's bucket). */
  bucket: string;
  /** The folder holding the files (`.../model/`), ending in `/` (`""` for a container's root). */
  files: string;
  /** The record's blob name, when modelreg made the version. */
  record: string | undefined;
  /** Whether modelreg may delete blobs there (a workspace datastore; a registry's SAS allows no deletes). */
  deletable: boolean;
}

/** A new version's folder: where the files and the record go, and the `modelUri` naming the files. */
export interface UploadPlace extends BlobPlace {
  /** The record's blob name. */
  record: string;
  /** What the version's `modelUri` is. */
  modelUri: string;
}

/** The long datastore URI (`azureml://subscriptions/{s}/resourcegroups/{rg}/workspaces/{ws}/datastores/{ds}/paths/{path}`). */
const LONG_URI = /^azureml:\/\/subscriptions\/([^/]+)\/resource[gG]roups\/([^/]+)\/workspaces\/([^/]+)\/datastores\/([^/]+)\/paths\/(.*)$/;
/** The short one (`azureml://datastores/{ds}/paths/{path}`), which the SDK expands; Azure may return either. */
const SHORT_URI = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.*)$/;

/** Azure Storage's blob hosts in Azure's clouds: the only hosts a Storage token is sent to for a blob URL. */
const AZURE_BLOB_HOST = /^[a-z0-9]{3,24}\.blob\.core\.(windows\.net|chinacloudapi\.cn|usgovcloudapi\.net)$/;

/** Datastore access is asked for once an hour at most (the SAS or key `listSecrets` gives expires after one). */
const ACCESS_TTL_MS = 45 * 60_000;

/** How versions' files are reached. */
export class AzureStorage {
  readonly #t: ArmTransport;
  readonly #settings: AzureMlRegistrySettings;
  readonly #datastores = new Map<string, { at: number; access: Promise<{ bucket: string; store: ObjectStore }> }>();

  /**
   * @param transport - The ARM transport.
   * @param settings - The registry settings (client settings, block size, datastore).
   */
  constructor(transport: ArmTransport, settings: AzureMlRegistrySettings) {
    this.#t = transport;
    this.#settings = settings;
  }

  #store(auth: AzureBlobAuth): ObjectStore {
    return new AzureBlobStorage({
      provider: PROVIDER,
      auth,
      ...clientSettings(this.#settings),
      ...(this.#settings.timeoutMs !== undefined && { timeoutMs: this.#settings.timeoutMs }),
      ...(this.#settings.blockBytes !== undefined && { blockBytes: this.#settings.blockBytes }),
    });
  }

  /** The workspace datastore's container and a store for it (cached for 45 minutes). */
  async datastore(name: string, operation: string, options: CallOptions | undefined): Promise<{ bucket: string; store: ObjectStore }> {
    const cached = this.#datastores.get(name);
    if (cached && Date.now() - cached.at < ACCESS_TTL_MS) return cached.access;
    const access = this.#datastoreAccess(name, operation, options);
    this.#datastores.set(name, { at: Date.now(), access });
    access.catch(() => this.#datastores.delete(name));
    return access;
  }

  async #datastoreAccess(name: string, operation: string, options: CallOptions | undefined): Promise<{ bucket: string; store: ObjectStore }> {
    const path = `datastores/${encodeURIComponent(name)}`;
    const ds = (await this.#t.send({ operation, path, schema: datastoreSchema, options })).data;
    const p = ds.properties;
    if (p.datastoreType !== "AzureBlob" || !p.accountName || !p.containerName)
      throw new InvalidInputError(
        `datastore ${JSON.stringify(name)} is not an Azure Blob datastore (it is ${p.datastoreType}); name a blob datastore in the datastore setting`,
        {
          provider: PROVIDER,
          operation,
          field: "datastore",
        },
      );
    const bucket = `${accountBlobUrl({ accountName: p.accountName, endpoint: p.endpoint ?? "core.windows.net", protocol: p.protocol ?? "https" }, { provider: PROVIDER, operation })}/${p.containerName}`;
    if ((p.credentials?.credentialsType ?? "None") === "None")
      return { bucket, store: this.#store({ kind: "bearer", token: this.#t.tokenFor(STORAGE_SCOPE) }) };
    const secrets = (
      await this.#t.send({
        operation,
        method: "POST",
        path: `${path}/listSecrets`,
        // It reads: sending it again is harmless.
        idempotent: true,
        body: { expirableSecret: true, expireAfterHours: 1 },
        schema: datastoreSecretsSchema,
        options,
      })
    ).data;
    if (secrets.secretsType === "AccountKey" && secrets.key)
      return { bucket, store: this.#store({ kind: "key", accountName: p.accountName, accountKey: secrets.key }) };
    if (secrets.secretsType === "Sas" && secrets.sasToken) return { bucket, store: this.#store({ kind: "sas", sas: secrets.sasToken }) };
    throw new InvalidInputError(`datastore ${JSON.stringify(name)} gave no account key or SAS token (${secrets.secretsType})`, {
      provider: PROVIDER,
      operation,
      field: "datastore",
    });
  }

  /**
   * A fresh folder for a new version. In a workspace: `modelreg/{model}/{token}/` in the datastore. In a registry: the
   * container `startPendingUpload` gives for the version the create first tried (it stays the files' home if another
   * writer takes that number, since the files are not named by it).
   */
  async newPlace(model: string, version: string, token: string, operation: string, options: CallOptions | undefined): Promise<UploadPlace> {
    if (this.#t.kind === "workspace") {
      const ds = this.#settings.datastore ?? "workspaceblobstore";
      const { bucket, store } = await this.datastore(ds, operation, options);
      // Under the model's name, so an operator sees whose files a folder holds; but not a name holding "paths":
      // azure-ai-ml 1.35.2 finds a datastore path by splitting the URI at "paths" (`get_ds_name_and_path_prefix`), so
      // a model called `mypaths` would make its downloads read another folder.
      const folder = model.includes("paths") ? `modelreg/${token}/` : `modelreg/${model}/${token}/`;
      const modelUri = `azureml://subscriptions/${this.#t.subscriptionId}/resourcegroups/${this.#t.resourceGroup}/workspaces/${this.#t.name}/datastores/${ds}/paths/${folder}${FILES_DIR}/`;
      return { store, bucket, files: `${folder}${FILES_DIR}/`, record: `${folder}${RECORD_FILE}`, modelUri, deletable: true };
    }
    const res = await this.#t.send({
      operation,
      method: "POST",
      path: `models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}/startPendingUpload`,
      // Create-or-get by the pending upload's id: sending it again gives the same upload.
      idempotent: true,
      body: { pendingUploadId: token, pendingUploadType: "TemporaryBlobReference" },
      schema: blobReferenceSchema,
      options,
    });
    const ref = res.data.blobReferenceForConsumption;
    const sasUri = ref.credential.sasUri;
    if (!sasUri) throw new CorruptDataError("startPendingUpload gave no SAS URI", { provider: PROVIDER, operation });
    const url = new URL(sasUri);
    const sas = url.search.slice(1);
    url.search = "";
    const bucket = containerUrlOf(url.href, { provider: PROVIDER, operation });
    const inContainer = url.href.slice(bucket.length).replace(/^\/+/, "");
    const folder = inContainer ? `${inContainer.replace(/\/+$/, "")}/` : "";
    return {
      store: this.#store({ kind: "sas", sas }),
      bucket,
      files: `${folder}${FILES_DIR}/`,
      record: `${folder}${RECORD_FILE}`,
      // Ending in `/`: azure-ai-ml downloads every blob whose name starts with the URI's path, and `model` would take
      // `modelreg.json` along.
      modelUri: `${bucket}/${folder}${FILES_DIR}/`,
      deletable: false,
    };
  }

  /** Where an existing version's files are, from its `modelUri`; `undefined` for a URI modelreg cannot read (`runs:/`, jobs). */
  async placeOf(model: string, arm: ArmModelVersion, operation: string, options: CallOptions | undefined): Promise<BlobPlace | undefined> {
    const uri = arm.properties.modelUri ?? "";
    const recordName = arm.properties.properties?.[PROP.record] ?? undefined;
    const long = LONG_URI.exec(uri);
    const short = long ? undefined : SHORT_URI.exec(uri);
    if (long || short) {
      if (this.#t.kind !== "workspace") return undefined;
      // A long URI names its workspace: another workspace's datastore of the same name is not this one's.
      const same = (a: string | undefined, b: string) => a !== undefined && decodeURIComponent(a).toLowerCase() === b.toLowerCase();
      if (long && !(same(long[1], this.#t.subscriptionId) && same(long[2], this.#t.resourceGroup) && same(long[3], this.#t.name))) return undefined;
      const [ds, path] = long ? [long[4] as string, long[5] as string] : [(short as RegExpExecArray)[1] as string, (short as RegExpExecArray)[2] as string];
      const { bucket, store } = await this.datastore(decodeURIComponent(ds), operation, options);
      return { store, bucket, files: folderOf(decodeURIComponent(path)), record: recordName, deletable: true };
    }
    if (!/^https?:\/\//.test(uri)) return undefined;
    const bucket = containerUrlOf(uri, { provider: PROVIDER, operation });
    if (this.#t.kind === "workspace") {
      // A blob URL in a workspace: readable with a Storage token only (the datastore's secrets are for its own
      // container), which goes to Azure Storage's own hosts only, never to a host a version's record names.
      if (!AZURE_BLOB_HOST.test(new URL(uri).hostname)) return undefined;
      return {
        store: this.#store({ kind: "bearer", token: this.#t.tokenFor(STORAGE_SCOPE) }),
        bucket,
        files: folderOf(uri.slice(bucket.length + 1)),
        record: recordName,
        deletable: false,
      };
    }
    const res = await this.#t.send({
      operation,
      method: "POST",
      path: `datareferences/${encodeURIComponent(model)}/versions/${encodeURIComponent(arm.name)}`,
      // It hands out a read SAS: sending it again is harmless.
      idempotent: true,
      body: { assetId: `azureml://registries/${this.#t.name}/models/${model}/versions/${arm.name}`, blobUri: uri },
      schema: blobReferenceSchema,
      options,
    });
    const sasUri = res.data.blobReferenceForConsumption.credential.sasUri;
    if (!sasUri) throw new CorruptDataError("datareferences gave no SAS URI", { provider: PROVIDER, operation });
    return {
      store: this.#store({ kind: "sas", sas: new URL(sasUri).search.slice(1) }),
      bucket,
      files: folderOf(uri.slice(bucket.length + 1)),
      record: recordName,
      deletable: false,
    };
  }
}

/** A path as a folder prefix: `a/b` -> `a/b/`, `""` stays. */
function folderOf(path: string): string {
  const clean = path.replace(/^\/+/, "");
  return clean === "" || clean.endsWith("/") ? clean : `${clean}/`;
}
