/**
 * Names and labels under Vertex's rules: model ids, version aliases, label keys and values; and `gs://` URIs.
 *
 * @module
 */

import { nodeCrypto } from "../../runtime/builtins.js";
import { invalidInput } from "../../core/errors.js";
import { VERTEX_MANAGED_ALIASES } from "./vertex-aliases.js";
import { PROVIDER } from "./vertex-transport.js";

/** Version aliases as Vertex accepts them (the discovery document's own regex is mangled; this is the proto's). */
export const VERTEX_ALIAS = /^[a-z][a-z0-9-]{0,126}[a-z0-9]$/;

/** Aliases this adapter manages (vertex-aliases.ts): `default` is Vertex's own, `staging` and `production` hold the stages. */
export const MANAGED_ALIASES: ReadonlySet<string> = new Set(VERTEX_MANAGED_ALIASES);

/**
 * The Vertex model id for a model name: the name itself when Vertex allows it (`[a-z_][a-z0-9_-]{0,62}`), otherwise
 * a lower-cased, cleaned form with a short hash of the real name, so two names never share an id.
 */
export function modelIdFor(name: string): string {
  if (/^[a-z_][a-z0-9_-]{0,62}$/.test(name)) return name;
  const clean = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "-")
    .replace(/^[^a-z_]/, "m");
  const hash = nodeCrypto().createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${clean.slice(0, 54)}-${hash}`;
}

/**
 * Throws `InvalidInputError` naming `field` unless Vertex accepts `alias` and this adapter does not manage it. The
 * facade has already applied the common alias rules; this adds Vertex's narrower ones.
 */
export function checkVertexAlias(alias: string, operation: string, field: string): void {
  if (!VERTEX_ALIAS.test(alias)) {
    throw invalidInput(
      operation,
      field,
      `Vertex aliases are 2-128 lowercase letters, digits or "-", starting with a letter: ${JSON.stringify(alias)}`,
      PROVIDER,
    );
  }
  if (MANAGED_ALIASES.has(alias))
    throw invalidInput(operation, field, `the alias ${alias} is managed (default by Vertex, staging and production by transitionStage)`, PROVIDER);
}

const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;

/**
 * True when a user tag can also be a label: a valid Google label outside the `modelreg` keys this adapter manages (a
 * tag `modelreg-stage` would otherwise set the stage, and `modelreg-token` would lose the version's metadata). Such
 * tags stay in the metadata file only.
 */
export function fitsLabel(key: string, value: string): boolean {
  return LABEL_KEY.test(key) && LABEL_VALUE.test(value) && !key.startsWith("aiplatform.googleapis.com/") && !key.startsWith("modelreg");
}

/** Labels this adapter sets on versions. */
export const LABEL = { stage: "modelreg-stage", token: "modelreg-token", managed: "modelreg" } as const;

/** A `gs://bucket/prefix` split in two. */
export function parseGsUri(uri: string): { bucket: string; prefix: string } {
  const m = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!m) throw new Error(`not a gs:// URI: ${uri}`);
  return { bucket: m[1] as string, prefix: (m[2] ?? "").replace(/\/+$/, "") };
}
