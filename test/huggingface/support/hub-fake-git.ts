// The Hub fake's object store: each repository is a small git. Blobs, trees and commits are hashed as git hashes them
// (`sha1("<kind> <length>\0" + body)`), so tree entries, ETags and commit ids look like the Hub's. LFS files are
// stored in the tree as their pointer blob, as on the Hub: a tree entry's `oid` is the pointer's git sha1 and only
// its `lfs.oid` is the content's sha256 (reference §3.2 "Tree entries").
import { createHash } from "node:crypto";

export const sha1 = (data: Uint8Array | string) => createHash("sha1").update(data).digest("hex");
export const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

/** The git object id of `body` stored as an object of `kind`. */
function gitOid(kind: "blob" | "tree" | "commit", body: Uint8Array): string {
  return sha1(Buffer.concat([Buffer.from(`${kind} ${body.length}\0`), body]));
}

/** A file in a tree: a regular blob (with its bytes) or an LFS pointer (with the content's sha256 and size). */
export interface Entry {
  /** The git blob id: of the content for a regular file, of the pointer for an LFS file. */
  readonly oid: string;
  /** The content's size (an LFS file's real size, not its pointer's). */
  readonly size: number;
  readonly content?: Uint8Array;
  readonly lfs?: { readonly sha256: string; readonly size: number; readonly pointerSize: number };
}

export type Tree = ReadonlyMap<string, Entry>;

export function regularEntry(content: Uint8Array): Entry {
  return { oid: gitOid("blob", content), size: content.length, content };
}

