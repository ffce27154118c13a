// The CLI with hf:// URIs (issue 19, item 3): the real executable (src/cli/bin.ts bundled once, as cli-pipe.test.ts
// runs it) as a child process, pointed at the Hub fake on loopback by HF_ENDPOINT with the token in HF_TOKEN, as a
// user's shell would. Every run's stdout and stderr are checked for the token, with request logging on
// (MODELREG_LOG=debug), since the canary setup only sees this process's own output.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import { createHuggingFaceRegistry } from "modelreg/huggingface";
import { parseRegistryUri } from "modelreg/sync";
import { registryIdentity } from "../../src/cli/cli-locations.js";
import { useHubLoopback } from "../huggingface/official/support/hub-official.js";
import { HF_TOKEN, ORG } from "../huggingface/support/hub-fake.js";
import { childScript } from "../support/child-script.js";
import { tempDir } from "./support/helpers.js";

const lb = useHubLoopback({ python: false });
const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
/** Deterministic bytes with zeros in them: the Hub takes a binary file through LFS. */
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 17 + (i >> 8)) % 251);

let bin: string;
let home: string;
beforeAll(async () => {
  bin = await childScript(new URL("../../src/cli/bin.ts", import.meta.url));
  // A home of its own: no token file of the machine's (~/.cache/huggingface/token) is read.
  home = await tempDir("modelreg-cli-hf-home-");
}, 120_000);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout without the request log's lines (MODELREG_LOG=debug writes them through console.debug, to stdout). */
  out: string;
  /** stdout's JSON lines. */
  lines(): Array<Record<string, unknown>>;
}

/**
 * Runs `modelreg` with the fake as its Hub, in `cwd`, and checks that no token it was given shows up in what it
 * printed. `env` adds to (or, with undefined, removes from) HF_ENDPOINT, HF_TOKEN, HOME, PATH and MODELREG_LOG.
 */
async function modelreg(cwd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const full: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: home, HF_ENDPOINT: lb.hub.url, HF_TOKEN, MODELREG_LOG: "debug", ...env };
  const childEnv = Object.fromEntries(Object.entries(full).filter((e): e is [string, string] => e[1] !== undefined));
  const run = await new Promise<Omit<Run, "lines" | "out">>((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
  // Checked on every run, whatever the test asks next; a failure names neither token.
  for (const token of [HF_TOKEN, env.HF_TOKEN].filter((t): t is string => !!t)) {
    expect(run.stdout.includes(token), `modelreg ${args[0]} printed the token on stdout`).toBe(false);
    expect(run.stderr.includes(token), `modelreg ${args[0]} printed the token on stderr`).toBe(false);
  }
  return {
    ...run,
    out: run.stdout
      .split("\n")
      .filter((l) => !l.startsWith("[modelreg debug]"))
      .join("\n"),
    lines: () =>
      run.stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** The library's client for the same fake, to seed the Hub and look at what the CLI did. */
const hubClient = () => createHuggingFaceRegistry({ namespace: ORG, token: HF_TOKEN, endpoint: lb.hub.url, env: {}, actor: "seed" });
const commits = () => [...lb.fake.repos.values()].reduce((sum, repo) => sum + repo.commits.size, 0);
const writes = () => lb.fake.requests.filter((r) => r.method !== "GET" && r.method !== "HEAD").length;
/** A model the Hub holds two versions of, champion on the first, made through the library. */
async function seedHub(model: string) {
  const weights = bytes(MiB + 3, 4);
  const hub = hubClient();
  await hub.createVersion(model, {
    artifacts: {
      entries: [
        { path: "model.bin", content: weights },
        { path: "config.json", content: '{"layers":2}' },
      ],
    },
    metrics: { auc: 0.9 },
    aliases: ["champion"],
  });
  await hub.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "retrained" }] }, metrics: { auc: 0.93 } });
  return { weights };
}

describe("modelreg --help", () => {
  it("lists hf:// among the registry URIs, with HF_TOKEN among the credentials", async () => {
    const help = await modelreg(home, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}hf:\/\/namespace +Hugging Face Hub model repositories of a user or organization/m);
    expect(help.stdout.replace(/\n/g, " ")).toMatch(
      /credentials come from each provider's environment variables \([^)]*\bHF_TOKEN\b[^)]*\), never from the URI/,
    );
    const sync = await modelreg(home, ["sync", "--help"]);
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(/^usage:\n {2}sync <source-uri> <target-uri>/);
    expect(sync.stdout).toMatch(/^ {2}hf:\/\/namespace /m);
  });
});

