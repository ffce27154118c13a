/**
 * Names under the Hub's rules: repository names (`huggingface_hub`'s `validate_repo_id`), the refs modelreg keeps
 * (version tags `v<n>`, alias branches, the state branch) and which of them users may not take.
 *
 * @module
 */

import { invalidInput } from "../../core/errors.js";
import { HF_MANAGED_ALIASES, HF_RESERVED_BRANCHES } from "./hf-aliases.js";
import { PROVIDER } from "./hf-transport.js";

/** The branch versions are committed to: what `from_pretrained(repo)` loads. */
export const MAIN = "main";

/** The orphan branch that holds what changes after a version is made (descriptions, tags, stages): `state.json`. */
export const STATE_BRANCH = "modelreg";

/** The record of a version, at the root of its commit. */
export const RECORD_FILE = "modelreg.json";

/** The model card, which the Hub renders. */
export const CARD_FILE = "README.md";

/** The file the Hub itself edits to track LFS paths. */
export const GITATTRIBUTES = ".gitattributes";

/** Paths a version's files may not use: modelreg's record, and the file the Hub edits on every LFS commit. */
export const RESERVED_PATHS: ReadonlySet<string> = new Set([RECORD_FILE, GITATTRIBUTES]);

/** The tag of version `n`. */
export function versionTag(version: string | number): string {
  return `v${version}`;
}

/** The version a tag names (`v3` gives `"3"`), or `undefined` for any other tag. */
export function versionOfTag(tag: string): string | undefined {
  const m = /^v([1-9]\d{0,15})$/.exec(tag);
  return m?.[1];
}

/**
 * Throws `InvalidInputError` unless the Hub can hold a repository of this name. modelreg's rule allows 128
 * characters; the Hub takes 96, and refuses `--`, `..`, a trailing `.` or `-`, and `.git` at the end
 * (`huggingface_hub/utils/_validators.py`).
 */
export function checkRepoName(name: string, operation: string, field = "model"): void {
  const problem =
    name.length > 96
      ? "at most 96 characters"
      : /--|\.\./.test(name)
        ? 'no "--" or ".."'
        : /[.-]$/.test(name)
          ? 'no "." or "-" at the end'
          : /\.git$/i.test(name)
            ? 'no ".git" at the end'
            : undefined;
  if (problem) throw invalidInput(operation, field, `Hub repository names take ${problem}: ${JSON.stringify(name.slice(0, 100))}`, PROVIDER);
}

/**
 * An alias is a branch: it must not be a branch the Hub or modelreg uses (`main`, `modelreg`, `HEAD`), nor one of the
 * stage branches, which move only with `transitionStage`. (`v<n>` and `latest` are refused by the common rules.)
 */
export function checkHubAlias(alias: string, operation: string, field: string): void {
  if (HF_RESERVED_BRANCHES.includes(alias))
    throw invalidInput(operation, field, `alias ${JSON.stringify(alias)} is a branch the Hub or modelreg uses itself`, PROVIDER);
  if (HF_MANAGED_ALIASES.includes(alias))
    throw invalidInput(operation, field, `alias ${JSON.stringify(alias)} is the branch of that stage: use transitionStage`, PROVIDER);
}

/**
 * True for a Hub repository id as `huggingface_hub` accepts it (`validate_repo_id`): `name` or `namespace/name`, each
 * of ASCII letters, digits, `-`, `_` and `.`, starting and ending with a letter, digit or `_`, at most 96
 * characters, without `--` or `..`, not ending in `.git`.
 */
export function isHubRepoId(repoId: string): boolean {
  const part = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$/;
  const parts = typeof repoId === "string" ? repoId.split("/") : [];
  return (
    parts.length >= 1 && parts.length <= 2 && parts.every((p) => part.test(p)) && !repoId.includes("--") && !repoId.includes("..") && !repoId.endsWith(".git")
  );
}
