/**
 * Vertex AI's wire shapes: only the fields this adapter reads. Built on first use.
 *
 * @module
 */

import * as z from "zod/mini";
import { lazySchema } from "../../http/schema.js";

/** A model version as Vertex returns it. */
export const vertexModelSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    displayName: z.optional(z.string()),
    description: z.optional(z.string()),
    versionId: z.optional(z.string()),
    versionAliases: z.optional(z.array(z.string())),
    versionDescription: z.optional(z.string()),
    versionCreateTime: z.optional(z.string()),
    versionUpdateTime: z.optional(z.string()),
    createTime: z.optional(z.string()),
    updateTime: z.optional(z.string()),
    labels: z.optional(z.record(z.string(), z.string())),
    artifactUri: z.optional(z.string()),
    deployedModels: z.optional(z.array(z.object({ endpoint: z.optional(z.string()), deployedModelId: z.optional(z.string()) }))),
  }),
);

/** A model version in Vertex's JSON. */
export type VertexModel = z.output<ReturnType<typeof vertexModelSchema>>;

/** `models.list` and `models.listVersions`. */
export const listModelsResponse = lazySchema(() => z.object({ models: z.optional(z.array(vertexModelSchema())), nextPageToken: z.optional(z.string()) }));

/** A long-running operation. */
export const operationSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    done: z.optional(z.boolean()),
    metadata: z.optional(z.record(z.string(), z.unknown())),
    error: z.optional(z.object({ code: z.optional(z.number()), message: z.optional(z.string()) })),
    response: z.optional(z.record(z.string(), z.unknown())),
  }),
);

/** A long-running operation in Vertex's JSON. */
export type VertexOperation = z.output<ReturnType<typeof operationSchema>>;

/** A deployed model. */
export const deployedModelSchema = lazySchema(() =>
  z.object({
    id: z.string(),
    model: z.string(),
    modelVersionId: z.optional(z.string()),
    dedicatedResources: z.optional(
      z.object({
        machineSpec: z.optional(z.object({ machineType: z.optional(z.string()) })),
        minReplicaCount: z.optional(z.number()),
        maxReplicaCount: z.optional(z.number()),
      }),
    ),
  }),
);

/** An endpoint. */
export const endpointSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    displayName: z.optional(z.string()),
    deployedModels: z.optional(z.array(deployedModelSchema())),
    trafficSplit: z.optional(z.record(z.string(), z.number())),
    labels: z.optional(z.record(z.string(), z.string())),
  }),
);

/** An endpoint in Vertex's JSON. */
export type VertexEndpoint = z.output<ReturnType<typeof endpointSchema>>;

/** `endpoints.list`. */
export const listEndpointsResponse = lazySchema(() => z.object({ endpoints: z.optional(z.array(endpointSchema())), nextPageToken: z.optional(z.string()) }));
