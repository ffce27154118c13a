/**
 * The local registry as the rest of modelreg sees it before loading it: `file:` URIs, and how to open one.
 *
 * @module
 */

import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AdapterDescriptor, AdapterLocation } from "../../core/adapter-descriptor.js";
import { errorCode } from "../../runtime/system-error.js";
import { nodeFs } from "../../runtime/builtins.js";

/** A `file:` URI. */
export interface LocalLocation extends AdapterLocation<"local"> {
  /** The local registry. */
  kind: "local";
  /** Its directory, absolute. */
  root: string;
}

/**
 * `path`, absolute, with every symbolic link in the part that exists resolved: `./reg`, `/tmp/x/../reg` and a link
 * to the same directory all give one answer. The part that does not exist yet is appended as written.
 */
async function canonicalPath(path: string): Promise<string> {
  const missing: string[] = [];
  let dir = resolve(path);
  for (;;) {
    try {
      return join(await nodeFs().realpath(dir), ...missing);
    } catch (error) {
      const parent = dirname(dir);
      if ((errorCode(error) !== "ENOENT" && errorCode(error) !== "ENOTDIR") || parent === dir) return resolve(path);
      missing.unshift(basename(dir));
      dir = parent;
    }
  }
}

/** The local registry: `file:./registry`, `file:///abs/path`. */
export const localAdapter: AdapterDescriptor<
  "local",
  LocalLocation,
  // What the factory gets from a URI, written out rather than named: the public RegistryFactories shows it.
  { root: string; actor?: string }
> = {
  id: "local",
  subpath: "modelreg/local",
  schemes: ["file"],
  uriExample: "file:./registry",
  description: "the local registry in that directory",
  credentials: [],
  managedAliases: [],
  parseUri({ uri, scheme, cwd, fail }) {
    // file:///abs and file:/abs are URLs; file:./rel and file:rel are paths relative to the working directory.
    const rest = uri.slice(scheme.length + 1);
    let path: string;
    try {
      path = rest.startsWith("//") ? fileURLToPath(`file:${rest}`) : decodeURIComponent(rest);
    } catch {
      // A host other than localhost, or a broken %-escape: Node's own error would not say which URI.
      throw fail("not a local directory; expected file:./relative/path or file:///absolute/path");
    }
    if (path === "") throw fail("file: needs a directory, e.g. file:./registry");
    return { kind: "local", root: isAbsolute(path) ? path : resolve(cwd, path) };
  },
  settings: (location, options) => ({ root: location.root, ...(options.actor && { actor: options.actor }) }),
  // A directory by its real path, so a link and its target are one registry.
  identity: async (location) => `local ${await canonicalPath(location.root)}`,
  load: async () => (await import("./index.js")).createLocalRegistry,
};
