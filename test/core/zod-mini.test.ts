// The adapters' runtime schemas use zod/mini: one zod classic import anywhere in an adapter's import graph bundles all
// of classic (about 27 KiB gzipped against 6, and about 25 ms more at import). zod/mini has no English messages of its
// own, so the schemas register zod's English locale (src/core/zod-locale.ts) and their errors read as before.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { childScript } from "../support/child-script.js";

/** Folders still converting to zod/mini: remove each once it has no runtime zod classic import. */
const NOT_YET_MINI: string[] = [];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return NOT_YET_MINI.includes(path) ? [] : sources(path);
    return /\.ts$/.test(entry.name) ? [path] : [];
  });
}

describe("zod in src", () => {
  it("is imported at runtime only as zod/mini (type-only imports of anything are fine)", () => {
    const classic = sources("src").filter((file) =>
      /^\s*import\s+(?!type\b)[^;]*?from\s+["']zod(?:\/v4)?["']|import\(\s*["']zod(?:\/v4)?["']\s*\)/m.test(readFileSync(file, "utf8")),
    );
    expect(classic).toEqual([]);
  });

  let child = "";
  beforeAll(async () => {
    child = await childScript(new URL("./support/zod-messages-child.ts", import.meta.url));
  }, 60_000);

  it("gives zod classic's English messages with no zod classic in the process", () => {
    const out = JSON.parse(execFileSync(process.execPath, [child], { encoding: "utf8" })) as Record<string, string>;
    expect(out).toEqual({
      mlflowResponse: "Invalid input: expected string, received number",
      mlflowOptions: "must be a Python module name such as fraud_loader",
      localModel: "Too small: expected number to be >=0",
      localFile: "Invalid input: expected string, received undefined",
    });
  });
});
