import { readdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import { runCli } from "../../src/cli/main.js";
import { parseRegistryUri } from "modelreg/sync";
import { registryIdentity } from "../../src/cli/cli-locations.js";
import { InvalidInputError } from "modelreg";
import { http, HttpResponse } from "msw";
import { API_KEY, BASE, ENTITY, STORAGE } from "../wandb/support/wandb-fake.js";
import { useWandbFake } from "../wandb/support/setup.js";
import { io, tempDir } from "./support/helpers.js";

const { fake, server } = useWandbFake();
async function seeded(): Promise<string> {
  const root = await tempDir();
  const r = createLocalRegistry({ root });
  await r.createVersion("fraud", { artifacts: { entries: [{ path: "m.bin", content: "a".repeat(200_000) }] }, metrics: { auc: 0.91 }, aliases: ["champion"] });
  await r.createVersion("fraud", { artifacts: { entries: [{ path: "m.bin", content: "b".repeat(300_000) }] }, metrics: { auc: 0.93 } });
  return root;
}

describe("registry URIs", () => {
  it("parses each kind, and refuses credentials, unknown schemes and missing parts", () => {
    expect(parseRegistryUri("file:./reg", "/work")).toEqual({ kind: "local", root: "/work/reg" });
    expect(parseRegistryUri("file:///abs/reg")).toEqual({ kind: "local", root: "/abs/reg" });
    expect(parseRegistryUri("mlflow+http://127.0.0.1:5000/?experiment=sync")).toEqual({
      kind: "mlflow",
      trackingUri: "http://127.0.0.1:5000",
      experimentName: "sync",
    });
    expect(parseRegistryUri("mlflow+https://host.example/mlflow")).toEqual({ kind: "mlflow", trackingUri: "https://host.example/mlflow" });
    expect(parseRegistryUri("vertex://my-proj/us-central1?bucket=gs://models-bkt/prefix")).toEqual({
      kind: "vertex",
      project: "my-proj",
      location: "us-central1",
      artifactRoot: "gs://models-bkt/prefix",
    });
    expect(parseRegistryUri("wandb://team/fraud")).toEqual({ kind: "wandb", entity: "team", project: "fraud" });
    for (const bad of ["", "bogus://x", "mlflow+http://user:secret@host", "vertex://p/us-central1", "vertex://p?bucket=b", "wandb://team", "not a uri"]) {
      expect(() => parseRegistryUri(bad), bad).toThrow(InvalidInputError);
    }
    expect(() => parseRegistryUri("mlflow+http://user:hunter2@host")).toThrow(/credentials do not belong/);
  });
});

describe("modelreg sync", () => {
  it("dry-runs, then copies, then copies nothing the second time", async () => {
    const source = await seeded();
    const target = join(await tempDir(), "target");
    // A dry run only reads its target, so the target must exist: an empty registry, made by the library.
    for await (const _ of createLocalRegistry({ root: target }).listModels()) break;
    const dry = io();
    expect(await runCli(["sync", `file:${source}`, `file:${target}`, "--model", "fraud", "--dry-run"], dry.io)).toBe(0);
    expect(dry.out()).toMatch(/^copy fraud\/1 -> \(new\): alias champion$/m);
    expect(dry.out()).toMatch(/dry run: 2 to copy.*nothing changed/);
    const first = io();
    expect(await runCli(["sync", `file:${source}`, `file:${target}`, "--model", "fraud", "--json"], first.io)).toBe(0);
    const report = first.lines().at(-1);
    expect(report).toMatchObject({ type: "report", counts: { created: 2, failed: 0 }, bytesCopied: 500_000 });
    expect(first.lines().filter((l) => l.type === "version.done")).toHaveLength(2);
    expect(await createLocalRegistry({ root: target }).resolveAlias("fraud", "champion")).toBe("1");
    const second = io();
    expect(await runCli(["sync", `file:${source}`, `file:${target}`, "-m", "fraud", "--json"], second.io)).toBe(0);
    expect(second.lines().at(-1)).toMatchObject({ counts: { created: 0, skipped: 2 }, bytesCopied: 0 });
    // A dry run names the target version each item concerns, in text and in JSON.
    const redry = io();
    expect(await runCli(["sync", `file:${source}`, `file:${target}`, "-m", "fraud", "--dry-run"], redry.io)).toBe(0);
    expect(redry.out()).toMatch(/^skip fraud\/1 -> 1: already-synced$/m);
    const jsonDry = io();
    expect(await runCli(["sync", `file:${source}`, `file:${target}`, "-m", "fraud", "--dry-run", "--json"], jsonDry.io)).toBe(0);
    expect(jsonDry.lines().at(-1)?.plan).toEqual([
      expect.objectContaining({ version: "1", action: "skip", targetVersion: "1" }),
      expect.objectContaining({ version: "2", action: "skip", targetVersion: "2" }),
    ]);
  });

  it("draws a progress bar on a terminal and prints one line per version", async () => {
    const source = await seeded();
    const run = io({ tty: true });
    expect(await runCli(["sync", `file:${source}`, `file:${join(await tempDir(), "t")}`], run.io)).toBe(0);
    expect(run.err()).toMatch(/\r\x1b\[2K\[#*\.*\] +\d+% fraud\/\d/);
    expect(run.out()).toMatch(/copied +fraud\/1 -> 1/);
    expect(run.out()).toMatch(/synced: 2 copied, 0 updated, 0 skipped, 0 in conflict, 0 failed/);
    const plain = io();
    expect(await runCli(["sync", `file:${source}`, `file:${join(await tempDir(), "t2")}`], plain.io)).toBe(0);
    expect(plain.err()).not.toContain("\r");
  });

  it("syncs into W&B named by URI, with the key from the environment only", async () => {
    const source = await seeded();
    const run = io({ env: { WANDB_API_KEY: API_KEY } });
    expect(await runCli(["sync", `file:${source}`, `wandb://${ENTITY}/cli-sync?baseUrl=${BASE}`, "--json"], run.io)).toBe(0);
    expect(run.lines().at(-1)).toMatchObject({ counts: { created: 2, failed: 0 } });
    expect([...fake.collections.keys()]).toContain(`${ENTITY}/cli-sync/fraud`);
    expect(run.out()).not.toContain(API_KEY);
  });

  it("exits 1 with the typed error when a version fails, and 2 on usage errors", async () => {
    const noKey = io({ env: {} });
    // A missing key is the environment's fault, not the command line's: exit 1, with the typed error.
    expect(await runCli(["sync", `file:${await seeded()}`, `wandb://${ENTITY}/x?baseUrl=${BASE}`, "--json"], noKey.io)).toBe(1);
    expect(noKey.lines()[0]).toMatchObject({ type: "error", usage: false, error: { name: "InvalidInputError", provider: "wandb" } });
    const wrongKey = io({ env: { WANDB_API_KEY: "z".repeat(40) } });
    expect(await runCli(["sync", `file:${await seeded()}`, `wandb://${ENTITY}/x?baseUrl=${BASE}`, "--json"], wrongKey.io)).toBe(1);
    expect(wrongKey.lines().at(-1)).toMatchObject({ type: "error", error: { name: "AuthenticationError" } });
    expect(JSON.stringify(wrongKey.lines())).not.toContain("z".repeat(40));
    // One version's upload is refused by storage: it fails with its typed error, the other is still copied.
    server.use(http.put(`${STORAGE}/upload/:token`, () => new HttpResponse("<Error>AccessDenied</Error>", { status: 403 }), { once: true }));
    const partial = io({ env: { WANDB_API_KEY: API_KEY } });
    expect(await runCli(["sync", `file:${await seeded()}`, `wandb://${ENTITY}/cli-partial?baseUrl=${BASE}`, "--json"], partial.io)).toBe(1);
    const report = partial.lines().at(-1) as { counts: { created: number; failed: number }; failures: Array<{ error: { name: string } }> };
    expect(report.counts).toMatchObject({ created: 1, failed: 1 });
    expect(report.failures[0]?.error.name).toBe("PermissionDeniedError");
    expect(partial.lines().some((l) => l.type === "failed")).toBe(true);
    for (const argv of [
      ["sync", "file:/a"],
      ["sync", "file:/a", "file:/b", "--versions", "some"],
      ["sync", "file:/a", "file:/b", "--bogus"],
      ["frobnicate"],
      ["sync", "bogus://x", "file:/b"],
    ]) {
      const u = io();
      expect(await runCli(argv, u.io), argv.join(" ")).toBe(2);
    }
  });
});

describe("modelreg promote, rollback and ls", () => {
  it("promotes with a metric gate, lists, rolls back, and exits 1 when a gate blocks", async () => {
    const root = await seeded();
    const uri = `file:${root}`;
    const a = io();
    expect(await runCli(["promote", uri, "fraud/1", "--to", "production", "--no-policy", "--gate", "auc >= 0.9"], a.io)).toBe(0);
    expect(a.out()).toBe("promoted fraud/1 to production\n");
    const b = io();
    expect(await runCli(["promote", uri, "fraud/2", "--to", "production", "--no-policy", "--json"], b.io)).toBe(0);
    expect(b.lines()[0]).toMatchObject({ type: "promoted", version: "2", from: "1" });
    const blocked = io();
    expect(await runCli(["promote", uri, "fraud/1", "--to", "alias:best", "--no-policy", "--gate", "auc >= 0.99"], blocked.io)).toBe(1);
    expect(blocked.err()).toMatch(/auc/);
    const ls = io();
    expect(await runCli(["ls", uri, "fraud", "--json"], ls.io)).toBe(0);
    expect(ls.lines().map((l) => [l.version, l.stage])).toEqual([
      ["2", "production"],
      ["1", "archived"],
    ]);
    const back = io();
    expect(await runCli(["rollback", uri, "fraud", "--stage", "production"], back.io)).toBe(0);
    expect(back.out()).toBe("rolled back production of fraud: 2 -> 1\n");
    const models = io();
    expect(await runCli(["ls", uri], models.io)).toBe(0);
    expect(models.out()).toMatch(/^fraud {2}latest 2 {2}champion=1\n$/);
  });
});

describe("read-only commands never create a registry (issue 13, item 15)", () => {
  it("ls, sync's source and a dry run's target refuse a missing registry, name its path, and create nothing", async () => {
    const parent = await tempDir();
    const missing = join(parent, "does-not-exist");
    const empty = await tempDir();
    const source = await seeded();
    const cases: Array<{ argv: string[]; path: string }> = [
      { argv: ["ls", `file:${missing}`], path: missing },
      { argv: ["ls", "file:./does-not-exist", "fraud"], path: missing },
      // An existing directory without modelreg.json is not a registry either, and ls must not make it one.
      { argv: ["ls", `file:${empty}`], path: empty },
      { argv: ["sync", `file:${missing}`, `file:${join(parent, "target")}`], path: missing },
      { argv: ["sync", `file:${source}`, `file:${missing}`, "--dry-run"], path: missing },
    ];
    for (const { argv, path } of cases) {
      const run = io();
      run.io.cwd = parent;
      expect(await runCli(argv, run.io), argv.join(" ")).toBe(1);
      expect(run.err()).toContain(`no modelreg registry at ${path}`);
      const json = io();
      json.io.cwd = parent;
      expect(await runCli([...argv, "--json"], json.io)).toBe(1);
      expect(json.lines()[0]).toMatchObject({ type: "error", usage: false, error: { name: "NotFoundError", provider: "local" } });
    }
    // Nothing was created: not the missing directories, not the sync target, not a marker in the empty one.
    expect(await readdir(parent)).toEqual([]);
    expect(await readdir(empty)).toEqual([]);
  });

  it("writing commands still create one: sync's target", async () => {
    const target = join(await tempDir(), "new");
    const run = io();
    expect(await runCli(["sync", `file:${await seeded()}`, `file:${target}`, "--json"], run.io)).toBe(0);
    expect(await readdir(target)).toContain("modelreg.json");
  });
});

describe("sync refuses one registry as source and target (issue 13, item 16)", () => {
  it("compares normalised locations and exits 2 before opening either", async () => {
    const root = await seeded();
    const parent = join(root, "..");
    const link = join(await tempDir(), "link");
    await symlink(root, link);
    const same: Array<[string, string]> = [
      [`file:${root}`, `file:${root}`],
      [`file:${root}`, `file:${root}/`],
      [`file:${root}`, `file://${root}`],
      [`file:${root}`, `file:./${root.split("/").at(-1)}`],
      [`file:${root}`, `file:${link}`],
      [`file:${join(link, "sub")}`, `file:${join(root, "sub")}`],
      ["mlflow+http://127.0.0.1:1/", "mlflow+http://127.0.0.1:1?experiment=other"],
      ["mlflow+http://MLflow.Example:80/a//", "mlflow+http://mlflow.example/a"],
      ["vertex://proj/us-central1?bucket=one", "vertex://proj/us-central1?bucket=two/prefix"],
      ["vertex://proj/us-central1?bucket=one", "vertex://proj/us-central1?bucket=one&apiEndpoint=https://us-central1-aiplatform.googleapis.com"],
      [`wandb://${ENTITY}/p?baseUrl=${BASE}`, `wandb://${ENTITY}/p?baseUrl=${BASE}/`],
    ];
    for (const [a, b] of same) {
      const run = io();
      run.io.cwd = parent;
      expect(await runCli(["sync", a, b], run.io), `${a} ${b}`).toBe(2);
      expect(run.err()).toContain("source and target are the same registry");
    }
    const json = io();
    expect(await runCli(["sync", `file:${root}`, `file:${link}`, "--json"], json.io)).toBe(2);
    expect(json.lines()[0]).toMatchObject({ type: "error", usage: true });
    // Nothing was copied into it: still the two versions seeded.
    const ls = io();
    expect(await runCli(["ls", `file:${root}`, "fraud", "--json"], ls.io)).toBe(0);
    expect(ls.lines()).toHaveLength(2);
    // Different registries are told apart: another directory, MLflow path or scheme, Vertex region or project, W&B
    // project or host.
    const id = (uri: string) => registryIdentity(parseRegistryUri(uri, parent), {});
    for (const [a, b] of [
      [`file:${root}`, `file:${root}-other`],
      ["mlflow+http://127.0.0.1:1/a", "mlflow+http://127.0.0.1:1/b"],
      ["mlflow+http://127.0.0.1:1", "mlflow+https://127.0.0.1:1"],
      ["vertex://proj/us-central1?bucket=one", "vertex://proj/europe-west4?bucket=one"],
      ["vertex://proj/us-central1?bucket=one", "vertex://other/us-central1?bucket=one"],
      ["wandb://team/p", "wandb://team/q"],
      ["wandb://team/p", "wandb://team/p?baseUrl=https://wandb.internal"],
    ] as const) {
      expect(await id(a), `${a} ${b}`).not.toBe(await id(b));
    }
    // W&B's host defaults as the adapter's does: WANDB_BASE_URL, then api.wandb.ai.
    expect(await registryIdentity(parseRegistryUri("wandb://team/p"), { WANDB_BASE_URL: "https://wandb.internal/" })).toBe(
      await id("wandb://team/p?baseUrl=https://wandb.internal"),
    );
    expect(await id("wandb://team/p")).toBe(await id("wandb://team/p?baseUrl=https://api.wandb.ai/"));
  });
});

describe("--json errors carry their fields (issue 13, item 17)", () => {
  it("a blocked promotion lists its failing gates", async () => {
    const uri = `file:${await seeded()}`;
    const run = io();
    expect(await runCli(["promote", uri, "fraud/1", "--to", "production", "--no-policy", "--gate", "auc >= 0.99", "--json"], run.io)).toBe(1);
    const [line] = run.lines() as [
      {
        type: string;
        error: { name: string; kind: string; provider: string; operation: string; isRetryable: boolean; failures: Array<{ gate: string; reason: string }> };
      },
    ];
    expect(line).toMatchObject({ type: "error", usage: false, error: { name: "PromotionBlockedError", kind: "PromotionBlockedError", isRetryable: false } });
    expect(line.error.failures).toHaveLength(1);
    expect(line.error.failures[0]?.gate).toMatch(/auc/);
    expect(line.error.failures[0]?.reason).toMatch(/0\.91/);
  });
});
