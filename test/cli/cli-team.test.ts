// The CLI as a team drives it from shell steps: register a version (put), look at it (show, ls, diff, card), fetch it
// for a deploy (get, through the cache), govern it (alias, approve, promote --dry-run, audit), each with --json, and
// per-command help, --version and usage errors that print that command's usage only.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import { runCli } from "../../src/cli/main.js";
import { useWandbFake } from "../wandb/support/setup.js";
import { BASE, ENTITY } from "../wandb/support/wandb-fake.js";
import { io, tempDir } from "./support/helpers.js";

/** Runs the CLI in `cwd`; returns the exit code and the recorded output. */
async function cli(cwd: string, ...argv: string[]) {
  const run = io();
  run.io.cwd = cwd;
  const code = await runCli(argv, run.io);
  return { code, out: run.out(), err: run.err(), lines: run.lines };
}

/** A working directory with two model directories and a card. */
async function workspace(): Promise<string> {
  const cwd = await tempDir();
  await mkdir(join(cwd, "m1"));
  await mkdir(join(cwd, "m2"));
  await writeFile(join(cwd, "m1", "weights.bin"), "first weights");
  await writeFile(join(cwd, "m1", "config.json"), "{}");
  await writeFile(join(cwd, "m2", "weights.bin"), "second weights");
  await writeFile(join(cwd, "m2", "config.json"), "{}");
  await writeFile(join(cwd, "m2", "tokenizer.json"), "[]");
  await writeFile(join(cwd, "card.md"), "# Fraud scorer\n\nScores card transactions.\n");
  return cwd;
}

