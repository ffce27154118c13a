// What the two MLClient interop files share: sample files, the Python that reads a model the way a user of MLClient
// would (get, latest, lists, download), and digests to compare with.
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";

/** The SHA-256 of bytes, hex. */
export const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

/** Bytes with every value, NUL included, that no text codec would carry through unchanged. */
export function binary(seed: number, size = 200 * 1024): Buffer {
  return Buffer.from(Array.from({ length: size }, (_, i) => (i * (31 + seed) + (i >> 8) + seed) & 0xff));
}

/** Path to SHA-256 of a set of files. */
export const digests = (files: Record<string, Buffer>) => Object.fromEntries(Object.entries(files).map(([p, b]) => [p, sha256(b)]));

/** Writes files under a folder. */
export async function writeFolder(root: string, files: Record<string, Buffer>): Promise<void> {
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), bytes);
  }
}

/** Path (relative, `/`-separated) to SHA-256 of every file under a folder. */
export async function folderDigests(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[relative(root, path).split("\\").join("/")] = sha256(await readFile(path));
  }
  return out;
}

/** Each `[path, sha]` of `files` under a folder prefix, as a download lays them out. */
export const under = (prefix: string, files: Record<string, Buffer>) =>
  Object.fromEntries(Object.entries(digests(files)).map(([p, d]) => [`${prefix}${p}`, d]));

/**
 * A driver that reads a model as an MLClient user would, in a workspace (`sys.argv[1] == "workspace"`) or a registry:
 * each version of `sys.argv[3]` (JSON) by number, downloaded into `sys.argv[4]/{version}`, then latest, the versions
 * listed with their stages (and, in a workspace, by stage and archived), the models, and the container tags (MLClient's public API
 * does not show them: `ml.models._get(name)`, the container GET it makes itself for nextVersion).
 */
export const PY_READ_MODEL = `
import hashlib
from azure.ai.ml.constants import ListViewType
scope, name, versions, into = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
ml = workspace_client() if scope == "workspace" else registry_client()
def show(m):
    return {"version": m.version, "path": m.path, "tags": m.tags, "stage": m.stage, "description": m.description,
            "properties": m.properties, "type": m.type}
def tree(root):
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            out[os.path.relpath(p, root).replace(os.sep, "/")] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return out
out = {"get": {}, "files": {}}
for v in versions:
    out["get"][v] = show(ml.models.get(name, v))
    ml.models.download(name, v, download_path=os.path.join(into, v))
    out["files"][v] = tree(os.path.join(into, v))
out["latest"] = ml.models.get(name, label="latest").version
out["listed"] = {m.version: m.stage for m in ml.models.list(name)}
if scope == "workspace":
    # A registry's version list takes no stage or view (_model_operations.py list: list_registry_assets gets neither).
    out["production"] = sorted(m.version for m in ml.models.list(name, stage="Production"))
    out["staging"] = sorted(m.version for m in ml.models.list(name, stage="Staging"))
    out["archived"] = sorted(m.version for m in ml.models.list(name, list_view_type=ListViewType.ARCHIVED_ONLY))
out["models"] = sorted([m.name, m.latest_version] for m in ml.models.list())
container = ml.models._get(name)
out["containerTags"] = dict(container.properties.tags or {})
emit(out)
`;

/** What {@link PY_READ_MODEL} gives back. */
export interface PyModelRead {
  get: Record<
    string,
    {
      version: string;
      path: string;
      tags: Record<string, string>;
      stage: string | null;
      description: string | null;
      properties: Record<string, string>;
      type: string;
    }
  >;
  files: Record<string, Record<string, string>>;
  latest: string;
  /** Version to stage, as `ml.models.list(name)` gives them. */
  listed: Record<string, string | null>;
  production?: string[];
  staging?: string[];
  archived?: string[];
  models: Array<[string, string]>;
  containerTags: Record<string, string>;
}
