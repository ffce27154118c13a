/**
 * SageMaker endpoints on the wire and as the spec sees them: the minimal response schemas of the endpoint operations,
 * the names modelreg gives SageMaker models, variants and endpoint configs, the traffic arithmetic (SageMaker weighs
 * variants; the spec speaks percents), and the mapping of an endpoint and its config to modelreg's `Endpoint`.
 *
 * @module
 */

import * as z from "zod/mini";
import type { DeployedModel, Endpoint } from "../../core/endpoints.js";
import { lazySchema } from "../../http/schema.js";

/** `EndpointName`, `EndpointConfigName`, `VariantName` and (but for length 0) `ModelName` (botocore's patterns). */
export const ENTITY_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** An endpoint ARN (`EndpointArn`); what follows `endpoint/` is the name. */
export const ENDPOINT_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:endpoint\/(.+)$/;

/** `DescribeEndpoint`: what modelreg reads. Counts and weights are nullable: moto answers `null` after a weight update. */
export const endpointDescriptionSchema = lazySchema(() =>
  z.object({
    EndpointName: z.string(),
    EndpointArn: z.string(),
    EndpointConfigName: z.optional(z.string()),
    EndpointStatus: z.string(),
    FailureReason: z.nullish(z.string()),
    ProductionVariants: z.nullish(
      z.array(
        z.object({
          VariantName: z.string(),
          CurrentWeight: z.nullish(z.number()),
          DesiredWeight: z.nullish(z.number()),
          CurrentInstanceCount: z.nullish(z.number()),
          DesiredInstanceCount: z.nullish(z.number()),
        }),
      ),
    ),
  }),
);

/** An endpoint as `DescribeEndpoint` returns it. */
export type EndpointDescription = z.output<ReturnType<typeof endpointDescriptionSchema>>;

/**
 * `DescribeEndpointConfig`. Variants are kept whole (a loose object): a new config copies the variants that stay, and
 * dropping fields modelreg does not read (serverless settings, volume sizes, routing) would change them.
 */
export const endpointConfigSchema = lazySchema(() =>
  z.object({
    EndpointConfigName: z.string(),
    EndpointConfigArn: z.string(),
    ProductionVariants: z.array(
      z.looseObject({
        VariantName: z.string(),
        ModelName: z.nullish(z.string()),
        InstanceType: z.nullish(z.string()),
        InitialInstanceCount: z.nullish(z.number()),
        InitialVariantWeight: z.nullish(z.number()),
      }),
    ),
  }),
);

/** An endpoint config as `DescribeEndpointConfig` returns it. */
export type EndpointConfig = z.output<ReturnType<typeof endpointConfigSchema>>;

/** One production variant of a config. */
export type ProductionVariant = EndpointConfig["ProductionVariants"][number];

/** `ListEndpoints`. */
export const listEndpointsSchema = lazySchema(() => z.object({ Endpoints: z.array(z.object({ EndpointName: z.string() })), NextToken: z.nullish(z.string()) }));

/** `ListTags`. */
export const listTagsSchema = lazySchema(() =>
  z.object({ Tags: z.nullish(z.array(z.object({ Key: z.string(), Value: z.string() }))), NextToken: z.nullish(z.string()) }),
);

/** `CreateEndpoint`, `UpdateEndpoint`, `UpdateEndpointWeightsAndCapacities`. */
export const endpointArnSchema = lazySchema(() => z.object({ EndpointArn: z.string() }));

/** `CreateEndpointConfig`. */
export const endpointConfigArnSchema = lazySchema(() => z.object({ EndpointConfigArn: z.string() }));

/** A model version, as a variant serves it. */
export interface ServedVersion {
  /** The model (package group). */
  model: string;
  /** The version number. */
  version: string;
}

/**
 * The tag key on an endpoint config that names the version a SageMaker model serves (`<prefix><ModelName>` = `model/3`),
 * written only for model names that do not say it themselves ({@link deploymentName}'s hashed form).
 */
export const VERSION_TAG_PREFIX = "modelreg:version:";

/** FNV-1a, 32 bits, as 8 hex digits: a short stable digest for names that had to be cut. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, "0");
}

/**
 * The SageMaker `ModelName` (and first choice of `VariantName`) for a version: `<model>-v<version>`, which reads back
 * with {@link parseDeploymentName}. A model name SageMaker's pattern refuses, or one too long for 63 characters with
 * its suffix, is cut and sanitized, and ends in `-h<digest of the model name>`: that form does not read back, so the
 * endpoint config carries a {@link VERSION_TAG_PREFIX} tag for it. The same version always gets the same name.
 */
export function deploymentName(model: string, version: string): string {
  const plain = `${model}-v${version}`;
  if (ENTITY_NAME.test(model) && plain.length <= 63) return plain;
  const tail = `-v${version}-h${fnv1a(model)}`;
  const prefix = model
    .replace(/[^a-zA-Z0-9-]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, 63 - tail.length)
    .replace(/-+$/, "");
  return `${prefix || "m"}${tail}`;
}

/** The version a plain {@link deploymentName} names, or `undefined` for a hashed or foreign name. */
export function parseDeploymentName(name: string): ServedVersion | undefined {
  const match = /^(.+)-v(\d{1,9})$/.exec(name);
  if (!match) return undefined;
  const served = { model: match[1] as string, version: match[2] as string };
  return deploymentName(served.model, served.version) === name ? served : undefined;
}

/** Endpoint configs modelreg made end in `-mr-` and 12 base-36 characters; only those does it delete. */
const MANAGED_CONFIG = /-mr-[0-9a-z]{12}$/;

