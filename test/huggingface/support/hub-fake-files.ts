// Reading files from the Hub fake: the tree listing, paths-info and resolve (reference §3.2). Tree entries are
// {type, oid, size, path, lfs?: {oid, size, pointerSize}, lastCommit? with expand} (api-index-tree.ts); for an LFS
// file `oid` is its pointer's git sha1 and `lfs.oid` the content's sha256. Resolve answers a regular file with a 307
// to /api/resolve-cache/models/{repo}/{commit}/{path} on the Hub itself, and an LFS file with a 302 to a signed
// storage URL; both carry X-Repo-Commit and an ETag (Python's hf_hub_download needs both: file_download.py
// _get_metadata_or_catch_error), LFS ones also X-Linked-Etag (sha256) and X-Linked-Size. No Xet headers. Raw serves the
// git blob itself (an LFS file's pointer): the JS client's fileExists sends its HEAD there.
import { HttpResponse } from "msw";
import { type Commit, directories, type Entry, lfsPointer } from "./hub-fake-git.js";
import { type Ctx, decode, hubError, paged, type Route, ranged, signature, truthy } from "./hub-fake-http.js";
import type { HubFake, RepoState } from "./hub-fake.js";

export function fileRoutes(fake: HubFake): Route[] {
  const route = (id: string, method: string, pattern: RegExp, run: Route["run"]): Route => ({ id, origin: "hub", method, pattern, run });
  return [
    route("tree", "GET", /^\/api\/models\/([^/]+)\/([^/]+)\/tree\/(.+)$/, (ctx) => tree(fake, ctx)),
    route("pathsInfo", "POST", /^\/api\/models\/([^/]+)\/([^/]+)\/paths-info\/(.+)$/, (ctx) => pathsInfo(fake, ctx)),
    ...(["HEAD", "GET"] as const).flatMap((method) => [
      route(method === "HEAD" ? "resolveHead" : "resolve", method, /^\/([^/]+)\/([^/]+)\/resolve\/(.+)$/, (ctx) => resolve(fake, ctx)),
      route(method === "HEAD" ? "rawHead" : "raw", method, /^\/([^/]+)\/([^/]+)\/raw\/(.+)$/, (ctx) => raw(fake, ctx)),
      route(method === "HEAD" ? "resolveCacheHead" : "resolveCache", method, /^\/api\/resolve-cache\/models\/([^/]+)\/([^/]+)\/([0-9a-f]{40})\/(.+)$/, (ctx) =>
        resolveCache(fake, ctx),
      ),
    ]),
  ];
}

/** The last commit on the first-parent history of `from` that changed `path` (a file's blob or a folder's tree). */
function lastCommit(repo: RepoState, from: Commit, path: string): { id: string; title: string; date: string } {
  const value = (c: Commit | undefined) => c && (c.tree.get(path)?.oid ?? c.dirs.get(path));
  let c = from;
  for (;;) {
    const parent = c.parents[0] ? repo.commits.get(c.parents[0]) : undefined;
    if (!parent || value(parent) !== value(c)) return { id: c.oid, title: c.summary, date: c.date };
    c = parent;
  }
}

/** A tree entry as the Hub lists one. */
function treeEntry(repo: RepoState, commit: Commit, path: string, expand: boolean): Record<string, unknown> {
  const entry: Entry | undefined = commit.tree.get(path);
  const base = entry
    ? {
        type: "file",
        oid: entry.oid,
        size: entry.size,
        path,
        ...(entry.lfs && { lfs: { oid: entry.lfs.sha256, size: entry.lfs.size, pointerSize: entry.lfs.pointerSize } }),
      }
    : { type: "directory", oid: commit.dirs.get(path), size: 0, path };
  return expand ? { ...base, lastCommit: lastCommit(repo, commit, path) } : base;
}

/** GET …/tree/{revision}[/{path}]?recursive=&expand=: a folder's entries in git's order, paged by Link. */
function tree(fake: HubFake, ctx: Ctx): Response {
  const repo = fake.readable(ctx, ctx.match[1] as string, ctx.match[2] as string);
  if (repo instanceof Response) return repo;
  const { revision, rest } = fake.splitRevision(repo, (ctx.match[3] as string).split("/"), 0);
  const resolved = fake.resolve(repo, revision);
  if (!resolved) return fake.unknownRevision(revision);
  // Python quotes the folder with no safe characters (hf_api.py _iter_repo_tree_pages), JS sends it raw.
  const folder = decode(rest.join("/")).replace(/^\/+|\/+$/g, "");
  const dirs = directories(resolved.commit.tree);
  if (!dirs.has(folder)) return hubError(404, `${folder} does not exist on "${revision}"`, "EntryNotFound", { "X-Repo-Commit": resolved.commit.oid });
  const recursive = truthy(ctx.url.searchParams.get("recursive"));
  const expand = truthy(ctx.url.searchParams.get("expand"));
  const paths: string[] = [];
  const walk = (dir: string) => {
    for (const child of dirs.get(dir) ?? []) {
      paths.push(child.path);
      if (child.dir && recursive) walk(child.path);
    }
  };
  walk(folder);
  const entries = paths.map((p) => treeEntry(repo, resolved.commit, p, expand));
  return paged(ctx, fake.hubOrigin, entries, expand ? Math.min(50, fake.treePageSize) : fake.treePageSize);
}

