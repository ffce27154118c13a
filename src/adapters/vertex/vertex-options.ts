/**
 * `providerOptions.vertex` for `createVersion`: what only Vertex has, typed and checked in one place. Today that is
 * the serving container a version is uploaded with (Vertex's `ModelContainerSpec`, the fields most models need).
 *
 * @module
 */

import * as z from "zod";
import { lazySchema } from "../../http/schema.js";

/** Vertex's prebuilt scikit-learn CPU serving image, used when neither the version nor the settings name one. */
export const DEFAULT_CONTAINER_IMAGE = "us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest";

/**
 * The schema of `providerOptions.vertex` (built on first use, as every schema here, for cold starts). Unknown keys
 * are refused, so a misspelt option is an `InvalidInputError` naming it rather than a silently default container.
 *
 * @example
 * ```ts
 * await vertex.createVersion("fraud", {
 *   artifacts: { directory: "./out/model" },
 *   providerOptions: { vertex: { container: { imageUri: "us-docker.pkg.dev/my-project/serving/fraud:3", predictRoute: "/predict", healthRoute: "/health", ports: [8080] } } },
 * });
 * ```
 */
export const vertexCreateVersionOptionsSchema = lazySchema(() => {
  const route = z.string().regex(/^\/\S*$/, "a route is a path starting with /");
  return z.strictObject({
    /** The serving container; what is not given falls back to the settings (`containerImageUri`) and Vertex's defaults. */
    container: z
      .strictObject({
        /** The image, e.g. `us-docker.pkg.dev/project/repo/image:tag`. Default: the settings' `containerImageUri`. */
        imageUri: z.string().min(1).optional(),
        /** Overrides the image's entrypoint. */
        command: z.array(z.string()).optional(),
        /** Arguments to the entrypoint. */
        args: z.array(z.string()).optional(),
        /** Environment variables of the container. */
        env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name is letters, digits and _"), z.string()).optional(),
        /** The port the server listens on (Vertex takes the first). Default 8080. */
        ports: z.array(z.number().int().min(1).max(65535)).optional(),
        /** The HTTP path prediction requests go to. */
        predictRoute: route.optional(),
        /** The HTTP path Vertex checks the container's health on. */
        healthRoute: route.optional(),
      })
      .optional(),
  });
});

/** `providerOptions.vertex` for `createVersion`, parsed. */
export type VertexCreateVersionOptions = z.output<ReturnType<typeof vertexCreateVersionOptionsSchema>>;

/** The serving container options, parsed. */
export type VertexContainerOptions = NonNullable<VertexCreateVersionOptions["container"]>;

/** Vertex's `containerSpec` for a version: its own container options over the settings' image and the default. */
export function containerSpec(container: VertexContainerOptions | undefined, settingsImage: string | undefined): Record<string, unknown> {
  const c = container ?? {};
  return {
    imageUri: c.imageUri ?? settingsImage ?? DEFAULT_CONTAINER_IMAGE,
    ...(c.command && { command: c.command }),
    ...(c.args && { args: c.args }),
    ...(c.env && { env: Object.entries(c.env).map(([name, value]) => ({ name, value })) }),
    ...(c.ports && { ports: c.ports.map((containerPort) => ({ containerPort })) }),
    ...(c.predictRoute !== undefined && { predictRoute: c.predictRoute }),
    ...(c.healthRoute !== undefined && { healthRoute: c.healthRoute }),
  };
}