/** The pointer git-lfs writes (and the Hub stores) for an LFS object. */
export function lfsPointer(oid: string, size: number): Buffer {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`);
}

export function lfsEntry(oid: string, size: number): Entry {
  const pointer = lfsPointer(oid, size);
  return { oid: gitOid("blob", pointer), size, lfs: { sha256: oid, size, pointerSize: pointer.length } };
}

/** An immutable commit. `dirs` holds the git tree id of every directory of its tree ("" is the root). */
export interface Commit {
  readonly oid: string;
  readonly parents: readonly string[];
  readonly tree: Tree;
  readonly dirs: ReadonlyMap<string, string>;
  readonly summary: string;
  readonly description: string;
  readonly author: string;
  /** ISO 8601, as the Hub's commit listing writes dates. */
  readonly date: string;
}

/** A child of a directory, in git's tree order (a directory sorts as its name followed by "/"). */
export interface Child {
  readonly name: string;
  readonly path: string;
  readonly dir: boolean;
}

/** Each directory of `tree` ("" is the root) with its children in git's tree order. */
export function directories(tree: Tree): Map<string, Child[]> {
  const dirs = new Map<string, Map<string, Child>>([["", new Map()]]);
  for (const path of tree.keys()) {
    const parts = path.split("/");
    for (let i = 0; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      const childPath = parts.slice(0, i + 1).join("/");
      const dir = i < parts.length - 1;
      if (!dirs.has(parent)) dirs.set(parent, new Map());
      dirs.get(parent)?.set(parts[i] as string, { name: parts[i] as string, path: childPath, dir });
      if (dir && !dirs.has(childPath)) dirs.set(childPath, new Map());
    }
  }
  const key = (c: Child) => (c.dir ? `${c.name}/` : c.name);
  return new Map([...dirs].map(([dir, children]) => [dir, [...children.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))]));
}

/** The git tree id of every directory of `tree`. An empty tree is git's empty tree, 4b825dc6... */
export function treeOids(tree: Tree): Map<string, string> {
  const dirs = directories(tree);
  const oids = new Map<string, string>();
  const hash = (dir: string): string => {
    const parts = (dirs.get(dir) ?? []).map((child) => {
      const oid = child.dir ? hash(child.path) : (tree.get(child.path) as Entry).oid;
      return Buffer.concat([Buffer.from(`${child.dir ? "40000" : "100644"} ${child.name}\0`), Buffer.from(oid, "hex")]);
    });
    const oid = gitOid("tree", Buffer.concat(parts));
    oids.set(dir, oid);
    return oid;
  };
  hash("");
  return oids;
}

/** A commit object over `tree`, hashed as git would hash it (author and committer the same, UTC). */
export function createCommit(input: { tree: Tree; parents: string[]; summary: string; description: string; author: string; time: number }): Commit {
  const dirs = treeOids(input.tree);
  const message = input.description ? `${input.summary}\n\n${input.description}` : input.summary;
  const who = `${input.author} <${input.author}@users.noreply.huggingface.co> ${input.time} +0000`;
  const body = [`tree ${dirs.get("")}`, ...input.parents.map((p) => `parent ${p}`), `author ${who}`, `committer ${who}`, "", `${message}\n`].join("\n");
  return {
    oid: gitOid("commit", Buffer.from(body)),
    parents: input.parents,
    tree: input.tree,
    dirs,
    summary: input.summary,
    description: input.description,
    author: input.author,
    date: new Date(input.time * 1000).toISOString(),
  };
}

/**
 * The `.gitattributes` the Hub writes into a new model repository's first commit. Neither official client holds it;
 * this is the Hub's model default as reproduced by OpenCSG's starhub-server (component/dataset.go keeps the same
 * list and adds audio and image types for datasets).
 */
export const DEFAULT_GITATTRIBUTES = `${[
  "*.7z",
  "*.arrow",
  "*.bin",
  "*.bz2",
  "*.ckpt",
  "*.ftz",
  "*.gz",
  "*.h5",
  "*.joblib",
  "*.lfs.*",
  "*.mlmodel",
  "*.model",
  "*.msgpack",
  "*.npy",
  "*.npz",
  "*.onnx",
  "*.ot",
  "*.parquet",
  "*.pb",
  "*.pickle",
  "*.pkl",
  "*.pt",
  "*.pth",
  "*.rar",
  "*.safetensors",
  "saved_model/**/*",
  "*.tar.*",
  "*.tar",
  "*.tflite",
  "*.tgz",
  "*.wasm",
  "*.xz",
  "*.zip",
  "*.zst",
  "*tfevents*",
]
  .map((pattern) => `${pattern} filter=lfs diff=lfs merge=lfs -text`)
  .join("\n")}\n`;

/** A gitattributes/gitignore glob as a regular expression over a whole path (wildmatch: `*` stays in a segment). */
function globRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "\\" && i + 1 < glob.length) out += (glob[++i] as string).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    else if (glob.startsWith("**/", i)) {
      out += "(?:.*/)?";
      i += 2;
    } else if (glob.startsWith("/**", i) && i + 3 === glob.length) {
      out += "/.*";
      i += 2;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", glob.startsWith("[[:", i) ? glob.indexOf(":]", i) + 2 : i + 2);
      if (end < 0) out += "\\[";
      else {
        const body = glob
          .slice(i + 1, end)
          .replace(/\[:space:\]/g, "\\s")
          .replace(/^!/, "^");
        out += `[${body}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** Whether a gitattributes/gitignore pattern matches `path`: without a slash it matches the file name anywhere. */
function patternMatches(pattern: string, path: string): boolean {
  if (!pattern.includes("/")) return globRegExp(pattern).test(path.slice(path.lastIndexOf("/") + 1));
  return globRegExp(pattern.replace(/^\//, "")).test(path);
}

/** Whether `.gitattributes` text puts `path` under the LFS filter (the last matching line decides, as in git). */
export function lfsTracked(gitattributes: string | undefined, path: string): boolean {
  let tracked = false;
  for (const line of (gitattributes ?? "").split("\n")) {
    const [pattern, ...attributes] = line.trim().split(/\s+/);
    if (!pattern || pattern.startsWith("#") || !patternMatches(pattern, path)) continue;
    for (const attribute of attributes) {
      if (attribute === "filter=lfs") tracked = true;
      else if (attribute.startsWith("filter=") || attribute === "-filter" || attribute === "!filter") tracked = false;
    }
  }
  return tracked;
}

/** The line the Hub appends to `.gitattributes` for an LFS file no pattern covers (spaces as git-lfs writes them). */
export function lfsTrackLine(path: string): string {
  return `${path.replace(/[*?[\]\\]/g, "\\$&").replace(/ /g, "[[:space:]]")} filter=lfs diff=lfs merge=lfs -text`;
}

/** Whether `.gitignore` text ignores `path` (a pattern also matches any parent folder; `!` re-includes). */
export function gitIgnored(gitignore: string | undefined, path: string): boolean {
  const parts = path.split("/");
  const candidates = parts.map((_, i) => ({ path: parts.slice(0, i + 1).join("/"), dir: i < parts.length - 1 }));
  let ignored = false;
  for (const raw of (gitignore ?? "").split("\n")) {
    let line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const negate = line.startsWith("!");
    if (negate) line = line.slice(1);
    const dirOnly = line.endsWith("/");
    if (dirOnly) line = line.slice(0, -1);
    if (candidates.some((c) => (!dirOnly || c.dir) && patternMatches(line, c.path))) ignored = !negate;
  }
  return ignored;
}

/** Why git would refuse `name` as a branch or tag name (`git check-ref-format --branch`), or undefined. */
export function refNameProblem(name: string): string | undefined {
  if (!name) return "empty";
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return "contains a space, a control character or one of ~^:?*[\\";
  if (name.includes("..") || name.includes("@{") || name === "@") return 'contains "..", "@{" or is "@"';
  if (name.startsWith("-") || name.startsWith("/") || name.endsWith("/") || name.includes("//")) return "starts with - or has an empty / segment";
  if (name.endsWith(".") || name.split("/").some((part) => part.startsWith(".") || part.endsWith(".lock"))) return "a segment starts with . or ends with .lock";
  return undefined;
}

/** Why the Hub would refuse `path` as a path in a repository (its check is unpublished: relative segments, absolute paths). */
export function repoPathProblem(path: string): string | undefined {
  if (!path || path.startsWith("/") || path.endsWith("/")) return "empty, absolute or a folder";
  // "..\\ddd" is refused with 422 (huggingface_hub tests/test_hf_api.py::test_create_file_with_relative_path).
  if (path.split(/[\\/]/).some((part) => part === "" || part === "." || part === "..")) return "has an empty, . or .. segment";
  return undefined;
}
