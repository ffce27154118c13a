// Refs for the Hub fake: the refs listing, tags, branches and the commit history (reference §3 "Endpoints the JS
// client lacks"; JS create-branch.ts / delete-branch.ts / list-commits.ts; Python hf_api.py list_repo_refs,
// create_tag, delete_tag, create_branch, delete_branch, list_repo_commits). Statuses and messages follow
// huggingface_hub's tests against the real Hub (tests/test_hf_api.py TestHfApiTagEndpoint, TestHfApiBranchEndpoint).
// A branch and a tag may share a name (test_create_branch_existing_tag_does_not_fail).
import { HttpResponse } from "msw";
import { type Commit, refNameProblem } from "./hub-fake-git.js";
import { type Ctx, decode, hubError, paged, type Route, truthy } from "./hub-fake-http.js";
import type { HubFake } from "./hub-fake.js";

export function refRoutes(fake: HubFake): Route[] {
  const route = (id: string, method: string, pattern: RegExp, run: (fake: HubFake, ctx: Ctx) => Response): Route => ({
    id,
    origin: "hub",
    method,
    pattern,
    run: (ctx) => run(fake, ctx),
  });
  return [
    route("refs", "GET", /^\/api\/models\/([^/]+)\/([^/]+)\/refs$/, refs),
    route("createTag", "POST", /^\/api\/models\/([^/]+)\/([^/]+)\/tag\/(.+)$/, createTag),
    route("deleteTag", "DELETE", /^\/api\/models\/([^/]+)\/([^/]+)\/tag\/(.+)$/, deleteTag),
    route("createBranch", "POST", /^\/api\/models\/([^/]+)\/([^/]+)\/branch\/(.+)$/, createBranch),
    route("deleteBranch", "DELETE", /^\/api\/models\/([^/]+)\/([^/]+)\/branch\/(.+)$/, deleteBranch),
    route("commits", "GET", /^\/api\/models\/([^/]+)\/([^/]+)\/commits\/(.+)$/, commits),
  ];
}

function refs(fake: HubFake, ctx: Ctx): Response {
  const repo = fake.readable(ctx, ctx.match[1] as string, ctx.match[2] as string);
  if (repo instanceof Response) return repo;
  const list = (refs: Iterable<[string, string]>, prefix: string) => [...refs].map(([name, oid]) => ({ name, ref: `${prefix}${name}`, targetCommit: oid }));
  return HttpResponse.json({
    branches: list(repo.branches, "refs/heads/"),
    converts: [],
    tags: list(
      [...repo.tags].map(([name, tag]) => [name, tag.oid]),
      "refs/tags/",
    ),
    ...(truthy(ctx.url.searchParams.get("include_prs")) && { pullRequests: [] }),
  });
}

/** Branch and tag names: what git refuses, and `refs/...` (test_create_branch_forbidden_ref_branch_fails). */
function refNameError(name: string, kind: "branch" | "tag"): Response | undefined {
  if (name.startsWith("refs/")) return hubError(400, `Invalid reference for a ${kind}: ${name}`);
  const problem = refNameProblem(name);
  return problem ? hubError(400, `Invalid rev id: ${name} (${problem})`) : undefined;
}

/** POST …/tag/{revision} {tag, message?}: the revision is resolved first (test_create_tag_on_missing_revision), 409 if the tag exists. */
function createTag(fake: HubFake, ctx: Ctx): Response {
  const repo = fake.writable(ctx, ctx.match[1] as string, ctx.match[2] as string);
  if (repo instanceof Response) return repo;
  const revision = decode(ctx.match[3] as string);
  const { tag, message } = ctx.body as { tag: string; message?: string };
  const resolved = fake.resolve(repo, revision);
  if (!resolved) return fake.unknownRevision(revision);
  const invalid = refNameError(tag, "tag");
  if (invalid) return invalid;
  if (repo.tags.has(tag)) return hubError(409, `Tag ${tag} already exists`);
  repo.tags.set(tag, { oid: resolved.commit.oid, ...(message !== undefined && { message }) });
  return new HttpResponse(null, { status: 200 });
}

