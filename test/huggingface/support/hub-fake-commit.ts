// Preupload and commit for the Hub fake (reference §3.1 steps 1 and 4). Preupload tells a client, per file, whether
// to send it inline ("regular") or through LFS, and the oid the file already has at that path so it can skip
// unchanged files (huggingface_hub create_commit compares it with its own sha256 or git sha1). The commit is NDJSON:
// a header line, then file, lfsFile, deletedFile and (Python only) deletedFolder lines.
import { HttpResponse } from "msw";
import { type Entry, gitIgnored, lfsEntry, lfsTrackLine, lfsTracked, regularEntry, repoPathProblem } from "./hub-fake-git.js";
import { type Ctx, decode, hubError, type Route } from "./hub-fake-http.js";
import type { HubFake, RepoState } from "./hub-fake.js";

/** At or above this size a file must go through LFS. The Hub refuses regular files over 10 MB (hf_api.py docs; the exact threshold is unpublished). */
export const REGULAR_MAX_BYTES = 10 * 1024 * 1024;

type CommitLine =
  | { key: "header"; value: { summary: string; description?: string; parentCommit?: string } }
  | { key: "file"; value: { path: string; content?: string; encoding?: "utf-8" | "base64"; oldPath?: string } }
  | { key: "lfsFile"; value: { path: string; algo?: "sha256"; oid?: string; size?: number; oldPath?: string } }
  | { key: "deletedFile" | "deletedFolder"; value: { path: string } };

export function commitRoutes(fake: HubFake): Route[] {
  return [
    { id: "preupload", origin: "hub", method: "POST", pattern: /^\/api\/models\/([^/]+)\/([^/]+)\/preupload\/(.+)$/, run: (ctx) => preupload(fake, ctx) },
    { id: "commit", origin: "hub", method: "POST", pattern: /^\/api\/models\/([^/]+)\/([^/]+)\/commit\/(.+)$/, run: (ctx) => commit(fake, ctx) },
  ];
}

/** The branch a preupload or commit names; the Hub commits to branches only (create one first: create_branch). */
function branchOf(fake: HubFake, repo: RepoState, ctx: Ctx): string | Response {
  const revision = decode(ctx.match[3] as string);
  if (ctx.url.searchParams.has("create_pr")) return hubError(400, "The fake does not open pull requests (create_pr)");
  const resolved = fake.resolve(repo, revision);
  if (!resolved) return fake.unknownRevision(revision);
  if (resolved.kind !== "branch") return hubError(400, `Invalid rev id: ${revision} is not a branch`);
  return resolved.name;
}

const text = (repo: RepoState, fake: HubFake, entry: Entry | undefined) => {
  const bytes = entry && fake.bytes(repo, entry);
  return bytes && Buffer.from(bytes).toString("utf8");
};

/** POST …/preupload/{revision} {files: [{path, size, sample}], gitAttributes?, gitIgnore?}. */
function preupload(fake: HubFake, ctx: Ctx): Response {
  const repo = fake.writable(ctx, ctx.match[1] as string, ctx.match[2] as string);
  if (repo instanceof Response) return repo;
  const revision = decode(ctx.match[3] as string);
  const resolved = fake.resolve(repo, revision);
  if (!resolved) return fake.unknownRevision(revision);
  const body = ctx.body as { files: Array<{ path: string; size: number; sample: string }>; gitAttributes?: string; gitIgnore?: string };
  const tree = resolved.commit.tree;
  // The JS client sends the .gitattributes it is about to commit (api-commit.ts ApiPreuploadRequest.gitAttributes),
  // Python the .gitignore (gitIgnore); otherwise the revision's own files decide.
  const attributes = body.gitAttributes ?? text(repo, fake, tree.get(".gitattributes"));
  const ignore = body.gitIgnore ?? text(repo, fake, tree.get(".gitignore"));
  const files = [];
  for (const file of body.files) {
    const problem = repoPathProblem(file.path);
    if (problem) return hubError(422, `Invalid path ${file.path}: ${problem}`);
    const binary = Buffer.from(file.sample, "base64").includes(0);
    const lfs = file.size >= REGULAR_MAX_BYTES || binary || lfsTracked(attributes, file.path);
    const existing = tree.get(file.path);
    files.push({
      path: file.path,
      uploadMode: lfs ? "lfs" : "regular",
      shouldIgnore: gitIgnored(ignore, file.path),
      ...(existing && { oid: existing.lfs ? existing.lfs.sha256 : existing.oid }),
    });
  }
  return HttpResponse.json({ files });
}