describe("modelreg put, show, ls, diff and card", () => {
  it("registers versions from a shell step and shows what a reviewer looks for", async () => {
    const cwd = await workspace();
    const put1 = await cli(
      cwd,
      "put",
      "file:./reg",
      "fraud",
      "m1",
      "--metric",
      "auc=0.91",
      "--metric",
      "loss=0.30",
      "--param",
      "lr=0.01",
      "--tag",
      "team=risk",
      "--alias",
      "champion",
      "--data-snapshot",
      "s3://data/train-v1",
      "--card",
      "card.md",
      "--no-git",
      "--json",
    );
    expect(put1.code).toBe(0);
    expect(put1.lines()[0]).toMatchObject({
      type: "created",
      model: "fraud",
      version: "1",
      aliases: ["champion"],
      metrics: { auc: 0.91, loss: 0.3 },
      params: { lr: "0.01" },
      approvals: [],
    });
    const put2 = await cli(
      cwd,
      "put",
      "file:./reg",
      "fraud",
      "m2",
      "--metric",
      "auc=0.94",
      "--metric",
      "loss=0.25",
      "--param",
      "lr=0.02",
      "--parent-version",
      "1",
      "--commit",
      "0123456789abcdef0123456789abcdef01234567",
    );
    expect(put2.code).toBe(0);
    expect(put2.out).toBe("created fraud/2 (commit 0123456789ab)\n");

    // show: metadata, metrics, params, lineage, card, aliases, stage, approvals, files with sizes and digests.
    const show = await cli(cwd, "show", "file:./reg", "fraud@champion");
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/^fraud\/1\n {2}stage: {7}draft\n {2}aliases: {5}champion\n/);
    expect(show.out).toMatch(/^metrics:\n {2}auc {3}0\.91\n {2}loss {2}0\.3$/m);
    expect(show.out).toMatch(/^lineage:\n {2}data {2}s3:\/\/data\/train-v1$/m);
    expect(show.out).toMatch(/^ {2}weights\.bin {2}13 B {2}sha256:[0-9a-f]{64}$/m);
    const shown = (await cli(cwd, "show", "file:./reg", "fraud/2", "--json")).lines()[0] as Record<string, unknown>;
    expect(shown).toMatchObject({ type: "version", version: "2", lineage: { parentVersion: "1", codeCommit: "0123456789abcdef0123456789abcdef01234567" } });
    expect((shown.files as Array<{ path: string; size: number; sha256: string }>).map((f) => [f.path, f.size])).toEqual([
      ["config.json", 2],
      ["tokenizer.json", 2],
      ["weights.bin", 14],
    ]);
    expect(shown).not.toHaveProperty("raw");

    // ls: stage, headline metrics and aliases per version; ordered by a metric on request.
    const ls = await cli(cwd, "ls", "file:./reg", "fraud");
    expect(ls.out.split("\n").filter(Boolean)).toEqual([
      expect.stringMatching(/^fraud\/2 +draft +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}auc=0\.94 loss=0\.25$/),
      expect.stringMatching(/^fraud\/1 +draft +\S+ \S+ {2}auc=0\.91 loss=0\.3 {2}@champion$/),
    ]);
    const byLoss = await cli(cwd, "ls", "file:./reg", "fraud", "--order-by", "loss:asc", "--json");
    expect(byLoss.lines().map((l) => l.version)).toEqual(["2", "1"]);
    const byLossDesc = await cli(cwd, "ls", "file:./reg", "fraud", "--order-by", "loss", "--json");
    expect(byLossDesc.lines().map((l) => l.version)).toEqual(["1", "2"]);

    // diff: params, metrics with deltas, files by digest, lineage.
    const diff = await cli(cwd, "diff", "file:./reg", "fraud/1", "fraud/2");
    expect(diff.code).toBe(0);
    expect(diff.out).toContain("  ~ lr  0.01 -> 0.02");
    expect(diff.out).toContain("  ~ auc  0.91 -> 0.94  (+0.03)");
    expect(diff.out).toContain("  ~ loss  0.3 -> 0.25  (-0.05)");
    expect(diff.out).toMatch(/^ {2}\+ tokenizer\.json {2}sha256:/m);
    expect(diff.out).toMatch(/^ {2}~ weights\.bin {2}sha256:\w+ -> sha256:\w+$/m);
    expect(diff.out).not.toMatch(/config\.json/);
    const diffJson = (await cli(cwd, "diff", "file:./reg", "fraud/1", "fraud/2", "--json")).lines()[0] as Record<string, any>;
    expect(diffJson.metrics.changed.map((c: { key: string; delta: number }) => [c.key, Number(c.delta.toFixed(6))])).toEqual([
      ["auc", 0.03],
      ["loss", -0.05],
    ]);
    expect(diffJson.files).toMatchObject({ added: [{ key: "tokenizer.json" }], removed: [], changed: [{ key: "weights.bin" }], unchanged: 1 });
    expect(diffJson.lineage.added.map((c: { key: string }) => c.key).sort()).toEqual(["codeCommit", "parentVersion"]);

    // card: Markdown with YAML front matter; -o writes a file and refuses to replace one without --force.
    const card = await cli(cwd, "card", "file:./reg", "fraud/1");
    expect(card.out).toMatch(/^---\ntags:\n- "modelreg"\nmetrics:\n- "auc"\n- "loss"\n/);
    expect(card.out).toContain("# Model Card for fraud (version 1)");
    expect(card.out).toContain("## More Information\n\n# Fraud scorer");
    expect((await cli(cwd, "card", "file:./reg", "fraud/1", "-o", "README.md")).code).toBe(0);
    expect(await readFile(join(cwd, "README.md"), "utf8")).toBe(card.out);
    const again = await cli(cwd, "card", "file:./reg", "fraud/2", "-o", "README.md");
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/README\.md already exists; pass --force/);
    expect(await readFile(join(cwd, "README.md"), "utf8")).toBe(card.out);
  });

  it("records the git commit and origin of the checkout it runs in, without the credentials in the origin's URL", async () => {
    const cwd = await workspace();
    const git = (...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" }).trim();
    git("init", "-q");
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "train");
    git("remote", "add", "origin", "https://ci-bot:ghp_secretToken123@github.com/acme/fraud.git");
    const head = git("rev-parse", "HEAD");
    const put = await cli(cwd, "put", "file:./reg", "fraud", "m1", "--json");
    expect(put.code).toBe(0);
    expect(put.lines()[0]).toMatchObject({ lineage: { codeCommit: head, codeRepository: "https://github.com/acme/fraud.git" } });
    expect(put.out).not.toContain("ghp_secretToken123");
    const noGit = await cli(cwd, "put", "file:./reg", "fraud", "m2", "--no-git", "--json");
    expect(noGit.lines()[0]?.lineage).toEqual({});
  });

  it("refuses bad input before writing anything", async () => {
    const cwd = await workspace();
    for (const bad of [
      ["--metric", "auc=high"],
      ["--param", "lr"],
      ["--commit", "not-a-sha"],
      ["--tag", "a=1", "--tag", "a=2"],
    ]) {
      const r = await cli(cwd, "put", "file:./reg", "fraud", "m1", ...bad);
      expect(r.code, bad.join(" ")).toBe(2);
      expect(r.err).toMatch(/^usage:\n {2}put <uri> <model> <dir>/m);
    }
    expect(await readdir(cwd)).not.toContain("reg");
  });
});

