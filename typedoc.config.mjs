// TypeDoc's configuration. The entry points are the package's entries (scripts/package-entries.mjs: the fixed ones
// and one per adapter folder), so a new adapter is documented without editing this file. A config module rather
// than typedoc.json because JSON cannot compute that list.
import { packageEntries } from "./scripts/package-entries.mjs";

/** @type {Partial<import("typedoc").TypeDocOptions>} */
const config = {
  $schema: "https://typedoc.org/schema.json",
  entryPoints: packageEntries().map((entry) => entry.source),
  out: "docs/api",
  name: "modelreg",
  readme: "README.md",
  excludePrivate: true,
  excludeInternal: true,
  treatWarningsAsErrors: true,
  validation: {
    notExported: true,
    invalidLink: true,
    notDocumented: true,
  },
  disableSources: true,
};

export default config;
