/**
 * zod/mini schemas of the Azure ML resources modelreg reads (api-version 2025-12-01): model containers and versions,
 * datastores and their secrets, pending uploads, blob references, and long-running operation status. Unknown fields
 * are kept (`raw`), missing optional ones tolerated: versions made by other tools carry less.
 *
 * @module
 */

import * as z from "zod/mini";
import { lazySchema } from "../../http/schema.js";

const stringMap = () => z.optional(z.nullable(z.record(z.string(), z.nullable(z.string()))));

const systemData = () =>
  z.optional(
    z.nullable(
      z.object({
        createdAt: z.optional(z.nullable(z.string())),
        createdBy: z.optional(z.nullable(z.string())),
        lastModifiedAt: z.optional(z.nullable(z.string())),
      }),
    ),
  );

/** A model version resource. */
export const modelVersionSchema = lazySchema(() =>
  z.object({
    id: z.optional(z.string()),
    name: z.string(),
    systemData: systemData(),
    properties: z.object({
      description: z.optional(z.nullable(z.string())),
      tags: stringMap(),
      properties: stringMap(),
      modelUri: z.optional(z.nullable(z.string())),
      modelType: z.optional(z.nullable(z.string())),
      flavors: z.optional(z.nullable(z.record(z.string(), z.unknown()))),
      jobName: z.optional(z.nullable(z.string())),
      stage: z.optional(z.nullable(z.string())),
      isAnonymous: z.optional(z.nullable(z.boolean())),
      isArchived: z.optional(z.nullable(z.boolean())),
      provisioningState: z.optional(z.nullable(z.string())),
    }),
  }),
);

/** A model version as read. */
export type ArmModelVersion = z.output<ReturnType<typeof modelVersionSchema>>;

/** A model container resource. */
export const modelContainerSchema = lazySchema(() =>
  z.object({
    id: z.optional(z.string()),
    name: z.string(),
    systemData: systemData(),
    properties: z.object({
      description: z.optional(z.nullable(z.string())),
      tags: stringMap(),
      properties: stringMap(),
      isArchived: z.optional(z.nullable(z.boolean())),
      latestVersion: z.optional(z.nullable(z.string())),
      nextVersion: z.optional(z.nullable(z.string())),
      provisioningState: z.optional(z.nullable(z.string())),
    }),
  }),
);

/** A model container as read. */
export type ArmModelContainer = z.output<ReturnType<typeof modelContainerSchema>>;

/** A page of versions. */
export const versionPageSchema = lazySchema(() => z.object({ value: z.array(modelVersionSchema()), nextLink: z.optional(z.nullable(z.string())) }));

/** A page of containers. */
export const containerPageSchema = lazySchema(() => z.object({ value: z.array(modelContainerSchema()), nextLink: z.optional(z.nullable(z.string())) }));

/** An Azure Blob datastore (the fields modelreg uses to reach its container). */
export const datastoreSchema = lazySchema(() =>
  z.object({
    name: z.optional(z.string()),
    properties: z.object({
      datastoreType: z.string(),
      accountName: z.optional(z.nullable(z.string())),
      containerName: z.optional(z.nullable(z.string())),
      endpoint: z.optional(z.nullable(z.string())),
      protocol: z.optional(z.nullable(z.string())),
      credentials: z.optional(z.nullable(z.object({ credentialsType: z.string() }))),
    }),
  }),
);

/** A datastore as read. */
export type ArmDatastore = z.output<ReturnType<typeof datastoreSchema>>;

/** `listSecrets`' answer: an account key or a SAS token. */
export const datastoreSecretsSchema = lazySchema(() =>
  z.object({ secretsType: z.string(), key: z.optional(z.nullable(z.string())), sasToken: z.optional(z.nullable(z.string())) }),
);

/** A blob reference with its SAS (`startPendingUpload`, `datareferences`). */
export const blobReferenceSchema = lazySchema(() =>
  z.object({
    blobReferenceForConsumption: z.object({
      blobUri: z.optional(z.nullable(z.string())),
      storageAccountArmId: z.optional(z.nullable(z.string())),
      credential: z.object({ credentialType: z.optional(z.string()), sasUri: z.optional(z.nullable(z.string())) }),
    }),
  }),
);

/** A long-running operation's status (`Azure-AsyncOperation`). */
export const operationStatusSchema = lazySchema(() =>
  z.object({
    status: z.string(),
    error: z.optional(z.nullable(z.object({ code: z.optional(z.string()), message: z.optional(z.string()) }))),
  }),
);
