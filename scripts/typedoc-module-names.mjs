// A TypeDoc plugin (typedoc.config.mjs loads it): names each module of the API reference the way users import it,
// `modelreg`, `modelreg/local`, `modelreg/sync`..., instead of by its source path (`index`, `adapters/local`).
// TypeDoc names a module after its entry file unless the file's comment says `@module <name>`; the names come from
// scripts/package-entries.mjs here, so the entries' comments need not repeat them and a new adapter is named by
// being an entry. A module it cannot name fails the run rather than be published under a source path.
import { Converter, ReflectionKind } from "typedoc";
import { packageEntries } from "./package-entries.mjs";

/** The name TypeDoc gives an entry by default: its path under src/, without `.ts` or a trailing `/index`. */
function sourceName(source) {
  return source
    .replace(/^src\//, "")
    .replace(/\.ts$/, "")
    .replace(/\/index$/, "");
}

/** The name users import: `modelreg` for the root, `modelreg/<subpath>` for the others. */
function importName(subpath) {
  return subpath === "." ? "modelreg" : `modelreg/${subpath.replace(/^\.\//, "")}`;
}

/** @param {import("typedoc").Application} app */
export function load(app) {
  const names = new Map(packageEntries().map((entry) => [sourceName(entry.source), importName(entry.subpath)]));
  // Before references are resolved and the documentation is validated, so links and warnings use the new names.
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getChildrenByKind(ReflectionKind.Module)) {
      const name = names.get(module.name);
      if (name === undefined) {
        throw new Error(`typedoc-module-names: the module ${JSON.stringify(module.name)} is not a package entry (scripts/package-entries.mjs)`);
      }
      module.name = name;
    }
  });
}
