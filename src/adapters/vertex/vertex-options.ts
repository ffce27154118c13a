/**
 * `providerOptions.vertex` for `createVersion`: what only Vertex has, typed and checked in one place. That is the
 * serving container a version is uploaded with (Vertex's `ModelContainerSpec`, the fields most models need) and
 * whether the new version takes the `default` alias (python-aiplatform's `is_default_version`).
 *
 * @module
 */

import * as z from "zod/mini";
import { lazySchema } from "../../http/schema.js";

/**
 * Vertex's prebuilt scikit-learn CPU serving image.
 *
 * @deprecated No longer a default: a version without a container image is refused (Vertex requires one, and this
 * image serves only a folder holding `model.joblib` or `model.pkl`). Name the image you mean, this one included, in
 * `providerOptions.vertex.container.imageUri` or the `containerImageUri` setting.
 */
export const DEFAULT_CONTAINER_IMAGE = "us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest";

/**
 * The schema of `providerOptions.vertex` (built on first use, as every schema here, for cold starts). Unknown keys
 * are refused, so a misspelt option is an `InvalidInputError` naming it rather than silently ignored.
 *
 * @example
 * ```ts
 * await vertex.createVersion("fraud", {
 *   artifacts: { directory: "./out/model" },
 *   providerOptions: { vertex: { container: { imageUri: "us-docker.pkg.dev/my-project/serving/fraud:3", predictRoute: "/predict", healthRoute: "/health", ports: [8080] } } },
 * });
 * // A scikit-learn model (the folder holds model.joblib or model.pkl) on Vertex's prebuilt image, made the default:
 * await vertex.createVersion("churn", {
 *   artifacts: { directory: "./out/churn" },
 *   providerOptions: { vertex: { container: { imageUri: "us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest" }, isDefaultVersion: true } },
 * });
 * ```
 */
export const vertexCreateVersionOptionsSchema = lazySchema(() => {
  const route = z.string().check(z.regex(/^\/\S*$/, "a route is a path starting with /"));
  return z.strictObject({
    /** The serving container; an image not given here comes from the settings (`containerImageUri`), else none. */
    container: z.optional(
      z.strictObject({
        /**
         * The image, e.g. `us-docker.pkg.dev/project/repo/image:tag`, or a Vertex prebuilt one such as
         * `us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest` (then the files must hold that framework's
         * model file). Default: the settings' `containerImageUri`.
         */
        imageUri: z.optional(z.string().check(z.minLength(1))),
        /** Overrides the image's entrypoint. */
        command: z.optional(z.array(z.string())),
        /** Arguments to the entrypoint. */
        args: z.optional(z.array(z.string())),
        /** Environment variables of the container. */
        env: z.optional(z.record(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name is letters, digits and _")), z.string())),
        /** The port the server listens on (Vertex takes the first). Default 8080. */
        ports: z.optional(z.array(z.number().check(z.int(), z.gte(1), z.lte(65535)))),
        /** The HTTP path prediction requests go to. */
        predictRoute: z.optional(route),
        /** The HTTP path Vertex checks the container's health on. */
        healthRoute: z.optional(route),
      }),
    ),
    /**
     * `true` moves Vertex's `default` alias to the new version, as python-aiplatform's `is_default_version=True`
     * does, so reads and deploys of the bare model name get it. Default: the settings' `isDefaultVersion`, else
     * `false` (`default` stays where it is; a model's first version always gets it).
     */
    isDefaultVersion: z.optional(z.boolean()),
  });
});

/** `providerOptions.vertex` for `createVersion`, parsed. */
export type VertexCreateVersionOptions = z.output<ReturnType<typeof vertexCreateVersionOptionsSchema>>;

/** The serving container options, parsed. */
export type VertexContainerOptions = NonNullable<VertexCreateVersionOptions["container"]>;
