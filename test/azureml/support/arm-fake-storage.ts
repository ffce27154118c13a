// Where model files live, behind Azurite: the workspace's default datastore (`GET W/datastores/{name}`, an AzureBlob
// datastore naming the Azurite account and a container the fake makes) and its secrets (`POST .../listSecrets`), the
// registry's pending uploads (`POST R/models/{m}/versions/{v}/startPendingUpload`: a fresh Azurite container and a
// container SAS) and data references (`POST R/datareferences/{name}/versions/{version}`: a read SAS for a version's
// files); and the registry data-plane forms azure-ai-ml sends instead (`PUT R/tempdatarefs/...`, `POST R/datarefs/...`
// at 2021-10-01-dataplanepreview). Reference §5.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { randomUUID } from "node:crypto";
import { accountSas, SAS_VERSION, serviceSas } from "./blob-sas.js";
import { armError, json, notFound, userError } from "./arm-fake-errors.js";
import { findVersion } from "./arm-fake-models.js";
import { type ArmFakeState, type Ctx, type DatastoreState, type Handler, PROVIDER, type PendingUpload } from "./arm-fake-state.js";

const HOUR = 3600_000;

/** A PUT to Azurite with the fake's own credentials (an account SAS); TLS unchecked, since Azurite is on loopback. */
function azuritePut(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith("https:") ? httpsRequest : httpRequest;
    const req = send(url, { method: "PUT", headers: { "x-ms-version": SAS_VERSION, "content-length": "0" }, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Makes sure an Azurite container exists (the fake makes each once). */
export async function ensureContainer(state: ArmFakeState, name: string): Promise<void> {
  if (state.containers.has(name)) return;
  const { endpoint, accountName, accountKey } = state.options.blob;
  const sas = accountSas({ accountName, accountKey, permissions: "rwdlac", resourceTypes: "sco", expiresOn: new Date(Date.now() + HOUR) });
  const status = await azuritePut(`${endpoint}/${name}?restype=container&${sas}`);
  // 409 ContainerAlreadyExists: made by an earlier fake on the same Azurite, which is fine.
  if (status !== 201 && status !== 409) throw new Error(`Azurite answered ${status} to creating container ${name}`);
  state.containers.add(name);
}

/** Where the datastore says the account is: `endpoint` host and `protocol`, path-style for Azurite (reference §5). */
export function datastoreEndpoint(state: ArmFakeState): { endpoint: string; protocol: string } {
  const url = new URL(state.options.blob.endpoint);
  if (url.pathname.replace(/\/$/, "") !== `/${state.options.blob.accountName}`)
    throw new Error(`the blob endpoint ${state.options.blob.endpoint} must be path-style, ending in /${state.options.blob.accountName}`);
  return { endpoint: url.host, protocol: url.protocol.replace(":", "") };
}

/**
 * The account URL registry blob URLs are written with: `blob.publicEndpoint` (host-style) when set, else the
 * path-style `blob.endpoint`.
 */
export function registryBlobBase(state: ArmFakeState): string {
  const { publicEndpoint, endpoint, accountName } = state.options.blob;
  if (publicEndpoint === undefined) return endpoint;
  const url = new URL(publicEndpoint);
  if (!url.hostname.startsWith(`${accountName}.blob.`) || url.pathname.replace(/\/$/, "") !== "" || url.search)
    throw new Error(`the blob publicEndpoint ${publicEndpoint} must be host-style, https://${accountName}.blob.{suffix}, without a path`);
  return publicEndpoint.replace(/\/$/, "");
}

function datastoreJson(state: ArmFakeState, d: DatastoreState) {
  const { endpoint, protocol } = datastoreEndpoint(state);
  return {
    id: `${state.workspaceId}/datastores/${d.name}`,
    name: d.name,
    type: `${PROVIDER}/workspaces/datastores`,
    systemData: d.systemData,
    properties: {
      description: null,
      tags: {},
      properties: {},
      isDefault: d.isDefault,
      // The secrets are write-only: ARM never answers them (contract: writeOnly).
      credentials: { credentialsType: d.credentialsType },
      datastoreType: "AzureBlob",
      accountName: state.options.blob.accountName,
      containerName: d.containerName,
      endpoint,
      protocol,
      serviceDataAccessAuthIdentity: "None",
      subscriptionId: state.options.subscriptionId,
      resourceGroup: state.options.resourceGroup,
    },
  };
}

async function getDatastore(ctx: Ctx): Promise<Response> {
  const d = ctx.state.datastores.get(ctx.params.name as string);
  if (!d) return notFound(`Datastore ${ctx.params.name}`);
  await ensureContainer(ctx.state, d.containerName);
  return json(200, datastoreJson(ctx.state, d));
}

async function listSecrets(ctx: Ctx): Promise<Response> {
  const { state } = ctx;
  const d = state.datastores.get(ctx.params.name as string);
  if (!d) return notFound(`Datastore ${ctx.params.name}`);
  // Guess: an identity-based datastore has no secrets to list; the SDK never asks (reference §5).
  if (d.credentialsType === "None") return userError(400, `Datastore ${d.name} uses identity-based access and has no secrets.`);
  await ensureContainer(state, d.containerName);
  if (d.credentialsType === "AccountKey") return json(200, { secretsType: "AccountKey", key: state.options.blob.accountKey });
  const body = (ctx.body ?? {}) as { expirableSecret?: boolean; expireAfterHours?: number };
  // Guess: a non-expirable SAS lasts a day; an expirable one expireAfterHours (the SDK asks for 1).
  const hours = body.expirableSecret ? (body.expireAfterHours ?? 1) : 24;
  const sasToken = serviceSas({
    accountName: state.options.blob.accountName,
    accountKey: state.options.blob.accountKey,
    container: d.containerName,
    permissions: "racwdl",
    expiresOn: new Date(Date.now() + hours * HOUR),
  });
  // Guess: the token without a leading "?" (azure-ai-ml hands it to the storage SDK, which takes either).
  return json(200, { secretsType: "Sas", sasToken });
}

/**
 * The blob reference of a container (or a folder in it) with a container SAS of `permissions`; `sasUri` is `blobUri`
 * with the SAS, or `sasBase` (the container's URL) with it.
 */
function blobReference(state: ArmFakeState, container: string, blobUri: string, permissions: string, sasBase = blobUri) {
  const sas = serviceSas({
    accountName: state.options.blob.accountName,
    accountKey: state.options.blob.accountKey,
    container,
    permissions,
    expiresOn: new Date(Date.now() + HOUR),
  });
  return { blobUri, storageAccountArmId: state.storageAccountId, credential: { credentialType: "SAS", sasUri: `${sasBase}?${sas}` } };
}

/** A pending upload for a registry version: the one `id` names, or a fresh container. */
async function pendingUpload(ctx: Ctx, id: string | undefined): Promise<PendingUpload | Response> {
  const { state } = ctx;
  const model = (ctx.params.modelName ?? ctx.params.name) as string;
  const version = ctx.params.version as string;
  const known = id === undefined ? undefined : state.pendingUploads.get(id);
  if (known) {
    // Guess: a pending upload belongs to the version it was started for.
    if (known.model !== model || known.version !== version) return userError(400, `Pending upload ${id} belongs to ${known.model}:${known.version}.`);
    return known;
  }
  const upload: PendingUpload = { id: id ?? randomUUID(), container: state.newContainerName("pending"), model, version };
  await ensureContainer(state, upload.container);
  state.pendingUploads.set(upload.id, upload);
  return upload;
}

/**
 * startPendingUpload: a container-level read, write, list SAS (the spec's words, reference §5) on a fresh container.
 * Guesses: an omitted pendingUploadType means TemporaryBlobReference; "None" answers no blob reference; an existing
 * version is no reason to refuse (the operation is "CreateOrGet"; the data-plane form refuses, see tempDataReference).
 */
async function startPendingUpload(ctx: Ctx): Promise<Response> {
  const body = (ctx.body ?? {}) as { pendingUploadId?: string; pendingUploadType?: string };
  if (body.pendingUploadType?.toLowerCase() === "none") return json(200, { pendingUploadId: body.pendingUploadId ?? randomUUID(), pendingUploadType: "None" });
  const upload = await pendingUpload(ctx, body.pendingUploadId);
  if (upload instanceof Response) return upload;
  const blobUri = `${registryBlobBase(ctx.state)}/${upload.container}`;
  return json(200, {
    blobReferenceForConsumption: blobReference(ctx.state, upload.container, blobUri, "rwl"),
    pendingUploadId: upload.id,
    pendingUploadType: "TemporaryBlobReference",
  });
}

/**
 * The data-plane temporary data reference azure-ai-ml asks for before uploading a registry version's files. An
 * existing version gets 409 (the SDK swallows "Asset already exists", reference §5); guess: the answer's field names
 * besides blobReferenceForConsumption.
 */
async function tempDataReference(ctx: Ctx): Promise<Response> {
  const model = ctx.params.name as string;
  const version = ctx.params.version as string;
  if (findVersion(ctx.state.registry, model, version)) return armError(409, "UserError", `Asset already exists: model ${model} version ${version}.`);
  const upload = await pendingUpload(ctx, undefined);
  if (upload instanceof Response) return upload;
  const blobUri = `${registryBlobBase(ctx.state)}/${upload.container}`;
  return json(200, {
    blobReferenceForConsumption: blobReference(ctx.state, upload.container, blobUri, "rwl"),
    temporaryDataReferenceId: upload.id,
    temporaryDataReferenceType: "TemporaryBlobReference",
  });
}

/**
 * A read SAS for a registry version's files (GetBlobReferenceSAS). Guesses: the version must exist (404), `assetId`
 * must name it, and `blobUri` must lie in a container of the registry's storage (one the fake made); the SAS is
 * container-level read and list.
 */
function dataReference(ctx: Ctx): Response {
  const { state } = ctx;
  const model = ctx.params.name as string;
  const version = ctx.params.version as string;
  const body = ctx.body as { assetId?: string; blobUri?: string };
  if (!findVersion(state.registry, model, version)) return notFound(`Model ${model} version ${version}`);
  const assetId = `azureml://registries/${state.options.registry}/models/${model}/versions/${version}`;
  if (body.assetId !== undefined && body.assetId.toLowerCase() !== assetId.toLowerCase())
    return userError(400, `assetId ${body.assetId} does not name model ${model} version ${version} of this registry.`);
  if (!body.blobUri) return userError(400, "blobUri is required.");
  const uri = body.blobUri.split("?")[0] as string;
  const prefix = [`${state.options.blob.endpoint}/`, `${registryBlobBase(state)}/`].find((p) => uri.startsWith(p));
  const container = prefix ? uri.slice(prefix.length).split("/")[0] : undefined;
  if (!container || !state.containers.has(container)) return userError(400, `blobUri ${uri} is not in this registry's storage.`);
  // azure-ai-ml's models.download hands the data-plane answer's sasUri to ContainerClient.from_container_url
  // (operations/_model_operations.py, _artifacts/_blob_storage_helper.py), which takes its last path segment as the
  // container: there the SAS comes on the container's URL. Guess: ARM's form (the adapter's) answers the asked URI.
  const sasBase = ctx.op.id === "RegistryDataReferences_GetBlobReferenceSASDataplane" ? `${prefix}${container}` : uri;
  return json(200, { blobReferenceForConsumption: blobReference(state, container, uri, "rl", sasBase) });
}

/** The storage routes, by contract operation id. */
export function storageRoutes(): Record<string, Handler> {
  return {
    Datastores_Get: getDatastore,
    Datastores_ListSecrets: listSecrets,
    RegistryModelVersions_CreateOrGetStartPendingUpload: startPendingUpload,
    RegistryDataReferences_GetBlobReferenceSAS: dataReference,
    RegistryTemporaryDataReferences_CreateOrGet: tempDataReference,
    RegistryDataReferences_GetBlobReferenceSASDataplane: dataReference,
  };
}
