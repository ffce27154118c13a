// A stateful fake of the Hugging Face Hub HTTP API for model repositories (msw handlers), held to the Hub's official
// clients: huggingface_hub 2.4.0 (Python, driven on loopback by test/huggingface/official/) and @huggingface/hub
// 2.17.5 (JS, in-process and on loopback). Where a client and the fake disagree, the fake is wrong. Sources: the reference
// /work/shared/reference/huggingface.md (§3 wire protocol, §8 the minimum surface), the clients' code, and
// huggingface_hub's tests (tests/test_hf_api.py, run against the real Hub) for status codes and messages.
//
// Each repository is a small git (hub-fake-git.ts): immutable commits over path -> blob trees, branches and tags
// naming commits, and an LFS store keyed by sha256. Every request body is checked against the contract derived from
// the clients' types (hub-fake-contract.ts). Split by role: hub-fake-commit.ts (preupload, commit), hub-fake-lfs.ts
// (LFS batch, signed storage URLs), hub-fake-files.ts (tree, paths-info, resolve, raw), hub-fake-refs.ts (refs, tags,
// branches, commit history), hub-fake-card.ts (model cards), hub-fake-http.ts (errors, Range, paging).
// Left out: Xet (HF_HUB_DISABLE_XET=1 for Python, useXet: false for JS; reference §8), pull requests, datasets and
// spaces, gated repositories, rate limits.
import { HttpResponse, http, type HttpHandler } from "msw";
import { CANARY } from "../../support/canary.js";
import { cardData, yamlProblems } from "./hub-fake-card.js";
import { commitRoutes } from "./hub-fake-commit.js";
import { endpoint, MODEL_EXPAND_KEYS, typeProblems } from "./hub-fake-contract.js";
import { fileRoutes } from "./hub-fake-files.js";
import { type Commit, createCommit, DEFAULT_GITATTRIBUTES, type Entry, regularEntry } from "./hub-fake-git.js";
import { type Ctx, decode, type HubUser, hubError, logged, paged, type Route, truthy } from "./hub-fake-http.js";
import { lfsRoutes } from "./hub-fake-lfs.js";
import { refRoutes } from "./hub-fake-refs.js";

/** The Hub's origin: the API, resolve and the LFS batch endpoint. */
export const HUB = "https://hub.hf.test";
/** Where the signed LFS upload and download URLs point (the Hub's storage and CDN). */
export const CDN = "https://cdn.hf.test";
/** The test token (a canary: the suite fails if it shows up in an error or a log). It belongs to USER. */
export const HF_TOKEN: string = CANARY.hfToken;
/** A valid token of a user who is a member of nothing, to see what others see. */
export const STRANGER_TOKEN = "hf_strangerWithNoOrgsTokenXyzXyzXyz";
export const USER = "tester";
/** The organization USER is a member of. */
export const ORG = "acme";

/** A model repository. */
export interface RepoState {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  /** The Mongo-style id the Hub answers as `_id` and the create call's `id`. */
  readonly objectId: string;
  readonly private: boolean;
  readonly createdAt: string;
  readonly commits: Map<string, Commit>;
  readonly branches: Map<string, string>;
  readonly tags: Map<string, { oid: string; message?: string }>;
  /** LFS objects uploaded to this repository, by sha256. */
  readonly lfs: Map<string, Uint8Array>;
}

/** A revision resolved to its commit. */
export interface Resolved {
  readonly commit: Commit;
  readonly kind: "branch" | "tag" | "commit";
  readonly name: string;
}

export interface RequestRecord {
  readonly method: string;
  /** The URL as requested, storage signatures masked. */
  readonly url: string;
  /** 0 for a connection the fake cut. */
  readonly status: number;
  /** Whether the request carried an Authorization header. */
  readonly authorized: boolean;
}

export type FaultMatch = { method?: string; url?: RegExp | string } | ((request: { method: string; url: string }) => boolean);

const REPO_PATH = "([^/]+)/([^/]+)";
/** Repository names as the Hub allows them (huggingface_hub utils/_validators.py mirrors the Hub's Names.ts). */
const VALID_NAME = /^(?!.*(--|\.\.))(?![-.])[\w.-]{1,96}(?<![-.])$/;
const isObjectId = (rev: string) => /^[0-9a-f]{40}$/.test(rev);

