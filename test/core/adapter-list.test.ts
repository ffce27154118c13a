// The one list of adapters (src/adapters/adapters.ts) and everything that follows from it: the adapter folders the
// build configs read, package.json `exports`, the README's adapters table, the CLI's usage text, sync's managed
// aliases, and the rule that a descriptor loads nothing heavy.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ADAPTERS, adapterById } from "../../src/adapters/adapters.js";
import { USAGE } from "../../src/cli/main.js";
import { parseRegistryUri, targetReservedAliases } from "modelreg/sync";
import { adapterIds, exportsMap } from "../../scripts/package-entries.mjs";

describe("the adapter list", () => {
  it("names every adapter folder, and only those: a folder with a descriptor is not an adapter until it is listed", () => {
    expect(ADAPTERS.map((adapter) => adapter.id).sort()).toEqual(adapterIds());
  });

  it("gives every adapter its own id, subpath and schemes", () => {
    const schemes = ADAPTERS.flatMap((adapter) => adapter.schemes);
    expect(new Set(schemes).size, "a scheme claimed twice").toBe(schemes.length);
    for (const adapter of ADAPTERS) {
      expect(adapter.subpath).toBe(`modelreg/${adapter.id}`);
      expect(adapterById(adapter.id)).toBe(adapter);
      for (const scheme of adapter.schemes) expect(scheme, adapter.id).toMatch(/^[a-z][a-z0-9+.-]*$/);
      expect(adapter.schemes, `${adapter.id}: its example's scheme`).toContain(adapter.uriExample.slice(0, adapter.uriExample.indexOf(":")));
      expect(adapter.description, adapter.id).not.toMatch(/\n/);
    }
  });

  it("keeps package.json exports as the entries make them (npm run generate:exports rewrites it)", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { exports: unknown };
    expect(pkg.exports, "package.json exports are out of date: run npm run generate:exports").toEqual(exportsMap());
    // toEqual ignores key order, and the order is what a reader of package.json sees.
    expect(Object.keys(pkg.exports as object)).toEqual(Object.keys(exportsMap()));
  });

  it("has a row for every adapter in the README's adapters table, and none for another", () => {
    const rows = readFileSync("README.md", "utf8")
      .split("\n")
      .map((line) => line.split("|").map((cell) => cell.trim()))
      // | Adapter | `modelreg/<id>` | `<uri>` | credentials |
      .filter((cells) => cells.length === 6 && /^`modelreg\/[a-z0-9-]+`$/.test(cells[2] ?? ""));
    expect(rows.map((cells) => cells[2]).sort()).toEqual(ADAPTERS.map((adapter) => `\`${adapter.subpath}\``).sort());
    for (const adapter of ADAPTERS) {
      const row = rows.find((cells) => cells[2] === `\`${adapter.subpath}\``);
      expect(row?.[3], adapter.id).toBe(`\`${adapter.uriExample}\``);
    }
  });

  it("describes every adapter's URI and credentials in the CLI's usage text", () => {
    for (const adapter of ADAPTERS) {
      expect(USAGE).toContain(`  ${adapter.uriExample}`);
      expect(USAGE).toContain(adapter.description);
      for (const credential of adapter.credentials) expect(USAGE.replace(/\s+/g, " ")).toContain(credential);
    }
  });

  it("routes every scheme to its adapter, and tells sync which aliases each manages", () => {
    const examples: Record<string, string> = {
      local: "file:./r",
      mlflow: "mlflow+https://h",
      vertex: "vertex://p/us-central1?bucket=bkt",
      wandb: "wandb://team/p",
      sagemaker: "sagemaker://us-east-1/bucket",
    };
    for (const adapter of ADAPTERS) {
      if (examples[adapter.id] !== undefined) expect(parseRegistryUri(examples[adapter.id]!, "/").kind).toBe(adapter.id);
      expect([...targetReservedAliases({ provider: adapter.id })].sort()).toEqual([...adapter.managedAliases].sort());
    }
    expect([...targetReservedAliases({ provider: "wandb" })].sort()).toEqual(["latest", "production", "staging"]);
    expect([...targetReservedAliases({ provider: "vertex" })].sort()).toEqual(["default", "production", "staging"]);
    expect([...targetReservedAliases({ provider: "someone-else" }, ["x"])]).toEqual(["x"]);
  });

  it("keeps descriptors light: they import types, Node built-ins, the core and import-free constants, and load the adapter only in load()", () => {
    const importsOf = (source: string) => [...source.matchAll(/^import\s+(type\s+)?[^;]*?from\s+"([^"]+)";/gms)];
    for (const adapter of ADAPTERS) {
      const file = `src/adapters/${adapter.id}/${adapter.id}-descriptor.ts`;
      const source = readFileSync(file, "utf8");
      for (const [, typeOnly, from = ""] of importsOf(source)) {
        if (typeOnly) continue;
        // A sibling module the adapter shares with its descriptor (its managed aliases) must import nothing itself.
        if (/^\.\/[\w-]+\.js$/.test(from) && from !== "./index.js") {
          const sibling = `src/adapters/${adapter.id}/${from.slice(2, -3)}.ts`;
          expect(importsOf(readFileSync(sibling, "utf8")), `${sibling}, imported by ${file}, imports nothing`).toEqual([]);
          continue;
        }
        expect(from, `${file} imports ${from}`).toMatch(/^(node:|\.\.\/\.\.\/core\/|\.\.\/\.\.\/runtime\/)/);
      }
      expect(source, `${file} loads its adapter lazily`).toMatch(/load:\s*async\s*\(\)\s*=>\s*\(await import\("\.\/index\.js"\)\)/);
    }
  });
});