function deleteTag(fake: HubFake, ctx: Ctx): Response {
  const repo = fake.writable(ctx, ctx.match[1] as string, ctx.match[2] as string);
  if (repo instanceof Response) return repo;
  const tag = decode(ctx.match[3] as string);
  if (repo.tags.delete(tag)) return new HttpResponse(null, { status: 200 });
  // Deleting a "tag" that is a branch name fails with a 500 on the Hub (moon-landing#4223, cited by huggingface_hub's
  // test_delete_tag_with_branch_name); any other unknown tag is RevisionNotFound (test_delete_tag_missing_tag).
  if (repo.branches.has(tag)) return hubError(500, "Internal Error");
  return fake.unknownRevision(tag);
}

/** POST …/branch/{name} {startingPoint?, emptyBranch?, overwrite?} (JS create-branch.ts, Python create_branch). */
function createBranch(fake: HubFake, ctx: Ctx): Response {
  const repo = fake.writable(ctx, ctx.match[1] as string, ctx.match[2] as string);
  if (repo instanceof Response) return repo;
  const branch = decode(ctx.match[3] as string);
  const body = (ctx.body ?? {}) as { startingPoint?: string; emptyBranch?: boolean; overwrite?: boolean };
  const invalid = refNameError(branch, "branch");
  if (invalid) return invalid;
  if (repo.branches.has(branch) && !body.overwrite) return hubError(409, `Reference refs/heads/${branch} already exists`);
  if (body.emptyBranch) {
    repo.branches.delete(branch);
    fake.commitTo(repo, branch, new Map(), `Create branch ${branch}`, "", ctx.user?.name ?? "");
    return new HttpResponse(null, { status: 200 });
  }
  const start = body.startingPoint ?? "main";
  const resolved = fake.resolve(repo, start);
  if (!resolved) return fake.unknownRevision(start);
  repo.branches.set(branch, resolved.commit.oid);
  return new HttpResponse(null, { status: 200 });
}

/** DELETE …/branch/{name}: main is protected, a missing branch is "Invalid rev id" (test_delete_branch_on_missing_branch_fails). */
function deleteBranch(fake: HubFake, ctx: Ctx): Response {
  const repo = fake.writable(ctx, ctx.match[1] as string, ctx.match[2] as string);
  if (repo instanceof Response) return repo;
  const branch = decode(ctx.match[3] as string);
  if (branch === "main") return hubError(403, "Cannot delete refs/heads/main");
  if (!repo.branches.delete(branch)) return hubError(400, `Invalid rev id: ${branch}`);
  return new HttpResponse(null, { status: 200 });
}

/** GET …/commits/{revision}?limit=&p=: the first-parent history, newest first, with X-Total-Count. */
function commits(fake: HubFake, ctx: Ctx): Response {
  const repo = fake.readable(ctx, ctx.match[1] as string, ctx.match[2] as string);
  if (repo instanceof Response) return repo;
  const revision = decode(ctx.match[3] as string);
  const resolved = fake.resolve(repo, revision);
  if (!resolved) return fake.unknownRevision(revision);
  const formatted = [...ctx.url.searchParams.getAll("expand[]"), ...ctx.url.searchParams.getAll("expand")].includes("formatted");
  const html = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const history: Array<Record<string, unknown>> = [];
  for (let c: Commit | undefined = resolved.commit; c; c = c.parents[0] ? repo.commits.get(c.parents[0]) : undefined) {
    history.push({
      id: c.oid,
      title: c.summary,
      message: c.description,
      authors: [{ user: c.author, avatar: `${fake.hubOrigin}/avatars/${c.author}.svg` }],
      date: c.date,
      ...(formatted && { formatted: { title: html(c.summary), message: html(c.description) } }),
    });
  }
  const limit = Math.min(Number(ctx.url.searchParams.get("limit") ?? 50) || 50, 1000);
  return paged(ctx, fake.hubOrigin, history, limit, "p", { "X-Total-Count": String(history.length) });
}