/** A new, unique endpoint config name for an endpoint: its name cut to fit, `-mr-`, the time and 4 random characters. */
export function newConfigName(endpoint: string): string {
  const stamp = Date.now().toString(36).padStart(8, "0").slice(-8);
  const random = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => (b % 36).toString(36)).join("");
  return `${endpoint.slice(0, 46).replace(/-+$/, "")}-mr-${stamp}${random}`;
}

/**
 * Whether modelreg made this endpoint config. Only those are deleted once an endpoint has moved off them: a config a
 * user or a template (CloudFormation, CDK) made is theirs to delete.
 */
export function isManagedConfig(name: string): boolean {
  return MANAGED_CONFIG.test(name);
}

/** A variant as the spec sees it: its name, the version it serves (when known), its weight and settings. */
export interface VariantView {
  /** `VariantName`. */
  name: string;
  /** The SageMaker model it runs. */
  modelName: string | undefined;
  /** The version, from the model's name or the config's tag; `undefined` for a model modelreg did not make. */
  served: ServedVersion | undefined;
  /** The weight now: `CurrentWeight`, else `DesiredWeight`, else the config's, else SageMaker's default of 1. */
  weight: number;
  /** The instance type. */
  instanceType: string | undefined;
  /** The instance count now. */
  instanceCount: number | undefined;
}

/** The variants of an endpoint: the config's, in its order, with the endpoint's weights and counts. */
export function variantViews(endpoint: EndpointDescription, config: EndpointConfig | undefined, tags: Map<string, ServedVersion>): VariantView[] {
  const live = new Map((endpoint.ProductionVariants ?? []).map((v) => [v.VariantName, v]));
  const configured = config?.ProductionVariants ?? (endpoint.ProductionVariants ?? []).map((v) => ({ VariantName: v.VariantName }) as ProductionVariant);
  return configured.map((variant) => {
    const now = live.get(variant.VariantName);
    const modelName = variant.ModelName ?? undefined;
    return {
      name: variant.VariantName,
      modelName,
      served: modelName === undefined ? undefined : (tags.get(modelName) ?? parseDeploymentName(modelName)),
      weight: now?.CurrentWeight ?? now?.DesiredWeight ?? variant.InitialVariantWeight ?? 1,
      instanceType: variant.InstanceType ?? undefined,
      instanceCount: now?.CurrentInstanceCount ?? now?.DesiredInstanceCount ?? variant.InitialInstanceCount ?? undefined,
    };
  });
}

/** The traffic-split key of a variant: `model/version`, or the variant's name when it serves no known version. */
export const splitKey = (variant: VariantView): string => (variant.served ? `${variant.served.model}/${variant.served.version}` : variant.name);

/** Percents by key from weights: weight / sum of weights, times 100 (all zero when every weight is). */
export function percents(weights: Array<[string, number]>): Record<string, number> {
  const total = weights.reduce((n, [, w]) => n + w, 0);
  return Object.fromEntries(weights.map(([key, w]) => [key, total > 0 ? (w * 100) / total : 0]));
}

/** The spec's view of an endpoint: one deployed model per variant, traffic as each variant's share of the weights. */
export function toEndpoint(endpoint: EndpointDescription, variants: VariantView[], config: EndpointConfig | undefined): Endpoint {
  const deployed: DeployedModel[] = variants.map((v) => ({
    id: v.name,
    // A variant whose model modelreg did not make still shows, under its model's (or its own) name.
    model: v.served?.model ?? v.modelName ?? v.name,
    version: v.served?.version ?? "",
    ...(v.instanceType && { machineType: v.instanceType }),
    ...(v.instanceCount !== undefined && { minReplicas: v.instanceCount, maxReplicas: v.instanceCount }),
  }));
  return {
    id: endpoint.EndpointName,
    name: endpoint.EndpointArn,
    displayName: endpoint.EndpointName,
    deployedModels: deployed,
    trafficSplit: percents(variants.map((v) => [splitKey(v), v.weight])),
    raw: { endpoint, config },
  };
}

/** Scales the others down so `percent` fits, in whole percents summing to the room left (largest remainders get the rest). */
export function makeRoom(split: Record<string, number>, percent: number): Record<string, number> {
  const entries = Object.entries(split);
  const total = entries.reduce((n, [, v]) => n + v, 0);
  const room = 100 - percent;
  if (total <= 0 || room === 0) return Object.fromEntries(entries.map(([k]) => [k, 0]));
  const scaled = entries.map(([k, v]) => ({ k, exact: (v / total) * room }));
  const out = Object.fromEntries(scaled.map(({ k, exact }) => [k, Math.floor(exact)]));
  let left = room - Object.values(out).reduce((n, v) => n + v, 0);
  for (const { k } of [...scaled].sort((a, b) => (b.exact % 1) - (a.exact % 1))) {
    if (left-- <= 0) break;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/**
 * The split among the variants left after one leaves: its traffic goes to the others in proportion, or in equal shares
 * when they all had none (as Vertex's undeploy does), so the endpoint always serves.
 */
export function splitWithout(split: Record<string, number>, leaving: string): Record<string, number> {
  const rest = Object.fromEntries(Object.entries(split).filter(([k]) => k !== leaving));
  const keys = Object.keys(rest);
  if (keys.length === 0) return {};
  if (Object.values(rest).some((v) => v > 0)) return makeRoom(rest, 0);
  const share = Math.floor(100 / keys.length);
  return Object.fromEntries(keys.map((k, i) => [k, share + (i < 100 - share * keys.length ? 1 : 0)]));
}