export class HubFake {
  /** Where URLs the fake writes into its answers point for the API (the loopback harness sets its server's URL). */
  hubOrigin = HUB;
  /** Where the signed storage URLs point. */
  signedOrigin = CDN;
  /** LFS objects larger than this get multipart upload instructions (never, by default). */
  multipartThreshold = Number.POSITIVE_INFINITY;
  multipartChunkSize = 5 * 1024 * 1024;
  /** Tree entries per page; the Hub pages 1000 at a time, 50 with expand=true (hf_api.py list_repo_tree). */
  treePageSize = 1000;
  readonly repos = new Map<string, RepoState>();
  readonly requests: RequestRecord[] = [];
  readonly users = new Map<string, HubUser>([
    [HF_TOKEN, { name: USER, orgs: [ORG] }],
    [STRANGER_TOKEN, { name: "stranger", orgs: [] }],
  ]);
  readonly #faults: Array<{ match: FaultMatch; outcome: number | "reset"; times: number }> = [];
  readonly #routes: Route[];
  #time = 0;
  #ids = 0;

  constructor() {
    this.#routes = [...this.#repoRoutes(), ...refRoutes(this), ...commitRoutes(this), ...fileRoutes(this), ...lfsRoutes(this)];
  }

  /** The msw handlers: everything under HUB and CDN goes through one dispatcher, so unmatched routes get the Hub's 404. */
  handlers(): HttpHandler[] {
    const under = (origin: string) => new RegExp(`^${origin.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}/`);
    return [http.all(under(HUB), ({ request }) => this.#dispatch(request, "hub")), http.all(under(CDN), ({ request }) => this.#dispatch(request, "cdn"))];
  }

  /** Makes the next `times` requests matching `match` fail with `outcome` (a status, or "reset" to cut the connection). */
  failNext(match: FaultMatch, outcome: number | "reset", times = 1): void {
    this.#faults.push({ match, outcome, times });
  }

  // ---- inspection ------------------------------------------------------------------------------------------------

  /** A repository by id; the Hub's API is case-insensitive (huggingface_hub test_create_commit_repo_id_case_insensitive). */
  repo(id: string): RepoState | undefined {
    return this.repos.get(id.toLowerCase());
  }

  /** A repository's branches and tags, each name to its commit oid. */
  refs(id: string): { branches: Record<string, string>; tags: Record<string, string> } {
    const repo = this.#must(id);
    return { branches: Object.fromEntries(repo.branches), tags: Object.fromEntries([...repo.tags].map(([name, tag]) => [name, tag.oid])) };
  }

  /** The commit a revision names. */
  commitAt(id: string, revision: string): Commit | undefined {
    return this.resolve(this.#must(id), revision)?.commit;
  }

  /** A file's bytes at a revision (an LFS file's from the LFS store), or undefined. */
  fileAt(id: string, revision: string, path: string): Uint8Array | undefined {
    const repo = this.#must(id);
    const entry = this.resolve(repo, revision)?.commit.tree.get(path);
    return entry && this.bytes(repo, entry);
  }

  /** Creates a repository owned by `namespace` with the Hub's first commit (as POST /api/repos/create does). */
  createRepo(id: string, options: { private?: boolean; author?: string; files?: ReadonlyMap<string, Entry> } = {}): RepoState {
    const [namespace = "", name = ""] = id.split("/");
    const objectId = (0x64f0000000000000n + BigInt(++this.#ids)).toString(16).padStart(24, "0");
    const now = this.now();
    const repo: RepoState = {
      id,
      namespace,
      name,
      objectId,
      private: options.private ?? false,
      createdAt: new Date(now * 1000).toISOString(),
      commits: new Map(),
      branches: new Map(),
      tags: new Map(),
      lfs: new Map(),
    };
    const tree = new Map([[".gitattributes", regularEntry(Buffer.from(DEFAULT_GITATTRIBUTES))], ...(options.files ?? [])]);
    const commit = createCommit({ tree, parents: [], summary: "initial commit", description: "", author: options.author ?? namespace, time: now });
    repo.commits.set(commit.oid, commit);
    repo.branches.set("main", commit.oid);
    this.repos.set(id.toLowerCase(), repo);
    return repo;
  }

  // ---- helpers the route modules share ----------------------------------------------------------------------------

  /** Seconds since the epoch, strictly increasing, so two commits never share a timestamp. */
  now(): number {
    this.#time = Math.max(this.#time + 1, Math.floor(Date.now() / 1000));
    return this.#time;
  }

  /** An entry's content: its bytes, or the LFS object it points at. */
  bytes(repo: RepoState, entry: Entry): Uint8Array | undefined {
    return entry.content ?? (entry.lfs && repo.lfs.get(entry.lfs.sha256));
  }

  /**
   * A revision as the Hub resolves one: HEAD (the default branch), a tag or a branch (tags first, as git's
   * rev-parse looks them up), `refs/heads/x`, `refs/tags/x`, a commit oid, or an unambiguous oid prefix of 7+
   * characters (huggingface_hub's test_create_tag_on_commit_oid tags `oid[:7]`).
   */
  resolve(repo: RepoState, revision: string): Resolved | undefined {
    const at = (kind: Resolved["kind"], name: string, oid: string | undefined) => {
      const commit = oid === undefined ? undefined : repo.commits.get(oid);
      return commit && { commit, kind, name };
    };
    if (revision === "HEAD") return at("branch", "main", repo.branches.get("main"));
    if (revision.startsWith("refs/heads/")) return at("branch", revision.slice(11), repo.branches.get(revision.slice(11)));
    if (revision.startsWith("refs/tags/")) return at("tag", revision.slice(10), repo.tags.get(revision.slice(10))?.oid);
    const named = at("tag", revision, repo.tags.get(revision)?.oid) ?? at("branch", revision, repo.branches.get(revision));
    if (named) return named;
    if (isObjectId(revision)) return at("commit", revision, revision);
    if (/^[0-9a-f]{7,39}$/.test(revision)) {
      const found = [...repo.commits.keys()].filter((oid) => oid.startsWith(revision));
      if (found.length === 1) return at("commit", found[0] as string, found[0]);
    }
    return undefined;
  }

  /**
   * Splits the raw segments after `tree/` or `resolve/` into a revision and a path. Python encodes a revision's
   * slashes (`refs%2Fpr%2F1`); the JS client sends them raw, so the longest run of segments naming a ref wins.
   */
  splitRevision(repo: RepoState, segments: string[], minRest: number): { revision: string; rest: string[] } {
    for (let k = segments.length - minRest; k >= 2; k--) {
      const candidate = segments.slice(0, k).map(decode).join("/");
      if (repo.branches.has(candidate) || repo.tags.has(candidate)) return { revision: candidate, rest: segments.slice(k) };
    }
    return { revision: decode(segments[0] ?? ""), rest: segments.slice(1) };
  }

  /** Whether `user` may write under `namespace`: theirs, or an organization they belong to. */
  member(user: HubUser | undefined, namespace: string): boolean {
    const ns = namespace.toLowerCase();
    return !!user && (user.name.toLowerCase() === ns || user.orgs.some((org) => org.toLowerCase() === ns));
  }

  /**
   * The repository if the caller may read it. A missing repository and a private one of others look the same, as on
   * the Hub: 401 to anonymous callers, 404 to signed-in ones, both `RepoNotFound` (reference §3.2, §5).
   */
  readable(ctx: Ctx, namespace: string, name: string): RepoState | Response {
    const repo = this.repo(`${decode(namespace)}/${decode(name)}`);
    if (repo && (!repo.private || this.member(ctx.user, repo.namespace))) return repo;
    return ctx.user ? hubError(404, "Repository not found", "RepoNotFound") : hubError(401, "Invalid username or password.", "RepoNotFound");
  }

  /** The repository if the caller may write to it (403 for a visible repository of others). */
  writable(ctx: Ctx, namespace: string, name: string): RepoState | Response {
    const repo = this.readable(ctx, namespace, name);
    if (repo instanceof Response) return repo;
    if (!ctx.user) return hubError(401, "Invalid username or password.", "RepoNotFound");
    if (!this.member(ctx.user, repo.namespace)) return hubError(403, `You don't have the rights to write to ${repo.id}`);
    return repo;
  }

  /** 404 RevisionNotFound, as the Hub answers an unknown revision. */
  unknownRevision(revision: string): Response {
    return hubError(404, `Invalid rev id: ${revision}`, "RevisionNotFound");
  }

  /** Moves `branch` to a new commit of `tree` on top of its head. */
  commitTo(repo: RepoState, branch: string, tree: ReadonlyMap<string, Entry>, summary: string, description: string, author: string): Commit {
    const parent = repo.branches.get(branch);
    const commit = createCommit({ tree, parents: parent ? [parent] : [], summary, description, author, time: this.now() });
    repo.commits.set(commit.oid, commit);
    repo.branches.set(branch, commit.oid);
    return commit;
  }

  /** Model info fields for a repository at a commit (what GET /api/models/{repo} and the listing answer from). */
  modelFields(repo: RepoState, commit: Commit, blobs: boolean): Record<string, unknown> {
    const readme = commit.tree.get("README.md");
    const card = readme?.content && cardData(Buffer.from(readme.content).toString("utf8"));
    const siblings = [...commit.tree].map(([path, entry]) => ({
      rfilename: path,
      ...(blobs && {
        size: entry.size,
        blobId: entry.oid,
        ...(entry.lfs && { lfs: { sha256: entry.lfs.sha256, size: entry.lfs.size, pointerSize: entry.lfs.pointerSize } }),
      }),
    }));
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((t): t is string => typeof t === "string") : typeof v === "string" ? [v] : []);
    return {
      _id: repo.objectId,
      id: repo.id,
      modelId: repo.id,
      author: repo.namespace,
      sha: commit.oid,
      lastModified: commit.date,
      createdAt: repo.createdAt,
      private: repo.private,
      gated: false,
      disabled: false,
      downloads: 0,
      downloadsAllTime: 0,
      likes: 0,
      trendingScore: 0,
      tags: strings(card?.tags),
      ...(typeof card?.pipeline_tag === "string" && { pipeline_tag: card.pipeline_tag }),
      ...(typeof card?.library_name === "string" && { library_name: card.library_name }),
      ...(card && { cardData: card }),
      siblings,
      spaces: [],
      usedStorage: [...commit.tree.values()].reduce((sum, e) => sum + e.size, 0),
    };
  }

  // ---- dispatch --------------------------------------------------------------------------------------------------

  async #dispatch(request: Request, origin: "hub" | "cdn"): Promise<Response> {
    const url = new URL(request.url);
    const record = (status: number) =>
      this.requests.push({ method: request.method, url: logged(request.url), status, authorized: request.headers.has("authorization") });
    const fault = this.#faults.find((f) =>
      typeof f.match === "function"
        ? f.match({ method: request.method, url: request.url })
        : (!f.match.method || f.match.method === request.method) &&
          (!f.match.url || (typeof f.match.url === "string" ? request.url.includes(f.match.url) : f.match.url.test(request.url))),
    );
    if (fault) {
      if (--fault.times <= 0) this.#faults.splice(this.#faults.indexOf(fault), 1);
      record(fault.outcome === "reset" ? 0 : fault.outcome);
      return fault.outcome === "reset" ? HttpResponse.error() : hubError(fault.outcome, `injected failure (${fault.outcome})`);
    }
    const response = await this.#answer(request, url, origin).catch((error: unknown) =>
      hubError(500, `the fake failed: ${error instanceof Error ? error.message : String(error)}`),
    );
    record(response.status);
    return response;
  }

  async #answer(request: Request, url: URL, origin: "hub" | "cdn"): Promise<Response> {
    let match: RegExpExecArray | null = null;
    const route = this.#routes.find((r) => r.origin === origin && r.method === request.method && (match = r.pattern.exec(url.pathname)) !== null);
    if (!route || !match)
      return hubError(404, `Sorry, we can't find the page you are looking for (the fake has no route for ${request.method} ${url.pathname})`);
    let user: HubUser | undefined;
    const authorization = request.headers.get("authorization");
    // Storage refuses credentials itself (hub-fake-lfs.ts); on the Hub a token it does not know fails every call.
    if (origin === "hub" && authorization) {
      user = this.users.get(authorization.replace(/^Bearer\s+/i, ""));
      if (!user) return hubError(401, "Invalid credentials in Authorization header");
    }
    const ctx: Ctx = { request, url, match, user, body: undefined };
    const declared = endpoint(route.id);
    if (declared.body) {
      const parsed = await this.#body(request, declared.contentTypes);
      if (parsed instanceof Response) return parsed;
      const lines = declared.contentTypes?.includes("application/x-ndjson") ? (parsed as unknown[]) : [parsed];
      const problems = lines.flatMap((line, i) => typeProblems(declared.body as string, line).map((p) => (lines.length > 1 ? `line ${i + 1}: ${p}` : p)));
      if (problems.length > 0) return hubError(400, `Invalid request body: ${problems.slice(0, 5).join("; ")}`);
      ctx.body = parsed;
    }
    return route.run(ctx);
  }