describe("modelreg sync with the Hub", () => {
  it("file:./reg -> hf://acme: a dry run writes nothing, the sync copies both versions, a second copies nothing", async () => {
    const cwd = await tempDir();
    const model = "cli-fraud";
    const weights = bytes(2 * MiB + 11, 1);
    const local = createLocalRegistry({ root: join(cwd, "reg") });
    await local.createVersion(model, {
      artifacts: {
        entries: [
          { path: "model.bin", content: weights },
          { path: "params.json", content: '{"depth":3}' },
        ],
      },
      metrics: { auc: 0.91 },
      tags: { team: "risk" },
      aliases: ["champion"],
    });
    await local.transitionStage(`${model}/1`, "production");
    await local.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "second weights" }] }, metrics: { auc: 0.93 } });

    const dry = await modelreg(cwd, ["sync", "file:./reg", `hf://${ORG}`, "--model", model, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(new RegExp(`^copy ${model}/1 -> \\(new\\): alias champion, stage production$`, "m"));
    expect(dry.out).toMatch(new RegExp(`^copy ${model}/2 -> \\(new\\)$`, "m"));
    expect(dry.out).toMatch(/dry run: 2 to copy, 0 to update, 0 to skip, 0 in conflict; nothing changed/);
    expect(lb.fake.repo(`${ORG}/${model}`)).toBeUndefined();
    // Request logging was on: the child did log its requests (so the token checks looked at real request lines).
    expect(dry.stdout).toMatch(/^\[modelreg debug\] huggingface listVersions: GET http:\/\/127\.0\.0\.1:\d+\/api\/models\/acme\/cli-fraud\/refs -> 404/m);

    const first = await modelreg(cwd, ["sync", "file:./reg", `hf://${ORG}`, "-m", model, "--json"]);
    expect(first.stderr.includes("Error:")).toBe(false);
    expect(first.code).toBe(0);
    expect(first.lines().at(-1)).toMatchObject({ type: "report", counts: { created: 2, failed: 0 }, bytesCopied: weights.byteLength + 11 + 14 });
    expect(first.lines().filter((l) => l.type === "version.done")).toHaveLength(2);
    const refs = lb.fake.refs(`${ORG}/${model}`);
    expect(Object.keys(refs.tags).sort()).toEqual(["v1", "v2"]);
    expect(refs.branches.champion).toBe(refs.tags.v1);
    expect(refs.branches.production).toBe(refs.tags.v1);
    expect(refs.branches.main).toBe(refs.tags.v2);
    expect(sha256(lb.fake.fileAt(`${ORG}/${model}`, "v1", "model.bin") ?? new Uint8Array())).toBe(sha256(weights));
    expect(lb.fake.commitAt(`${ORG}/${model}`, "v1")?.tree.get("model.bin")?.lfs?.sha256).toBe(sha256(weights));
    expect(Buffer.from(lb.fake.fileAt(`${ORG}/${model}`, "v2", "model.bin") ?? new Uint8Array()).toString()).toBe("second weights");
    // The token went to the Hub and never to storage (the fake's storage refuses it, so the upload would have failed).
    // (*.bin is LFS-tracked by the Hub's default .gitattributes, so both versions' model.bin went there.)
    const puts = lb.fake.requests.filter((r) => r.method === "PUT" && r.url.includes(`/upload/${ORG}/${model}/`));
    expect(puts.map((r) => [r.url.replace(/^.*\/upload\/[^/]+\/[^/]+\/([0-9a-f]{64}).*$/, "$1"), r.status, r.authorized])).toEqual([
      [sha256(weights), 200, false],
      [sha256("second weights"), 200, false],
    ]);

    const before = { commits: commits(), writes: writes() };
    const second = await modelreg(cwd, ["sync", "file:./reg", `hf://${ORG}`, "-m", model, "--json"]);
    expect(second.code).toBe(0);
    expect(second.lines().at(-1)).toMatchObject({ counts: { created: 0, updated: 0, skipped: 2, failed: 0 }, bytesCopied: 0 });
    expect({ commits: commits(), writes: writes() }).toEqual(before);
  });

  it("hf://acme -> file:./copy copies the Hub's versions byte for byte, with the champion alias", async () => {
    const cwd = await tempDir();
    const model = "cli-h2l";
    const { weights } = await seedHub(model);
    const run = await modelreg(cwd, ["sync", `hf://${ORG}`, "file:./copy", "-m", model, "--json"]);
    expect(run.code).toBe(0);
    expect(run.lines().at(-1)).toMatchObject({ counts: { created: 2, failed: 0 } });
    const local = createLocalRegistry({ root: join(cwd, "copy") });
    expect(await local.resolveAlias(model, "champion")).toBe("1");
    const read = async (ref: string, path: string) => new Uint8Array(await new Response((await local.openArtifact(ref, path)).stream).arrayBuffer());
    expect(sha256(await read(`${model}/1`, "model.bin"))).toBe(sha256(weights));
    expect(Buffer.from(await read(`${model}/1`, "config.json")).toString()).toBe('{"layers":2}');
    expect(Buffer.from(await read(`${model}/2`, "model.bin")).toString()).toBe("retrained");
  });

  it("refuses one namespace as both source and target, however the Hub is named, before opening either", async () => {
    const cwd = await tempDir();
    const requests = lb.fake.requests.length;
    const same = await modelreg(cwd, ["sync", `hf://${ORG}`, `huggingface://${ORG}`, "--dry-run"]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/source and target are the same registry/);
    // HF_ENDPOINT names the Hub the plain URI means: the same Hub given by ?endpoint= is the same registry.
    const viaQuery = await modelreg(cwd, ["sync", `hf://${ORG}`, `hf://${ORG}?endpoint=${lb.hub.url}`, "--dry-run"]);
    expect(viaQuery.stderr).toMatch(/source and target are the same registry/);
    expect(viaQuery.code).toBe(2);
    expect(lb.fake.requests.length).toBe(requests);
    // Without HF_ENDPOINT the plain URI is huggingface.co, so naming it explicitly is the same registry too; and
    // another Hub is another registry.
    const identity = (uri: string, env: Record<string, string> = {}) => registryIdentity(parseRegistryUri(uri), env);
    expect(await identity(`hf://${ORG}?endpoint=https://huggingface.co`)).toBe(await identity(`hf://${ORG}`));
    expect(await identity(`hf://${ORG}`, { HF_ENDPOINT: lb.hub.url })).toBe(await identity(`hf://${ORG}?endpoint=${lb.hub.url}`));
    expect(await identity(`hf://${ORG}`, { HF_ENDPOINT: lb.hub.url })).not.toBe(await identity(`hf://${ORG}`));
  });
});

