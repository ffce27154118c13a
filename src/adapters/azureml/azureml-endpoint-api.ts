/**
 * zod/mini schemas of Azure ML's managed online endpoints and deployments (api-version 2025-12-01), the workspace's
 * region, and the naming rules of endpoints and deployments. Endpoints are read loosely: a traffic change is a PUT of
 * the whole endpoint (PATCH takes only tags and identity), so every field Azure answered is kept and sent back.
 *
 * @module
 */

import * as z from "zod/mini";
import { invalidInput } from "../../core/errors.js";
import { lazySchema } from "../../http/schema.js";
import type { AzureMlEndpointTarget } from "./azureml-endpoints.js";
import { PROVIDER } from "./azureml-names.js";

const percentMap = () => z.optional(z.nullable(z.record(z.string(), z.nullable(z.number()))));

/** An online endpoint (`W/onlineEndpoints/{name}`). */
export const onlineEndpointSchema = lazySchema(() =>
  z.looseObject({
    id: z.optional(z.string()),
    name: z.string(),
    location: z.optional(z.nullable(z.string())),
    tags: z.optional(z.nullable(z.record(z.string(), z.nullable(z.string())))),
    identity: z.optional(z.nullable(z.looseObject({ type: z.string(), userAssignedIdentities: z.optional(z.nullable(z.record(z.string(), z.unknown()))) }))),
    properties: z.looseObject({
      authMode: z.optional(z.nullable(z.string())),
      description: z.optional(z.nullable(z.string())),
      traffic: percentMap(),
      mirrorTraffic: percentMap(),
      scoringUri: z.optional(z.nullable(z.string())),
      provisioningState: z.optional(z.nullable(z.string())),
    }),
  }),
);

/** An online endpoint as read. */
export type ArmOnlineEndpoint = z.output<ReturnType<typeof onlineEndpointSchema>>;

/** An online deployment (`W/onlineEndpoints/{e}/deployments/{name}`). */
export const onlineDeploymentSchema = lazySchema(() =>
  z.looseObject({
    id: z.optional(z.string()),
    name: z.string(),
    location: z.optional(z.nullable(z.string())),
    sku: z.optional(z.nullable(z.looseObject({ name: z.optional(z.string()), capacity: z.optional(z.nullable(z.number())) }))),
    properties: z.looseObject({
      model: z.optional(z.nullable(z.string())),
      instanceType: z.optional(z.nullable(z.string())),
      endpointComputeType: z.optional(z.nullable(z.string())),
      provisioningState: z.optional(z.nullable(z.string())),
    }),
  }),
);

/** An online deployment as read. */
export type ArmOnlineDeployment = z.output<ReturnType<typeof onlineDeploymentSchema>>;

/** A page of endpoints. */
export const endpointPageSchema = lazySchema(() => z.object({ value: z.array(onlineEndpointSchema()), nextLink: z.optional(z.nullable(z.string())) }));

/** A page of deployments. */
export const deploymentPageSchema = lazySchema(() => z.object({ value: z.array(onlineDeploymentSchema()), nextLink: z.optional(z.nullable(z.string())) }));

/** The one field of a workspace modelreg reads: its region. */
export const workspaceLocationSchema = lazySchema(() => z.object({ location: z.string() }));

/**
 * Endpoint and deployment names (azure-ai-ml `EndpointConfigurations`: 3-32 characters, a letter first, then letters,
 * digits and `-`, not ending in `-`).
 */
export const ENDPOINT_NAME = /^[a-zA-Z](?:[-a-zA-Z0-9]{1,30})[a-zA-Z0-9]$/;

