// TypeDoc's configuration. The entry points are the package's entries (scripts/package-entries.mjs: the fixed ones
// and one per adapter folder), so a new adapter is documented without editing this file. A config module rather
// than typedoc.json because JSON cannot compute that list.
import { fileURLToPath } from "node:url";
import { packageEntries } from "./scripts/package-entries.mjs";

/** @type {Partial<import("typedoc").TypeDocOptions>} */
const config = {
  $schema: "https://typedoc.org/schema.json",
  entryPoints: packageEntries().map((entry) => entry.source),
  // Names each module as users import it (`modelreg/local`, not `adapters/local`), from the same entry list.
  plugin: [fileURLToPath(new URL("./scripts/typedoc-module-names.mjs", import.meta.url))],
  out: "docs/api",
  name: "modelreg",
  readme: "README.md",
  excludePrivate: true,
  excludeInternal: true,
  treatWarningsAsErrors: true,
  // `npm run typecheck` (tsc, strict) checks the same sources and the tests; checking them again here was half of
  // TypeDoc's time in CI.
  skipErrorChecking: true,
  validation: {
    notExported: true,
    invalidLink: true,
    notDocumented: true,
  },
  disableSources: true,
  // RegistryLocation and RegistryFactories (modelreg/sync) are derived from the one adapter list through these
  // internal helpers, so that a new adapter appears in them by being listed; their own documentation says what they
  // hold. Exporting the helpers would mean exporting the list and every descriptor's types with them.
  intentionallyNotExported: ["KnownAdapter", "LocationOf", "UriSettingsOf"],
  // Inline types in the provider spec (src/core/provider-spec.ts) that have no TSDoc of their own yet. TypeDoc warns
  // when a name here stops being needed, so this list empties itself as the spec gains the comments.
  intentionallyNotDocumented: [
    "modelreg/adapter.RegistryProviderV1.createVersionOptions.__type.safeParse",
    "modelreg/adapter.RegistryProviderV1.createVersionOptions.__type.safeParse.__type.success",
    "modelreg/adapter.RegistryProviderV1.createVersionOptions.__type.safeParse.__type.data",
    "modelreg/adapter.RegistryProviderV1.createVersionOptions.__type.safeParse.__type.error",
    "modelreg/adapter.RegistryProviderV1.createVersionOptions.__type.safeParse.__type.error.__type.issues",
    "modelreg/adapter.RegistryProviderV1.createVersionOptions.__type.safeParse.__type.error.__type.issues.__type.path",
    "modelreg/adapter.RegistryProviderV1.createVersionOptions.__type.safeParse.__type.error.__type.issues.__type.message",
    "modelreg/adapter.RegistryProviderV1.doSetAlias.__type.previous",
  ],
};

export default config;
