/**
 * What modelreg keeps on the Hub, and how it is read back:
 *
 * - `modelreg.json` at the root of a version's commit: everything the version was created with (params, metrics,
 *   lineage, signature, the card's fields, SHA-256 and size of every file, the idempotency key's digest). Immutable,
 *   like the commit.
 * - `state.json` on the orphan branch `modelreg`: what changes afterwards (the model's description and tags, each
 *   version's description, tags and stage, deleted versions), written with `parentCommit` so two writers never
 *   silently overwrite each other.
 *
 * @module
 */

import * as z from "zod/mini";
import { CorruptDataError, NotFoundError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import { STAGES, type Stage } from "../../core/types.js";
import { callOptions } from "../../http/call-options.js";
import { lazySchema } from "../../http/schema.js";
import { RECORD_FILE } from "./hf-names.js";
import type { HubTransport } from "./hf-transport.js";
import { PROVIDER } from "./hf-transport.js";

/** The format tag of `modelreg.json`. */
export const RECORD_FORMAT = "modelreg-huggingface/1";

/** The format tag of `state.json`. */
export const STATE_FORMAT = "modelreg-huggingface/state";

/** The file on the state branch. */
export const STATE_FILE = "state.json";

const recordSchema = lazySchema(() =>
  z.object({
    format: z.literal(RECORD_FORMAT),
    model: z.string(),
    version: z.string(),
    token: z.string(),
    description: z.optional(z.string()),
    params: z.record(z.string(), z.string()),
    metrics: z.record(z.string(), z.number()),
    tags: z.record(z.string(), z.string()),
    lineage: z.record(z.string(), z.unknown()),
    signature: z.optional(z.record(z.string(), z.unknown())),
    modelCard: z.optional(z.record(z.string(), z.unknown())),
    files: z.array(z.object({ path: z.string(), size: z.number(), sha256: z.string() })),
    createdBy: z.string(),
    createdAt: z.string(),
    idempotencyKey: z.optional(z.string()),
  }),
);

/** `modelreg.json`. */
export type VersionRecord = z.output<ReturnType<typeof recordSchema>>;

const versionStateSchema = lazySchema(() =>
  z.object({
    description: z.optional(z.string()),
    tags: z.optional(z.record(z.string(), z.string())),
    modelCard: z.optional(z.record(z.string(), z.unknown())),
    stage: z.optional(z.enum(STAGES as unknown as [Stage, ...Stage[]])),
    deleted: z.optional(z.boolean()),
    updatedAt: z.optional(z.string()),
  }),
);

const stateSchema = lazySchema(() =>
  z.object({
    format: z.literal(STATE_FORMAT),
    model: z.object({ description: z.optional(z.string()), tags: z.record(z.string(), z.string()), updatedAt: z.optional(z.string()) }),
    versions: z.record(z.string(), versionStateSchema()),
  }),
);

/** `state.json`. */
export type HubState = z.output<ReturnType<typeof stateSchema>>;

/** What the state says of one version. */
export type VersionState = HubState["versions"][string];

/** The state of a repository that has none yet. */
export function emptyState(): HubState {
  return { format: STATE_FORMAT, model: { tags: {} }, versions: {} };
}

/** A version's state entry (own keys only: a version number is never `__proto__`, but the file is anyone's to edit). */
export function versionState(state: HubState, version: string): VersionState | undefined {
  return Object.hasOwn(state.versions, version) ? state.versions[version] : undefined;
}

/** Reads a file at a revision as text; `undefined` when the revision has no such file (`EntryNotFound`). */
export async function readTextAt(
  t: HubTransport,
  model: string,
  revision: string,
  path: string,
  operation: string,
  options: CallOptions | undefined,
): Promise<string | undefined> {
  try {
    const res = await t.http.request({ operation, path: t.resolvePath(model, revision, path), responseType: "text", ...callOptions(options) });
    return res.data;
  } catch (error) {
    if (error instanceof NotFoundError && error.providerCode === "EntryNotFound") return undefined;
    throw error;
  }
}

/** Parses JSON against a schema, or throws `CorruptDataError` naming the file. */
function parseJson<S extends z.ZodMiniType>(schema: () => S, text: string, where: string, operation: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CorruptDataError(`${where} is not JSON`, { provider: PROVIDER, operation });
  }
  const parsed = schema().safeParse(json);
  if (!parsed.success)
    throw new CorruptDataError(`${where} is not a modelreg record: ${parsed.error.issues[0]?.message ?? "invalid"}`, { provider: PROVIDER, operation });
  return parsed.data;
}

/** The version record at a commit, or `undefined` when the commit has none of this model's (a version tagged by another tool). */
export async function readRecord(
  t: HubTransport,
  model: string,
  commit: string,
  operation: string,
  options: CallOptions | undefined,
): Promise<VersionRecord | undefined> {
  const text = await readTextAt(t, model, commit, RECORD_FILE, operation, options);
  if (text === undefined) return undefined;
  const record = parseJson(recordSchema, text, `${RECORD_FILE} of ${t.repoId(model)}@${commit.slice(0, 12)}`, operation);
  // A record of another model came with files copied from its repository (snapshot_download, then upload_folder):
  // it describes that model's version, not this commit.
  return record.model === model ? record : undefined;
}

/** The state at a commit of the state branch (`undefined` commit: the branch does not exist yet). */
export async function readState(
  t: HubTransport,
  model: string,
  commit: string | undefined,
  operation: string,
  options: CallOptions | undefined,
): Promise<HubState> {
  if (commit === undefined) return emptyState();
  const text = await readTextAt(t, model, commit, "state.json", operation, options);
  return text === undefined ? emptyState() : parseJson(stateSchema, text, `state.json of ${t.repoId(model)}`, operation);
}
