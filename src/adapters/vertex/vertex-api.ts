/**
 * Vertex AI's wire shapes: only the fields this adapter reads. Built on first use.
 *
 * @module
 */

import * as z from "zod";
import { lazySchema } from "../../http/schema.js";

/** A model version as Vertex returns it. */
export const vertexModelSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    displayName: z.string().optional(),
    description: z.string().optional(),
    versionId: z.string().optional(),
    versionAliases: z.array(z.string()).optional(),
    versionDescription: z.string().optional(),
    versionCreateTime: z.string().optional(),
    versionUpdateTime: z.string().optional(),
    createTime: z.string().optional(),
    updateTime: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    artifactUri: z.string().optional(),
    deployedModels: z.array(z.object({ endpoint: z.string().optional(), deployedModelId: z.string().optional() })).optional(),
  }),
);

/** A model version in Vertex's JSON. */
export type VertexModel = z.output<ReturnType<typeof vertexModelSchema>>;

/** `models.list` and `models.listVersions`. */
export const listModelsResponse = lazySchema(() => z.object({ models: z.array(vertexModelSchema()).optional(), nextPageToken: z.string().optional() }));

/** A long-running operation. */
export const operationSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    done: z.boolean().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    error: z.object({ code: z.number().optional(), message: z.string().optional() }).optional(),
    response: z.record(z.string(), z.unknown()).optional(),
  }),
);

/** A long-running operation in Vertex's JSON. */
export type VertexOperation = z.output<ReturnType<typeof operationSchema>>;

/** A deployed model. */
export const deployedModelSchema = lazySchema(() =>
  z.object({
    id: z.string(),
    model: z.string(),
    modelVersionId: z.string().optional(),
    dedicatedResources: z
      .object({
        machineSpec: z.object({ machineType: z.string().optional() }).optional(),
        minReplicaCount: z.number().optional(),
        maxReplicaCount: z.number().optional(),
      })
      .optional(),
  }),
);

/** An endpoint. */
export const endpointSchema = lazySchema(() =>
  z.object({
    name: z.string(),
    displayName: z.string().optional(),
    deployedModels: z.array(deployedModelSchema()).optional(),
    trafficSplit: z.record(z.string(), z.number()).optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
);

/** An endpoint in Vertex's JSON. */
export type VertexEndpoint = z.output<ReturnType<typeof endpointSchema>>;

/** `endpoints.list`. */
export const listEndpointsResponse = lazySchema(() => z.object({ endpoints: z.array(endpointSchema()).optional(), nextPageToken: z.string().optional() }));