describe("modelreg ls, show and get on hf://", () => {
  it("lists the namespace's models and a model's versions, shows one, and downloads it verified", async () => {
    const cwd = await tempDir();
    const model = "cli-read";
    const { weights } = await seedHub(model);

    const models = await modelreg(cwd, ["ls", `hf://${ORG}`, "--json"]);
    expect(models.code).toBe(0);
    expect(models.lines().find((l) => l.name === model)).toEqual({
      type: "model",
      name: model,
      latestVersion: "2",
      aliases: { champion: "1" },
      description: null,
    });
    const text = await modelreg(cwd, ["ls", `hf://${ORG}`, "--prefix", "cli-re"]);
    expect(text.out).toBe(`${model}  latest 2  champion=1\n`);

    const versions = await modelreg(cwd, ["ls", `hf://${ORG}`, model, "--json"]);
    expect(versions.code).toBe(0);
    expect(versions.lines().map((l) => [l.version, l.aliases, l.metrics])).toEqual([
      ["2", [], { auc: 0.93 }],
      ["1", ["champion"], { auc: 0.9 }],
    ]);

    const show = await modelreg(cwd, ["show", `hf://${ORG}`, `${model}@champion`, "--json"]);
    expect(show.code).toBe(0);
    const shown = show.lines()[0] as { version: string; files: Array<{ path: string; size: number; sha256?: string }> };
    expect(shown.version).toBe("1");
    expect(shown.files.map((f) => [f.path, f.size, f.sha256]).sort()).toEqual([
      ["config.json", 12, sha256('{"layers":2}')],
      ["model.bin", weights.byteLength, sha256(weights)],
    ]);

    const get = await modelreg(cwd, ["get", `hf://${ORG}`, `${model}@champion`, "out", "--json"]);
    expect(get.code).toBe(0);
    expect(get.lines()[0]).toMatchObject({ type: "downloaded", version: "1", totalBytes: weights.byteLength + 12 });
    expect((await readdir(join(cwd, "out"))).sort()).toEqual(["config.json", "model.bin"]);
    expect(sha256(await readFile(join(cwd, "out", "model.bin")))).toBe(sha256(weights));
    expect(await readFile(join(cwd, "out", "config.json"), "utf8")).toBe('{"layers":2}');

    // ?endpoint= names the Hub without HF_ENDPOINT, and huggingface:// is the same scheme.
    const viaQuery = await modelreg(cwd, ["ls", `huggingface://${ORG}?endpoint=${lb.hub.url}`, model, "--json"], { HF_ENDPOINT: undefined });
    expect(viaQuery.code).toBe(0);
    expect(viaQuery.lines().map((l) => l.version)).toEqual(["2", "1"]);

    // A model the namespace does not have: exit 1 with the typed error.
    const missing = await modelreg(cwd, ["show", `hf://${ORG}`, "no-such-model/1", "--json"]);
    expect(missing.code).toBe(1);
    expect(missing.lines().at(-1)).toMatchObject({ type: "error", usage: false, error: { name: "NotFoundError", provider: "huggingface" } });
  });
});

