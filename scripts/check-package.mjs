// Packs the package as npm would publish it and lints the tarball: publint for package.json and exports,
// @arethetypeswrong/cli for type resolution under node16 (ESM and CJS) and bundlers.
// The node10 resolution is not checked: engines.node is >= 20.19, which always reads "exports".
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { distIsFresh } from "./dist-fresh.mjs";

const out = mkdtempSync(join(tmpdir(), "modelreg-pack-"));
const run = (cmd, args) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
try {
  // Build first (unless dist/ is newer than its sources: CI has just built it) with its output shown, then pack
  // without scripts so stdout is only the JSON report.
  if (distIsFresh()) console.log("dist/ is newer than its sources: packing it as it is");
  else execFileSync("npm", ["run", "build", "--silent"], { stdio: "inherit" });
  const packed = JSON.parse(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", out]));
  const tarball = join(out, packed[0].filename);
  console.log(`packed ${packed[0].filename}: ${packed[0].size} bytes, ${packed[0].entryCount} files`);
  console.log(run("npx", ["publint", "run", tarball, "--strict"]));
  console.log(run("npx", ["attw", tarball, "--profile", "node16", "--exclude-entrypoints", "./testing"]));
  // modelreg/testing is ESM only, as vitest is.
  console.log(run("npx", ["attw", tarball, "--profile", "esm-only", "--entrypoints", "./testing"]));
} finally {
  rmSync(out, { recursive: true, force: true });
}