/** VM sizes (`Standard_F4s_v2`, `Standard_NC6s_v3`); Azure checks the list itself. */
export const INSTANCE_TYPE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** The VM size of a deployment when `deploy` names none (Azure's documented default). */
export const DEFAULT_INSTANCE_TYPE = "Standard_F4s_v2";

/** An endpoint's ARM id (`/subscriptions/.../workspaces/{ws}/onlineEndpoints/{name}`): the workspace id and the name. */
const ENDPOINT_ID =
  /^(\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+)\/onlineEndpoints\/([^/]+)$/i;

/**
 * The endpoint name a value names: the name itself, or an endpoint's ARM id in `workspaceId`.
 *
 * @throws InvalidInputError for anything else.
 */
export function endpointNameOf(value: unknown, workspaceId: string, operation: string, field = "endpoint"): string {
  if (typeof value !== "string" || value === "")
    throw invalidInput(operation, field, "name the endpoint: its name (3-32 letters, digits and '-'), or its ARM id", PROVIDER);
  const id = ENDPOINT_ID.exec(value);
  if (id) {
    if ((id[1] as string).toLowerCase() !== workspaceId.toLowerCase())
      throw invalidInput(operation, field, "the endpoint's ARM id names another workspace than this registry deploys to", PROVIDER);
    return checkEndpointName(id[2] as string, operation, field);
  }
  return checkEndpointName(value, operation, field);
}

/** `name` when Azure takes it as an endpoint name, else InvalidInputError. */
export function checkEndpointName(name: string, operation: string, field: string): string {
  if (!ENDPOINT_NAME.test(name))
    throw invalidInput(
      operation,
      field,
      `${JSON.stringify(name.slice(0, 40))} is not an Azure online endpoint name: 3-32 characters, a letter first, then letters, digits and '-', not ending in '-'`,
      PROVIDER,
    );
  return name;
}

/** FNV-1a, 32 bits, as 8 hex digits: a short stable digest for names that had to be changed to fit. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, "0");
}

/**
 * The deployment name of a version: `{model}-v{version}` in lower case (the Python SDK lower-cases deployment names in
 * traffic maps). A name that does not fit Azure's rule as it is (upper case, `_`, a digit first, over 32 characters) is
 * cleaned and cut, and ends in `-` and 6 hex digits of a digest of `model/version`, so two versions never share one.
 * The same version always gets the same name. Deployments are matched to versions by their `model` id, not by name.
 *
 * @param modelId - When given, the name always takes the digested form, digesting this id instead: the name of the
 * version when its plain name is taken by a deployment of another model (another registry's or workspace's version of
 * the same name and number).
 */
export function deploymentName(model: string, version: string, modelId?: string): string {
  const plain = `${model}-v${version}`;
  if (modelId === undefined && plain.length <= 32 && ENDPOINT_NAME.test(plain) && plain === plain.toLowerCase()) return plain;
  const clean = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/-{2,}/g, "-");
  const tail = `-v${clean(version).slice(0, 12).replace(/-+$/, "")}-${fnv1a(modelId?.toLowerCase() ?? `${model}/${version}`).slice(0, 6)}`;
  const head = clean(model)
    .replace(/^[^a-z]+/, "")
    .slice(0, 32 - tail.length)
    .replace(/-+$/, "");
  return `${head || "m"}${tail}`;
}

