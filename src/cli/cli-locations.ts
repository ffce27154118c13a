/**
 * What the CLI checks about a registry URI before it opens it: that a command which only reads does not create a
 * local registry by reading it, and that `sync` is not pointed at one registry twice.
 *
 * Both checks live in the CLI, not in the adapters: the local registry creates its directory on first use, which
 * is right for a program that writes, and the library's `syncRegistries` can only compare the objects it is given.
 *
 * @module
 */

import { stat } from "node:fs/promises";
import { join } from "node:path";
import { NotFoundError } from "../core/errors.js";
import { adapterOfLocation, type RegistryLocation } from "../sync/registry-uri.js";
import { errorCode } from "../runtime/system-error.js";

/**
 * The file that marks a directory as a local registry (the local adapter's format marker). A directory without it
 * is not a registry yet, whatever else it holds.
 */
export const LOCAL_REGISTRY_MARKER = "modelreg.json";

/**
 * Throws `NotFoundError`, naming the path, when `location` is a `file:` directory that holds no local registry.
 * Remote registries are not checked: reading one never creates it, and checking would cost a request.
 *
 * @param location - The parsed URI.
 * @param operation - The command, for the error: `ls`, `sync`.
 * @param hint - What to do instead, appended to the message.
 * @throws NotFoundError when there is no `modelreg.json` at the location.
 */
export async function assertRegistryExists(location: RegistryLocation, operation: string, hint?: string): Promise<void> {
  if (location.kind !== "local") return;
  try {
    await stat(join(location.root, LOCAL_REGISTRY_MARKER));
  } catch (error) {
    const code = errorCode(error);
    // Anything but "it is not there" (a permission problem, say) is the adapter's to report when it opens the root.
    if (code !== "ENOENT" && code !== "ENOTDIR") return;
    const message = `no modelreg registry at ${location.root} (no ${LOCAL_REGISTRY_MARKER} there); ${operation} only reads, so it does not create one`;
    throw new NotFoundError(hint ? `${message}; ${hint}` : message, {
      provider: "local",
      operation,
    });
  }
}

/**
 * A string that is equal for two locations exactly when they name the same registry, as far as can be told without
 * a request. The adapter's descriptor decides what counts (its `identity`: a local directory by its real path, an
 * MLflow server without its `?experiment=`, ...).
 *
 * @param location - The parsed URI.
 * @param env - Where defaults come from (`WANDB_BASE_URL`), as the adapters read them.
 */
export async function registryIdentity(location: RegistryLocation, env: Record<string, string | undefined>): Promise<string> {
  return adapterOfLocation(location).identity(location, env);
}
