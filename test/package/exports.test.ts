// Installs the packed tarball into a scratch project, as a user would, and loads every subpath through both
// import and require. This catches missing files, broken exports maps, and duplicated error classes between
// subpaths (the CJS build must share one chunk, or instanceof across subpaths is false).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distIsFresh } from "../../scripts/dist-fresh.mjs";
import { packageEntries } from "../../scripts/package-entries.mjs";

/**
 * Every subpath in package.json `exports` (generated from the entries and adapter folders) must export, when
 * installed, at least what its source entry exports: the names are read from the source, so a new adapter or a new
 * export is checked without editing this file.
 */
const ENTRIES = packageEntries().map((entry) => ({ ...entry, specifier: entry.subpath === "." ? "modelreg" : `modelreg/${entry.subpath.slice(2)}` }));
const SUBPATHS: Record<string, string[]> = Object.fromEntries(
  await Promise.all(ENTRIES.map(async (entry) => [entry.specifier, Object.keys(await import(`../../${entry.source}`)).sort()] as const)),
);

/** Subpaths without a CJS build. */
const ESM_ONLY = new Set(ENTRIES.filter((entry) => !entry.cjs).map((entry) => entry.specifier));

let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "modelreg-consumer-"));
  // A fresh clone has no dist/: build it (unless its JavaScript is newer than its sources: this test loads nothing
  // else, and CI bundles the types beside it), then pack without scripts so stdout is only the JSON report.
  if (!distIsFresh({ types: false })) execFileSync("npm", ["run", "build", "--silent"], { stdio: "ignore" });
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", project], { encoding: "utf8" }));
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  // vitest is the testing entry's peer dependency: a consumer of modelreg/testing has it, at the version we test with.
  const vitest = JSON.parse(readFileSync("node_modules/vitest/package.json", "utf8")).version;
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", join(project, packed[0].filename), `vitest@${vitest}`], {
    cwd: project,
    stdio: "ignore",
  });
}, 300_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: project, encoding: "utf8" });
}