describe("modelreg get", () => {
  it("downloads verified files, and through the cache a second get copies instead of downloading", async () => {
    const cwd = await workspace();
    expect((await cli(cwd, "put", "file:./reg", "fraud", "m2", "--no-git", "--alias", "prod")).code).toBe(0);
    const first = await cli(cwd, "get", "file:./reg", "fraud@prod", "out1", "--cache-dir", "cache", "--json");
    expect(first.code).toBe(0);
    expect(first.lines()[0]).toMatchObject({ type: "downloaded", source: "registry", version: "1", totalBytes: 18 });
    const second = await cli(cwd, "get", "file:./reg", "fraud@prod", "out2", "--cache-dir", "cache", "--json");
    expect(second.lines()[0]).toMatchObject({ source: "cache", totalBytes: 18 });
    for (const out of ["out1", "out2"]) expect(await readFile(join(cwd, out, "weights.bin"), "utf8")).toBe("second weights");
    expect((await readdir(join(cwd, "out2"))).sort()).toEqual(["config.json", "tokenizer.json", "weights.bin"]);

    // An existing file is not replaced without --overwrite, and nothing else is written.
    await mkdir(join(cwd, "out3"));
    await writeFile(join(cwd, "out3", "weights.bin"), "mine");
    const clash = await cli(cwd, "get", "file:./reg", "fraud@prod", "out3", "--cache-dir", "cache");
    expect(clash.code).toBe(1);
    expect(await readdir(join(cwd, "out3"))).toEqual(["weights.bin"]);
    expect(await readFile(join(cwd, "out3", "weights.bin"), "utf8")).toBe("mine");

    // A damaged cache entry is caught by its digests, dropped, and the next get downloads again.
    const [entry] = await readdir(join(cwd, "cache", "versions"));
    await writeFile(join(cwd, "cache", "versions", entry as string, "weights.bin"), "tampered weights");
    const damaged = await cli(cwd, "get", "file:./reg", "fraud@prod", "out4", "--cache-dir", "cache");
    expect(damaged.code).toBe(1);
    expect(damaged.err).toMatch(/IntegrityError|does not match/);
    expect(await readdir(join(cwd, "cache", "versions"))).toEqual([]);
    await expect(readdir(join(cwd, "out4"))).resolves.toEqual([]);
    const healed = await cli(cwd, "get", "file:./reg", "fraud@prod", "out5", "--cache-dir", "cache", "--json");
    expect(healed.lines()[0]).toMatchObject({ source: "registry" });
  });

  it("removes what a killed get left in the cache on this host (its process gone or a zombie), and nothing another host or a live run is using", async () => {
    const cwd = await workspace();
    expect((await cli(cwd, "put", "file:./reg", "fraud", "m1", "--no-git")).code).toBe(0);
    const host = hostname().replace(/[^A-Za-z0-9.-]/g, "_");
    // A process that has exited: its pid names no process now (pids are not reused this quickly).
    const dead = spawnSync(process.execPath, ["-e", ""]).pid as number;
    // A zombie: exited, never reaped (its parent, `sleep`, does not wait), which signal 0 still reaches. The child
    // outlives the shell's exec by a second: one that exited first was reaped by the shell on a loaded machine.
    const parent = spawn("sh", ["-c", "sleep 1 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
    const zombie = Number((await new Promise<Buffer>((resolve) => parent.stdout.once("data", resolve))).toString().trim());
    const isZombie = () => {
      try {
        return / Z /.test(readFileSync(`/proc/${zombie}/stat`, "utf8").replace(/^.*\)/s, ")"));
      } catch {
        return false;
      }
    };
    for (let waited = 0; process.platform === "linux" && !isZombie() && waited < 10_000; waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    if (process.platform !== "linux") await new Promise((resolve) => setTimeout(resolve, 1500));
    const left = {
      zombie: `tmp-${host}-${zombie}-0123456789ab`,
      dead: `tmp-${host}-${dead}-0123456789ab`,
      live: `tmp-${host}-${process.ppid}-0123456789ab`,
      otherHost: `tmp-elsewhere.example-${dead}-0123456789ab`,
    };
    for (const name of Object.values(left)) {
      await mkdir(join(cwd, "cache", name, ".modelreg-download-x"), { recursive: true });
      await writeFile(join(cwd, "cache", name, ".modelreg-download-x", "0"), "half a file");
    }
    try {
      if (process.platform === "linux") expect(isZombie(), `process ${zombie} is not a zombie`).toBe(true);
      const got = await cli(cwd, "get", "file:./reg", "fraud/1", "out", "--cache-dir", "cache", "--json");
      expect(got.code, got.err).toBe(0);
      expect((await readdir(join(cwd, "cache"))).sort()).toEqual([left.live, left.otherHost, "versions"].sort());
    } finally {
      parent.kill();
    }
  });

  it("refuses a registry that is not there instead of creating one", async () => {
    const cwd = await workspace();
    const r = await cli(cwd, "get", "file:./nowhere", "fraud/1", "out");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no modelreg registry at/);
    expect(await readdir(cwd)).not.toContain("nowhere");
  });
});

describe("modelreg alias, approve, promote --dry-run and audit", () => {
  it("moves aliases, records approvals, checks a promotion without changing anything, and shows the trail", async () => {
    const cwd = await workspace();
    await cli(cwd, "put", "file:./reg", "fraud", "m1", "--no-git", "--metric", "auc=0.91");
    await cli(cwd, "put", "file:./reg", "fraud", "m2", "--no-git", "--metric", "auc=0.94");
    const set = await cli(cwd, "alias", "set", "file:./reg", "fraud", "champion", "1");
    expect(set.out).toBe("fraud@champion -> 1\n");
    const moved = await cli(cwd, "alias", "set", "file:./reg", "fraud", "champion", "2", "--json");
    expect(moved.lines()[0]).toEqual({ type: "aliasSet", model: "fraud", alias: "champion", version: "2", previous: "1" });

    const dry = await cli(cwd, "promote", "file:./reg", "fraud/2", "--to", "staging", "--gate", "auc >= 0.95", "--dry-run", "--json");
    expect(dry.code).toBe(1);
    expect(dry.lines()[0]).toMatchObject({
      type: "promotionCheck",
      allowed: false,
      failures: [expect.objectContaining({ gate: expect.stringContaining("auc") })],
    });
    const passing = await cli(cwd, "promote", "file:./reg", "fraud/2", "--to", "staging", "--gate", "auc >= 0.9", "--no-policy", "--dry-run");
    expect(passing.code).toBe(0);
    expect(passing.out).toMatch(/^would promote fraud\/2 to staging\n {2}pass {2}metric:auc>=0\.9: auc is 0\.94, meets >= 0\.9\n/);
    expect(passing.out).toMatch(/dry run: nothing changed\n$/);
    const registry = createLocalRegistry({ root: join(cwd, "reg") });
    expect((await registry.getVersion("fraud/2")).stage).toBe("draft");

    const approved = await cli(cwd, "approve", "file:./reg", "fraud@champion", "--role", "risk", "--comment", "backtest ok", "--by", "alice", "--json");
    expect(approved.code).toBe(0);
    expect(approved.lines()[0]).toMatchObject({ type: "approved", version: "2", approvals: [{ by: "alice", role: "risk", comment: "backtest ok" }] });
    expect((await registry.getVersion("fraud/2")).approvals).toEqual([expect.objectContaining({ by: "alice", role: "risk" })]);
    const shown = await cli(cwd, "show", "file:./reg", "fraud/2");
    expect(shown.out).toMatch(/^approvals:\n {2}alice {2}risk, \d{4}-[^:]+:\d\d:\d\d\.\d+Z: backtest ok$/m);

    const removed = await cli(cwd, "alias", "rm", "file:./reg", "fraud", "champion");
    expect(removed.out).toBe("removed fraud@champion\n");
    expect(await registry.listAliases("fraud")).toEqual([]);

    const audit = await cli(cwd, "audit", "file:./reg", "fraud", "--json");
    const events = audit.lines().map((e) => `${e.event} ${e.version ?? ""} ${e.alias ?? ""}`.trim());
    expect(events).toEqual([
      "model.created",
      "version.created 1",
      "version.created 2",
      "alias.set 1 champion",
      "alias.set 2 champion",
      "approval.recorded 2",
      "version.updated 2",
      "alias.deleted 2 champion",
    ]);
    const text = await cli(cwd, "audit", "file:./reg", "fraud");
    expect(text.out).toMatch(/^\S+Z {2}approval\.recorded +fraud\/2 {2}by alice$/m);
    const since = await cli(cwd, "audit", "file:./reg", "--since", "2999-01-01", "--json");
    expect(since.lines()).toEqual([]);
  });
});

describe("help, version and errors", () => {
  it("prints the version, one command's usage for --help and for its usage errors, and exit codes 0/1/2", async () => {
    const cwd = await tempDir();
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    expect((await cli(cwd, "--version")).out).toBe(`modelreg ${pkg.version}\n`);
    const help = await cli(cwd, "get", "--help");
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage:\n {2}get <uri> <ref> <dir>/);
    expect(help.out).not.toMatch(/^ {2}(sync|put|show) /m);
    const wrong = await cli(cwd, "diff", "file:./reg", "fraud/1");
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/^modelreg diff: expected diff <uri> <refA> <refB>\n\nusage:\n {2}diff /);
    expect(wrong.err).not.toMatch(/^ {2}sync /m);
    const unknownOption = await cli(cwd, "show", "file:./reg", "fraud/1", "--bogus");
    expect(unknownOption.code).toBe(2);
    expect((await cli(cwd, "help", "approve")).out).toMatch(/^usage:\n {2}approve <uri> <ref>/);
    expect((await cli(cwd, "help")).out).toMatch(/^usage: modelreg <command>/);
  });
});

describe("errors from missing credentials", () => {
  const { server } = useWandbFake();
  it("name the variable to set", async () => {
    expect(server).toBeDefined();
    const run = io({ env: { WANDB_API_KEY: "wrong-key" } });
    const code = await runCli(["ls", `wandb://${ENTITY}/fraud?baseUrl=${BASE}`], run.io);
    expect(code).toBe(1);
    expect(run.err()).toMatch(/hint: the wandb credentials were refused or are missing: set WANDB_API_KEY/);
    expect(run.err()).not.toContain("wrong-key");
    const json = io({ env: { WANDB_API_KEY: "wrong-key" } });
    await runCli(["ls", `wandb://${ENTITY}/fraud?baseUrl=${BASE}`, "--json"], json.io);
    expect(json.lines()[0]).toMatchObject({
      type: "error",
      usage: false,
      error: { kind: "AuthenticationError" },
      hint: expect.stringContaining("WANDB_API_KEY"),
    });
  });
});