/** The model and version a deployment's `model` names: an ARM id, an `azureml://registries/...` id, or `azureml:name:version`. */
export function servedVersion(model: string | null | undefined): { model: string; version: string } | undefined {
  if (!model) return undefined;
  const byPath = /\/models\/([^/]+)\/versions\/([^/?#]+)$/i.exec(model);
  if (byPath) return { model: decodeURIComponent(byPath[1] as string), version: decodeURIComponent(byPath[2] as string) };
  const short = /^azureml:([^:/]+):([^:/]+)$/.exec(model);
  return short ? { model: short[1] as string, version: short[2] as string } : undefined;
}

/** How a client knows the deployments of its own versions: the endpoints' workspace, and the model id its versions deploy by. */
export type ModelIds = Pick<AzureMlEndpointTarget, "workspaceId" | "modelId">;

/**
 * A deployment's `model` as a full id: `azureml:name:version` (a model of the endpoint's workspace, as azure-ai-ml
 * resolves it) becomes that model's ARM id; other values are as they are.
 */
function fullModelId(model: string, workspaceId: string): string {
  const short = /^azureml:([^:/]+):([^:/]+)$/.exec(model);
  return short ? `${workspaceId}/models/${short[1]}/versions/${short[2]}` : model;
}

/**
 * The version of this registry a deployment's `model` names: the model and version when its id is the one
 * `ids.modelId` gives them (compared without regard to case, as ARM compares ids), else `undefined`: no model, or a
 * model of another workspace or registry, even of the same name and version.
 */
export function ownVersion(model: string | null | undefined, ids: ModelIds): { model: string; version: string } | undefined {
  const served = servedVersion(model);
  return served !== undefined && servesVersion(model, served.model, served.version, ids) ? served : undefined;
}

/** Whether a deployment's `model` is this registry's version `model/version` (by its full id, without regard to case). */
export function servesVersion(deployed: string | null | undefined, model: string, version: string, ids: ModelIds): boolean {
  return !!deployed && fullModelId(deployed, ids.workspaceId).toLowerCase() === ids.modelId(model, version).toLowerCase();
}

/** What `providerOptions.azureml` of `deploy` adds to the deployment's properties, checked. */
export interface DeploymentAssets {
  /** The environment's id. */
  environmentId?: string;
  /** The scoring code and script. */
  codeConfiguration?: { codeId: string; scoringScript: string };
}

const DEPLOY_OPTIONS = ["environment", "code", "scoringScript"];
/** Asset names and versions (letters, digits, `.`, `_`, `-`; azure-ai-ml's curated environments have dots). */
const ASSET_PART = "[A-Za-z0-9][A-Za-z0-9._-]{0,254}";

/**
 * An environment's or code asset's id as a deployment takes it (`kind` `environments` or `codes`), or `undefined`
 * when the value is none of the forms azure-ai-ml resolves: `azureml:<name>:<version>` becomes the ARM id of that
 * version in the endpoint's workspace (`get_asset_arm_id`; a curated `azureml:AzureML-...` environment is sent as it
 * is, for Azure to expand), and an ARM id of a workspace's asset version or an `azureml://registries/...` id are sent
 * as they are.
 */
function assetId(value: string, kind: "environments" | "codes", workspaceId: string): string | undefined {
  const short = new RegExp(`^azureml:(${ASSET_PART}):(${ASSET_PART})$`).exec(value);
  if (short) {
    if (kind === "environments" && (short[1] as string).startsWith("AzureML-")) return value;
    return `${workspaceId}/${kind}/${short[1]}/versions/${short[2]}`;
  }
  const arm = new RegExp(
    `^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.MachineLearningServices/workspaces/[^/]+/${kind}/${ASSET_PART}/versions/${ASSET_PART}$`,
    "i",
  );
  const registry = new RegExp(`^azureml://registries/[^/]+/${kind}/${ASSET_PART}/versions/${ASSET_PART}$`, "i");
  return arm.test(value) || registry.test(value) ? value : undefined;
}

/**
 * `providerOptions.azureml` of `deploy` as the deployment's `environmentId` and `codeConfiguration`: checked whole
 * before any request, other providers' options left alone.
 *
 * @throws InvalidInputError naming the field (`providerOptions.azureml.<key>`) for an unknown key, a value in no form
 * Azure takes, `code` without `scoringScript` or the other way round, or scoring code without an environment.
 */
export function deploymentAssetsOf(providerOptions: unknown, workspaceId: string, operation: string): DeploymentAssets {
  if (providerOptions === undefined) return {};
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(providerOptions)) throw invalidInput(operation, "providerOptions", "providerOptions must be an object keyed by provider", PROVIDER);
  const own = Object.hasOwn(providerOptions, PROVIDER) ? providerOptions[PROVIDER] : undefined;
  if (own === undefined) return {};
  const field = (key: string) => `providerOptions.${PROVIDER}${key ? `.${key}` : ""}`;
  if (!isObject(own)) throw invalidInput(operation, field(""), "providerOptions.azureml must be an object: { environment, code, scoringScript }", PROVIDER);
  for (const key of Object.keys(own))
    if (!DEPLOY_OPTIONS.includes(key))
      throw invalidInput(
        operation,
        field(key),
        `${JSON.stringify(key.slice(0, 40))} is not an Azure ML deploy option: providerOptions.azureml takes ${DEPLOY_OPTIONS.join(", ")}`,
        PROVIDER,
      );
  const text = (key: string): string | undefined => {
    const value = own[key];
    if (value === undefined) return undefined;
    if (typeof value !== "string" || value === "")
      throw invalidInput(operation, field(key), `providerOptions.azureml.${key} must be a non-empty string`, PROVIDER);
    return value;
  };
  const [environment, code, scoringScript] = [text("environment"), text("code"), text("scoringScript")];
  const forms = (kind: "environments" | "codes", example: string) =>
    `azureml:<name>:<version> (one of the endpoint's workspace, such as azureml:${example}:1), an ARM id (/subscriptions/.../workspaces/<workspace>/${kind}/<name>/versions/<version>), or azureml://registries/<registry>/${kind}/<name>/versions/<version>`;
  const environmentId = environment === undefined ? undefined : assetId(environment, "environments", workspaceId);
  if (environment !== undefined && environmentId === undefined)
    throw invalidInput(
      operation,
      field("environment"),
      `${JSON.stringify(environment.slice(0, 80))} does not name an environment version: give ${forms("environments", "sklearn-env")}`,
      PROVIDER,
    );
  if (code === undefined && scoringScript === undefined) return { ...(environmentId !== undefined && { environmentId }) };
  if (code === undefined)
    throw invalidInput(operation, field("code"), "scoringScript is a file of the scoring code: give code (the code asset) with it", PROVIDER);
  if (scoringScript === undefined)
    throw invalidInput(
      operation,
      field("scoringScript"),
      "code needs scoringScript: the scoring script's path inside the code asset, such as score.py",
      PROVIDER,
    );
  const codeId = assetId(code, "codes", workspaceId);
  if (codeId === undefined)
    throw invalidInput(
      operation,
      field("code"),
      `${JSON.stringify(code.slice(0, 80))} does not name a code asset version: give ${forms("codes", "fraud-score")}`,
      PROVIDER,
    );
  const segments = scoringScript.split(/[\\/]/);
  // Control characters, including NUL, have no place in a file name Azure resolves inside the code asset.
  const control = /[\u0000-\u001f\u007f]/;
  if (
    scoringScript.length > 1024 ||
    /^[\\/]/.test(scoringScript) ||
    /^[A-Za-z]:/.test(scoringScript) ||
    segments.some((s) => s === "" || s === "..") ||
    control.test(scoringScript)
  )
    throw invalidInput(
      operation,
      field("scoringScript"),
      `${JSON.stringify(scoringScript.slice(0, 80))} is not a path inside the code asset: give a relative path such as score.py or src/score.py, without '..'`,
      PROVIDER,
    );
  if (environmentId === undefined)
    throw invalidInput(
      operation,
      field("environment"),
      "a scoring script runs in an environment: give providerOptions.azureml.environment with code and scoringScript",
      PROVIDER,
    );
  return { environmentId, codeConfiguration: { codeId, scoringScript } };
}
