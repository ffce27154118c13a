// Writes package.json `exports` from the package's entries (scripts/package-entries.mjs: the fixed entries plus one
// per adapter folder), so adding an adapter never means editing it by hand. `npm run generate:exports` writes it;
// with --check it only exits 1 when package.json is out of date (test/core/adapter-list.test.ts checks the same).
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { exportsMap } from "./package-entries.mjs";

const file = fileURLToPath(new URL("../package.json", import.meta.url));
const before = readFileSync(file, "utf8");
const pkg = JSON.parse(before);
// Assigning an existing key keeps its place, so the rest of package.json does not move.
pkg.exports = exportsMap();
const after = `${JSON.stringify(pkg, null, 2)}\n`;
if (after === before) {
  console.log("package.json exports are up to date");
} else if (process.argv.includes("--check")) {
  console.error("package.json exports are out of date: run npm run generate:exports");
  process.exit(1);
} else {
  writeFileSync(file, after);
  console.log("package.json exports written");
}