  /** A request body: JSON, NDJSON lines, or a form (paths-info as Python sends it: repeated `paths`, `expand`). */
  async #body(request: Request, contentTypes: string[] | undefined): Promise<unknown> {
    const type = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    if (contentTypes && !contentTypes.includes(type))
      return hubError(415, `Unsupported Content-Type ${type || "(none)"}: expected ${contentTypes.join(" or ")}`);
    const text = await request.text();
    try {
      if (type === "application/x-www-form-urlencoded") {
        const form = new URLSearchParams(text);
        const expand = form.get("expand");
        return { paths: [...form.getAll("paths"), ...form.getAll("paths[]")], ...(expand !== null && { expand: /^(true|1)$/i.test(expand) }) };
      }
      if (type === "application/x-ndjson") return text.split("\n").flatMap((line) => (line.trim() ? [JSON.parse(line)] : []));
      return JSON.parse(text || "null");
    } catch {
      return hubError(400, "Invalid JSON in the request body");
    }
  }

  #must(id: string): RepoState {
    const repo = this.repo(id);
    if (!repo) throw new Error(`the Hub fake has no repository ${id}`);
    return repo;
  }

  // ---- repositories, model info, listing -----------------------------------------------------------------------------

  #repoRoutes(): Route[] {
    const hub = (id: string, method: string, pattern: RegExp, run: Route["run"]): Route => ({ id, origin: "hub", method, pattern, run });
    return [
      hub("createRepo", "POST", /^\/api\/repos\/create$/, (ctx) => this.#create(ctx)),
      hub("deleteRepo", "DELETE", /^\/api\/repos\/delete$/, (ctx) => this.#delete(ctx)),
      hub("listModels", "GET", /^\/api\/models$/, (ctx) => this.#list(ctx)),
      hub("modelInfo", "GET", new RegExp(`^/api/models/${REPO_PATH}$`), (ctx) => this.#info(ctx, "main")),
      hub("modelInfoAtRevision", "GET", new RegExp(`^/api/models/${REPO_PATH}/revision/(.+)$`), (ctx) => this.#info(ctx, decode(ctx.match[3] as string))),
      hub("validateYaml", "POST", /^\/api\/validate-yaml$/, (ctx) => this.#validateYaml(ctx)),
    ];
  }

  #create(ctx: Ctx): Response {
    const body = ctx.body as {
      name: string;
      organization?: string | null;
      type?: string | null;
      visibility?: string;
      private?: unknown;
      files?: Array<{ path: string; content: string; encoding?: string }>;
    };
    if (!ctx.user) return hubError(401, "Invalid username or password.");
    if (body.type && body.type !== "model") return hubError(400, `The fake serves model repositories only, not ${body.type}`);
    if (body.visibility === "protected") return hubError(400, "Only Spaces can be protected");
    const namespace = body.organization ?? ctx.user.name;
    if (!VALID_NAME.test(body.name) || body.name.endsWith(".git")) return hubError(400, `Invalid repo name: ${body.name}`);
    if (!this.member(ctx.user, namespace)) return hubError(403, `You don't have the rights to create a model under the namespace "${namespace}"`);
    const existing = this.repo(`${namespace}/${body.name}`);
    // huggingface_hub's create_repo(exist_ok=True) relies on this 409.
    if (existing) return HttpResponse.json({ error: "You already created this model repo", url: `${this.hubOrigin}/${existing.id}` }, { status: 409 });
    const files = new Map((body.files ?? []).map((f) => [f.path, regularEntry(Buffer.from(f.content, f.encoding === "base64" ? "base64" : "utf8"))] as const));
    // An older API took `private: true`; the clients now send `visibility`.
    const hidden = body.visibility ? body.visibility === "private" : body.private === true;
    const repo = this.createRepo(`${namespace}/${body.name}`, { private: hidden, author: ctx.user.name, files });
    return HttpResponse.json({ url: `${this.hubOrigin}/${repo.id}`, name: repo.id, id: repo.objectId });
  }

  #delete(ctx: Ctx): Response {
    const body = ctx.body as { name: string; organization?: string | null };
    const repo = this.writable(ctx, body.organization ?? ctx.user?.name ?? "", body.name);
    if (repo instanceof Response) return repo;
    this.repos.delete(repo.id.toLowerCase());
    return new HttpResponse(null, { status: 200 });
  }

  /** `expand` (JS) or `expand[]`: only those fields (and `_id`, `id`) are answered; an unknown one is a 400 (test_list_models_expand_unexpected_value). */
  #expand(ctx: Ctx): string[] | Response {
    const keys = [...ctx.url.searchParams.getAll("expand"), ...ctx.url.searchParams.getAll("expand[]")];
    const unknown = keys.filter((k) => !MODEL_EXPAND_KEYS.has(k));
    return unknown.length > 0 ? hubError(400, `"expand" must be one of ${[...MODEL_EXPAND_KEYS].join(", ")}; got ${unknown.join(", ")}`) : keys;
  }

  #pick(fields: Record<string, unknown>, keys: string[]): Record<string, unknown> {
    return Object.fromEntries(Object.entries(fields).filter(([k]) => k === "_id" || k === "id" || keys.includes(k)));
  }

  #info(ctx: Ctx, revision: string): Response {
    const repo = this.readable(ctx, ctx.match[1] as string, ctx.match[2] as string);
    if (repo instanceof Response) return repo;
    const expand = this.#expand(ctx);
    if (expand instanceof Response) return expand;
    const resolved = this.resolve(repo, revision);
    if (!resolved) return this.unknownRevision(revision);
    const fields = this.modelFields(repo, resolved.commit, truthy(ctx.url.searchParams.get("blobs")));
    const { trendingScore: _t, downloadsAllTime: _d, ...defaults } = fields;
    return HttpResponse.json(expand.length > 0 ? this.#pick(fields, expand) : defaults);
  }

  /** GET /api/models: the repositories the caller may see, filtered by `author` and `search`, paged by `limit`. */
  #list(ctx: Ctx): Response {
    const q = ctx.url.searchParams;
    const expand = this.#expand(ctx);
    if (expand instanceof Response) return expand;
    const author = q.get("author")?.toLowerCase();
    const search = q.get("search")?.toLowerCase();
    const sort = q.get("sort") ?? "createdAt";
    const direction = q.get("direction") === "1" ? 1 : -1;
    const models = [...this.repos.values()]
      .filter((r) => !r.private || this.member(ctx.user, r.namespace))
      .filter((r) => !author || r.namespace.toLowerCase() === author)
      .filter((r) => !search || r.id.toLowerCase().includes(search))
      .map((r) => this.modelFields(r, r.commits.get(r.branches.get("main") as string) as Commit, false));
    const key = (m: Record<string, unknown>) => String(m[sort === "id" ? "id" : sort] ?? "");
    models.sort((a, b) => direction * (typeof a[sort] === "number" ? (a[sort] as number) - (b[sort] as number) : key(a).localeCompare(key(b))));
    const full = truthy(q.get("full"));
    const listed = ["_id", "id", "modelId", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag", "library_name", "createdAt"];
    const fullFields = ["author", "sha", "lastModified", "gated", "disabled", "siblings"];
    const items = models.map((m) =>
      expand.length > 0 ? this.#pick(m, expand) : this.#pick(m, [...listed, ...(full ? fullFields : []), ...(truthy(q.get("cardData")) ? ["cardData"] : [])]),
    );
    return paged(ctx, this.hubOrigin, items, Math.min(Number(q.get("limit") ?? 1000) || 1000, 1000));
  }

  /** POST /api/validate-yaml {content, repoType}: 400 with `errors` when the card's metadata is not valid. */
  #validateYaml(ctx: Ctx): Response {
    const { content } = ctx.body as { content: string };
    const { errors, warnings } = yamlProblems(content);
    const body = { errors: errors.map((message) => ({ message })), warnings: warnings.map((message) => ({ message })) };
    return HttpResponse.json(errors.length > 0 ? { error: errors.join("; "), ...body } : body, { status: errors.length > 0 ? 400 : 200 });
  }
}
