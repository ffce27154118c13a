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
 */
export function deploymentName(model: string, version: string): string {
  const plain = `${model}-v${version}`;
  if (plain.length <= 32 && ENDPOINT_NAME.test(plain) && plain === plain.toLowerCase()) return plain;
  const clean = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/-{2,}/g, "-");
  const tail = `-v${clean(version).slice(0, 12).replace(/-+$/, "")}-${fnv1a(`${model}/${version}`).slice(0, 6)}`;
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
