/**
 * The Hub's wire shapes: only the fields this adapter reads, records kept whole (loose objects) so `raw` shows what
 * the Hub returned. Field names follow `@huggingface/hub`'s API types (`src/types/api/*`) and `huggingface_hub`'s
 * parsers (`hf_api.py`). Built on first use.
 *
 * @module
 */

import * as z from "zod/mini";
import { lazySchema } from "../../http/schema.js";

/** A git object id: 40 hex digits (SHA-1), as the Hub names commits and regular files. */
export const COMMIT_OID = /^[0-9a-f]{40}$/;

/** `GET /api/models/{repo}[/revision/{rev}]`. */
export const modelInfoSchema = lazySchema(() =>
  z.looseObject({
    id: z.string(),
    sha: z.optional(z.string()),
    private: z.optional(z.boolean()),
    lastModified: z.optional(z.string()),
    createdAt: z.optional(z.string()),
  }),
);

/** A model in `GET /api/models?author=`. */
export type HubModelInfo = z.output<ReturnType<typeof modelInfoSchema>>;

/** `GET /api/models?author=`: a page of models. */
export const modelListSchema = lazySchema(() => z.array(modelInfoSchema()));

const ref = () => z.looseObject({ name: z.string(), ref: z.optional(z.string()), targetCommit: z.string() });

/** `GET /api/models/{repo}/refs`. */
export const refsSchema = lazySchema(() => z.looseObject({ branches: z.array(ref()), tags: z.array(ref()) }));

/** `POST /api/repos/create`. */
export const createRepoSchema = lazySchema(() => z.looseObject({ url: z.string() }));

/** `POST /api/models/{repo}/preupload/{rev}`: how each file must be sent. */
export const preuploadSchema = lazySchema(() =>
  z.looseObject({
    files: z.array(
      z.looseObject({
        path: z.string(),
        uploadMode: z.enum(["lfs", "regular"]),
        shouldIgnore: z.optional(z.boolean()),
        oid: z.optional(z.nullable(z.string())),
      }),
    ),
  }),
);

const lfsAction = () => z.looseObject({ href: z.string(), header: z.optional(z.record(z.string(), z.string())) });

/** `POST /{repo}.git/info/lfs/objects/batch`, Git LFS's batch API as the Hub answers it. */
export const lfsBatchSchema = lazySchema(() =>
  z.looseObject({
    transfer: z.optional(z.string()),
    objects: z.array(
      z.looseObject({
        oid: z.string(),
        size: z.number(),
        actions: z.optional(z.looseObject({ upload: z.optional(lfsAction()), verify: z.optional(lfsAction()) })),
        error: z.optional(z.looseObject({ code: z.number(), message: z.string() })),
      }),
    ),
  }),
);

/** One object of an LFS batch answer. */
export type LfsBatchObject = z.output<ReturnType<typeof lfsBatchSchema>>["objects"][number];

/** `POST /api/models/{repo}/commit/{branch}`. */
export const commitSchema = lazySchema(() => z.looseObject({ commitOid: z.string(), commitUrl: z.optional(z.string()) }));

/** A tree entry (`GET .../tree/{rev}`); only LFS files carry a SHA-256 (`lfs.oid`), every file its git `oid`. */
export const treeEntrySchema = lazySchema(() =>
  z.looseObject({
    type: z.string(),
    path: z.string(),
    oid: z.optional(z.string()),
    size: z.optional(z.number()),
    lfs: z.optional(z.looseObject({ oid: z.string(), size: z.number() })),
  }),
);

/** A tree entry. */
export type HubTreeEntry = z.output<ReturnType<typeof treeEntrySchema>>;

/** A page of a tree listing. */
export const treeSchema = lazySchema(() => z.array(treeEntrySchema()));

/** `GET /api/models/{repo}/commits/{rev}`: newest first. */
export const commitsSchema = lazySchema(() =>
  z.array(z.looseObject({ id: z.string(), title: z.optional(z.string()), message: z.optional(z.string()), date: z.optional(z.string()) })),
);

/** A commit of a listing. */
export type HubCommit = z.output<ReturnType<typeof commitsSchema>>[number];