/** POST …/paths-info/{revision} {paths, expand} (JSON from JS, a form from Python): the entries that exist, in order. */
function pathsInfo(fake: HubFake, ctx: Ctx): Response {
  const repo = fake.readable(ctx, ctx.match[1] as string, ctx.match[2] as string);
  if (repo instanceof Response) return repo;
  const revision = decode(ctx.match[3] as string);
  const resolved = fake.resolve(repo, revision);
  if (!resolved) return fake.unknownRevision(revision);
  const { paths, expand } = ctx.body as { paths: string[]; expand?: boolean };
  const commit = resolved.commit;
  const found = paths.map((p) => p.replace(/^\/+|\/+$/g, "")).filter((p) => commit.tree.has(p) || (p !== "" && commit.dirs.has(p)));
  return HttpResponse.json(found.map((p) => treeEntry(repo, commit, p, expand === true)));
}

/** The repository, commit and entry a resolve or raw URL names, or the Hub's 401/404 answer. */
function located(fake: HubFake, ctx: Ctx): { repo: RepoState; commit: Commit; path: string; entry: Entry } | Response {
  const repo = fake.readable(ctx, ctx.match[1] as string, ctx.match[2] as string);
  if (repo instanceof Response) return repo;
  const { revision, rest } = fake.splitRevision(repo, (ctx.match[3] as string).split("/"), 1);
  const resolved = fake.resolve(repo, revision);
  if (!resolved) return fake.unknownRevision(revision);
  const commit = resolved.commit;
  const path = rest.map(decode).join("/");
  const entry = commit.tree.get(path);
  // Python caches the absence under .no_exist/{commit} from this X-Repo-Commit (file_download.py).
  if (!entry) return hubError(404, "Entry not found", "EntryNotFound", { "X-Repo-Commit": commit.oid });
  return { repo, commit, path, entry };
}

/** HEAD/GET /{repo}/raw/{revision}/{path}: the git blob as stored, so an LFS file's pointer (file-download-info.ts `raw`). */
function raw(fake: HubFake, ctx: Ctx): Response {
  const found = located(fake, ctx);
  if (found instanceof Response) return found;
  const { commit, entry } = found;
  const bytes = entry.lfs ? lfsPointer(entry.lfs.sha256, entry.lfs.size) : (entry.content as Uint8Array);
  return ranged(ctx.request, bytes, { "X-Repo-Commit": commit.oid, ETag: `"${entry.oid}"`, "Content-Type": "text/plain; charset=utf-8" });
}

/** HEAD/GET /{repo}/resolve/{revision}/{path}. */
function resolve(fake: HubFake, ctx: Ctx): Response {
  const found = located(fake, ctx);
  if (found instanceof Response) return found;
  const { repo, commit, path, entry } = found;
  const headers: Record<string, string> = { "X-Repo-Commit": commit.oid, ETag: `"${entry.oid}"` };
  if (entry.lfs) {
    const location = `${fake.signedOrigin}/lfs/${repo.id}/${entry.lfs.sha256}?${signature()}`;
    return new HttpResponse(null, {
      status: 302,
      headers: { ...headers, Location: location, "X-Linked-Etag": `"${entry.lfs.sha256}"`, "X-Linked-Size": String(entry.lfs.size) },
    });
  }
  const target = `/api/resolve-cache/models/${repo.id}/${commit.oid}/${path.split("/").map(encodeURIComponent).join("/")}${ctx.url.search}`;
  return new HttpResponse(null, { status: 307, headers: { ...headers, Location: target, "X-Linked-Etag": `"${entry.oid}"` } });
}

/** HEAD/GET /api/resolve-cache/models/{repo}/{commit}/{path}: a regular file's bytes, with Range. */
function resolveCache(fake: HubFake, ctx: Ctx): Response {
  const repo = fake.readable(ctx, ctx.match[1] as string, ctx.match[2] as string);
  if (repo instanceof Response) return repo;
  const commit = repo.commits.get(ctx.match[3] as string);
  if (!commit) return fake.unknownRevision(ctx.match[3] as string);
  const path = (ctx.match[4] as string).split("/").map(decode).join("/");
  const entry = commit.tree.get(path);
  if (!entry?.content) return hubError(404, "Entry not found", "EntryNotFound", { "X-Repo-Commit": commit.oid });
  const name = path.slice(path.lastIndexOf("/") + 1);
  return ranged(ctx.request, entry.content, {
    "X-Repo-Commit": commit.oid,
    ETag: `"${entry.oid}"`,
    "Content-Type": "application/octet-stream",
    "Content-Disposition": `inline; filename*=UTF-8''${encodeURIComponent(name)}; filename="${name.replace(/[^\x20-\x7e]|"/g, "_")}";`,
  });
}