describe("bad hf:// URIs and credentials", () => {
  it("refuses malformed URIs with exit 2 and says what an hf:// URI is, before any request", async () => {
    const cwd = await tempDir();
    await mkdir(join(cwd, "reg"));
    const requests = lb.fake.requests.length;
    const cases: Array<[string, RegExp]> = [
      [`hf://${ORG}/fraud`, /hf:\/\/ names a namespace, not a repository: hf:\/\/<namespace>/],
      ["hf://-bad", /expected hf:\/\/<namespace>, the Hub user or organization the models belong to/],
      ["hf://", /expected hf:\/\/<namespace>/],
      ["hf://a--b", /expected hf:\/\/<namespace>/],
    ];
    for (const [uri, message] of cases) {
      const ls = await modelreg(cwd, ["ls", uri]);
      expect([uri, ls.code], ls.stderr).toEqual([uri, 2]);
      expect(ls.stderr).toMatch(message);
      // The usage follows, naming the URI forms.
      expect(ls.stderr).toMatch(/^ {2}hf:\/\/namespace /m);
      const sync = await modelreg(cwd, ["sync", "file:./reg", uri, "--json"]);
      expect(sync.code).toBe(2);
      expect(sync.lines()[0]).toMatchObject({ type: "error", usage: true, error: { name: "InvalidInputError", operation: "parseRegistryUri" } });
      expect(sync.lines()[0]?.error).toMatchObject({ message });
    }
    // A Hub address that is no http(s) URL is the adapter's to refuse: exit 1, naming the setting.
    const endpoint = await modelreg(cwd, ["ls", `hf://${ORG}?endpoint=ftp://hub.example`, "--json"]);
    expect(endpoint.code).toBe(1);
    expect(endpoint.lines()[0]).toMatchObject({ type: "error", error: { name: "InvalidInputError", provider: "huggingface", field: "endpoint" } });
    expect(lb.fake.requests.length).toBe(requests);
  });

  it("a refused token: exit 1 with a hint naming HF_TOKEN, and the token is printed nowhere", async () => {
    const cwd = await tempDir();
    const wrong = "hf_wrongTokenForTheCliTestXyzXyzXyzXy";
    const run = await modelreg(cwd, ["ls", `hf://${ORG}`], { HF_TOKEN: wrong });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^modelreg ls: .*/m);
    expect(run.stderr).toMatch(/^modelreg ls: \[huggingface\] listModels: the Hub refused the token/m);
    expect(run.stderr).toMatch(/^hint: the huggingface credentials were refused or are missing: set HF_TOKEN\b/m);
    const json = await modelreg(cwd, ["ls", `hf://${ORG}`, "--json"], { HF_TOKEN: wrong });
    expect(json.code).toBe(1);
    expect(json.lines().at(-1)).toMatchObject({
      type: "error",
      usage: false,
      error: { name: "AuthenticationError", provider: "huggingface" },
      hint: expect.stringContaining("HF_TOKEN"),
    });
    // Without any token, writing is refused the same way, and no repository is made.
    const local = join(cwd, "reg");
    await createLocalRegistry({ root: local }).createVersion("anon", { artifacts: { entries: [{ path: "m.bin", content: "x" }] } });
    const anonymous = await modelreg(cwd, ["sync", "file:./reg", `hf://${ORG}`, "--json"], { HF_TOKEN: undefined });
    expect(anonymous.code).toBe(1);
    expect(anonymous.lines().at(-1)).toMatchObject({ type: "report", counts: { created: 0, failed: 1 } });
    expect(lb.fake.repo(`${ORG}/anon`)).toBeUndefined();
  });

  it("refuses a token pasted into the URI, and echoes it nowhere", async () => {
    const cwd = await tempDir();
    const pasted = "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";
    for (const json of [true, false]) {
      const run = await modelreg(cwd, ["ls", `hf://someone:${pasted}@${ORG}`, ...(json ? ["--json"] : [])], { HF_TOKEN: pasted });
      expect(run.code).toBe(2);
      if (json) expect(run.lines()[0]).toMatchObject({ type: "error", usage: true, error: { name: "InvalidInputError" } });
      else expect(run.stderr).toMatch(/credentials do not belong in the URI; use the adapter's environment variables/);
    }
  });
});