/** POST …/commit/{branch}: applies the lines to the branch head's tree and moves the branch. */
function commit(fake: HubFake, ctx: Ctx): Response {
  const repo = fake.writable(ctx, ctx.match[1] as string, ctx.match[2] as string);
  if (repo instanceof Response) return repo;
  const branch = branchOf(fake, repo, ctx);
  if (branch instanceof Response) return branch;
  const [header, ...operations] = ctx.body as CommitLine[];
  if (header?.key !== "header") return hubError(400, "The first line must have the key `header`");
  // huggingface_hub's test_create_commit_repo_id_case_insensitive quotes the Hub's answer to a commit without operations.
  if (operations.length === 0) return hubError(400, "Add a line with the key `lfsFile`, `file` or `deletedFile`");
  const head = repo.branches.get(branch) as string;
  const parent = header.value.parentCommit;
  // A stale parentCommit: huggingface_hub's test_create_commit_conflict expects 412 and this message. Python accepts
  // 5 to 40 hex digits (constants.REGEX_COMMIT_OID), so a prefix of the head passes.
  if (parent !== undefined && (parent.length < 5 || !head.startsWith(parent.toLowerCase()))) {
    return hubError(412, "The branch was updated since you opened this page. Please refresh and try again.");
  }
  const tree = new Map(repo.commits.get(head)?.tree);
  const lfsPaths: string[] = [];
  for (const line of operations) {
    if (line.key === "header") return hubError(400, "Only the first line may have the key `header`");
    const path = line.key === "deletedFolder" ? line.value.path.replace(/\/+$/, "") : line.value.path;
    const problem = repoPathProblem(path);
    if (problem) return hubError(422, `Invalid path ${line.value.path}: ${problem}`);
    if ("oldPath" in line.value && line.value.oldPath !== undefined) return hubError(400, "The fake does not rename files (oldPath)");
    if (line.key === "file") {
      if (line.value.content === undefined) return hubError(400, `file ${path}: content is required`);
      tree.set(path, regularEntry(Buffer.from(line.value.content, line.value.encoding === "base64" ? "base64" : "utf8")));
    } else if (line.key === "lfsFile") {
      const oid = line.value.oid?.toLowerCase() ?? "";
      const stored = repo.lfs.get(oid);
      if (line.value.algo !== "sha256" || !/^[0-9a-f]{64}$/.test(oid)) return hubError(400, `lfsFile ${path}: algo must be sha256 and oid a sha256`);
      if (!stored) return hubError(422, `lfsFile ${path}: the LFS object ${oid} was not uploaded`);
      // Python's copy of an LFS file sends no size (_commit_api.py _prepare_commit_payload); the store knows it.
      if (line.value.size !== undefined && line.value.size !== stored.length)
        return hubError(422, `lfsFile ${path}: size ${line.value.size} is not the object's ${stored.length}`);
      tree.set(path, lfsEntry(oid, stored.length));
      lfsPaths.push(path);
    } else if (line.key === "deletedFile") {
      // The message huggingface_hub's create_commit looks for to explain files versus folders.
      if (!tree.delete(path)) return hubError(404, `A file with this name doesn't exist: ${path}`, "EntryNotFound");
    } else {
      const under = [...tree.keys()].filter((p) => p.startsWith(`${path}/`));
      if (under.length === 0) return hubError(404, `A folder with this name doesn't exist: ${path}`, "EntryNotFound");
      for (const p of under) tree.delete(p);
    }
  }
  // The commit endpoint tracks the LFS files it is given in .gitattributes when no pattern covers them
  // (api-commit.ts, the ApiPreuploadRequest.gitAttributes note).
  const attributes = text(repo, fake, tree.get(".gitattributes")) ?? "";
  const untracked = lfsPaths.filter((p) => !lfsTracked(attributes, p));
  if (untracked.length > 0) {
    const updated = `${attributes}${attributes && !attributes.endsWith("\n") ? "\n" : ""}${untracked.map(lfsTrackLine).join("\n")}\n`;
    tree.set(".gitattributes", regularEntry(Buffer.from(updated)));
  }
  const created = fake.commitTo(repo, branch, tree, header.value.summary, header.value.description ?? "", ctx.user?.name ?? "");
  return HttpResponse.json({ success: true, commitOid: created.oid, commitUrl: `${fake.hubOrigin}/${repo.id}/commit/${created.oid}`, hookOutput: "" });
}