describe("the packed package", () => {
  it("checks the entries it should: the core, every adapter, sync, testing and adapter", () => {
    expect(Object.keys(SUBPATHS)).toEqual(
      expect.arrayContaining([
        "modelreg",
        "modelreg/local",
        "modelreg/mlflow",
        "modelreg/vertex",
        "modelreg/wandb",
        "modelreg/sync",
        "modelreg/testing",
        "modelreg/adapter",
      ]),
    );
    expect(SUBPATHS.modelreg).toEqual(
      expect.arrayContaining(["parseRef", "ModelRegistryError", "NotFoundError", "checkSignature", "promote", "createWebhookNotifier"]),
    );
    expect(SUBPATHS["modelreg/adapter"]).toEqual(
      expect.arrayContaining(["RegistryFacade", "paginate", "assertModelName", "RegistryEventBus", "stampEvent", "checkCreateVersionInput"]),
    );
  });

  for (const [subpath, names] of Object.entries(SUBPATHS)) {
    it(`imports ${subpath} (ESM)`, () => {
      const out = node(["--input-type=module", "-e", `const m = await import(${JSON.stringify(subpath)}); console.log(JSON.stringify(Object.keys(m)))`]);
      expect(JSON.parse(out)).toEqual(expect.arrayContaining(names));
    });

    if (ESM_ONLY.has(subpath)) {
      it(`refuses to require ${subpath}, which is ESM only like vitest`, () => {
        expect(() => node(["-e", `require(${JSON.stringify(subpath)})`])).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
      });
      continue;
    }

    it(`requires ${subpath} (CJS)`, () => {
      const out = node(["-e", `const m = require(${JSON.stringify(subpath)}); console.log(JSON.stringify(Object.keys(m)))`]);
      expect(JSON.parse(out)).toEqual(expect.arrayContaining(names));
    });
  }

  it("shares one copy of the error classes between subpaths, in each format", () => {
    const check = `
      const core = X("modelreg"); const local = X("modelreg/local");
      const registry = local.createLocalRegistry({ root: require("node:os").tmpdir() + "/modelreg-exports-" + process.pid + "-" + Math.random().toString(36).slice(2) });
      registry.getModel("missing").then(
        () => { console.log("resolved"); },
        (e) => { console.log(JSON.stringify({ instance: e instanceof core.NotFoundError, marker: core.NotFoundError.isInstance(e) })); },
      );`;
    const cjs = node(["-e", check.replaceAll("X(", "require(")]);
    expect(JSON.parse(cjs)).toEqual({ instance: true, marker: true });
    const esm = node([
      "--input-type=module",
      "-e",
      `import { createRequire } from "node:module"; const require = createRequire(import.meta.url);
      const m = { modelreg: await import("modelreg"), "modelreg/local": await import("modelreg/local") }; const X = (s) => m[s];
      ${check.replace(/const core = .*?;/, 'const core = X("modelreg");')}`,
    ]);
    expect(JSON.parse(esm)).toEqual({ instance: true, marker: true });
  });

  it("sends a JSON request through ky from both builds (require and import of modelreg/mlflow)", () => {
    // A loopback MLflow that knows no model: the typed NotFoundError proves the request went out and its answer was
    // read. The CommonJS build once failed every JSON request with "ky is not a function" before sending any.
    const script = (load: string) => `
      const http = require("node:http");
      const server = http.createServer((req, res) => {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error_code: "RESOURCE_DOES_NOT_EXIST", message: "Registered Model with name=nope not found" }));
      });
      server.listen(0, "127.0.0.1", async () => {
        const { createMlflowRegistry } = ${load};
        const registry = createMlflowRegistry({ trackingUri: "http://127.0.0.1:" + server.address().port, maxRetries: 0 });
        try { await registry.getModel("nope"); console.log(JSON.stringify({ kind: "none" })); }
        catch (error) { console.log(JSON.stringify({ kind: error.kind, message: error.message })); }
        server.close();
      });`;
    for (const load of ['require("modelreg/mlflow")', 'await import("modelreg/mlflow")']) {
      const out = node(["-e", script(load)]);
      expect(JSON.parse(out), load).toMatchObject({ kind: "NotFoundError" });
    }
  });

  it("installs the modelreg command, which prints its usage, lists a local registry and creates none by listing", () => {
    const bin = join(project, "node_modules", ".bin", "modelreg");
    expect(execFileSync(bin, ["--help"], { cwd: project, encoding: "utf8" })).toMatch(/usage: modelreg <command>/);
    const root = mkdtempSync(join(tmpdir(), "modelreg-bin-"));
    try {
      // An empty directory is not a registry, and ls, which only reads, does not make it one.
      const refused = spawnSync(bin, ["ls", `file:${root}`], { cwd: project, encoding: "utf8" });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain(`no modelreg registry at ${root}`);
      expect(readdirSync(root)).toEqual([]);
      node([
        "--input-type=module",
        "-e",
        `import { createLocalRegistry } from "modelreg/local";
        await createLocalRegistry({ root: ${JSON.stringify(root)} }).createVersion("fraud", { artifacts: { entries: [{ path: "m.bin", content: "x" }] } });`,
      ]);
      const listed = execFileSync(bin, ["ls", `file:${root}`, "--json"], { cwd: project, encoding: "utf8" });
      expect(JSON.parse(listed)).toMatchObject({ type: "model", name: "fraud", latestVersion: "1" });
      let status: number | null = null;
      try {
        execFileSync(bin, ["nonsense"], { cwd: project, stdio: "pipe" });
      } catch (error) {
        status = (error as { status: number | null }).status;
      }
      expect(status).toBe(2);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("keeps Node built-ins out of the core entry's module graph", () => {
    // Follow the ESM graph from dist/index.js through its chunks; the core must load where there is no fs.
    const dist = join(project, "node_modules", "modelreg", "dist");
    const seen = new Set<string>();
    const builtins = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(join(dist, file), "utf8");
      for (const match of code.matchAll(/(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^import\s*["']([^"']+)["']/gm)) {
        const spec = match[1] ?? match[2] ?? match[3]!;
        if (spec.startsWith("./")) visit(spec.slice(2));
        else if (spec.startsWith("node:") || ["fs", "path", "os", "child_process"].includes(spec)) builtins.add(spec);
      }
    };
    visit("index.js");
    expect(seen.size).toBeGreaterThan(0);
    expect([...builtins]).toEqual([]);
  });

  it("leaves what only calls need unloaded when an adapter is imported (cold start, bench/cold-start.ts)", () => {
    // fetch (undici, which ky makes Node load), node:http and the file and hashing modules cost tens of milliseconds
    // together; an import of an adapter loads none of them, the first call that needs one does. The local registry
    // is all files, but it too loads them with its first call.
    const later = ["crypto", "fs/promises", "stream", "stream/promises", "readline", "os", "http", "https", "zlib", "internal/deps/undici/undici"];
    for (const specifier of ["modelreg/mlflow", "modelreg/vertex", "modelreg/wandb", "modelreg/local"]) {
      const script = `const before = new Set(process.moduleLoadList); const m = await import(${JSON.stringify(specifier)}); const added = process.moduleLoadList.filter((x) => !before.has(x)).map((x) => x.replace(/^NativeModule /, "")); console.log(JSON.stringify({ exports: Object.keys(m).length, loaded: ${JSON.stringify(later)}.filter((x) => added.includes(x)) }));`;
      const out = JSON.parse(node(["--input-type=module", "-e", script])) as { exports: number; loaded: string[] };
      expect(out.exports, specifier).toBeGreaterThan(0);
      expect(out.loaded, specifier).toEqual([]);
    }
  });
});
