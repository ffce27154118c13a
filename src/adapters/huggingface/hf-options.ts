/**
 * `providerOptions.huggingface` for `createVersion`: the model card metadata the Hub reads from README.md's front
 * matter (reference §4), which a version's own fields cannot say: license, library, task, base model, datasets.
 *
 * @module
 */

import * as z from "zod/mini";
import { lazySchema } from "../../http/schema.js";

/** A Hub repository id, `namespace/name` (`huggingface_hub`'s `REPO_ID_REGEX`, with a namespace). */
const REPO_ID = /^[\w.-]{1,96}\/[\w.-]{1,96}$/;

/**
 * The schema of `providerOptions.huggingface` (built on first use). Unknown keys are refused, so a misspelt option is
 * an `InvalidInputError` naming it.
 *
 * @example
 * ```ts
 * await hub.createVersion("fraud", {
 *   artifacts: { directory: "./out/model" },
 *   metrics: { auc: 0.91 },
 *   providerOptions: { huggingface: { license: "apache-2.0", libraryName: "sklearn", pipelineTag: "tabular-classification" } },
 * });
 * ```
 */
export const huggingFaceCreateVersionOptionsSchema = lazySchema(() => {
  const word = (what: string) => z.string().check(z.regex(/^[\w.+-]{1,100}$/, `a ${what} such as the Hub lists`));
  return z.strictObject({
    /** The card's `license` (`apache-2.0`, `mit`, `other`). */
    license: z.optional(word("license id")),
    /** The card's `library_name` (`transformers`, `sklearn`, `pytorch`), which sets the Hub's "Use this model" snippet. */
    libraryName: z.optional(word("library name")),
    /** The card's `pipeline_tag` (`text-classification`), also the task of its `model-index` results. */
    pipelineTag: z.optional(word("pipeline tag")),
    /** The card's `base_model`: the Hub repository this one was fine-tuned from. */
    baseModel: z.optional(z.string().check(z.regex(REPO_ID, "a Hub repository id such as org/name"))),
    /** The card's `datasets`: Hub dataset ids it was trained on. */
    datasets: z.optional(z.array(z.string().check(z.regex(REPO_ID, "a Hub dataset id such as org/name")))),
  });
});

/** `providerOptions.huggingface` for `createVersion`, parsed. */
export type HuggingFaceCreateVersionOptions = z.output<ReturnType<typeof huggingFaceCreateVersionOptionsSchema>>;
