/**
 * What the CLI checks about a registry URI before it opens it: that a command which only reads does not create a
 * local registry by reading it, and that `sync` is not pointed at one registry twice.
 *
 * Both checks live in the CLI, not in the adapters: the local registry creates its directory on first use, which
 * is right for a program that writes, and the library's `syncRegistries` can only compare the objects it is given.
 *
 * @module
 */

import { realpath, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { NotFoundError } from "../core/errors.js";
import type { RegistryLocation } from "../sync/registry-uri.js";
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
 * `path`, absolute, with every symbolic link in the part that exists resolved: `./reg`, `/tmp/x/../reg` and a link
 * to the same directory all give one answer. The part that does not exist yet is appended as written.
 */
async function canonicalPath(path: string): Promise<string> {
  const missing: string[] = [];
  let dir = resolve(path);
  for (;;) {
    try {
      return join(await realpath(dir), ...missing);
    } catch (error) {
      const parent = dirname(dir);
      if ((errorCode(error) !== "ENOENT" && errorCode(error) !== "ENOTDIR") || parent === dir) return resolve(path);
      missing.unshift(basename(dir));
      dir = parent;
    }
  }
}

/** An http(s) URL as scheme, host and port (the URL parser lowercases and drops default ports) and path, no trailing slash. */
function normalUrl(text: string): string {
  try {
    const url = new URL(text);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return text;
  }
}

/**
 * A string that is equal for two locations exactly when they name the same registry, as far as can be told without
 * a request: a local directory by its real path; an MLflow server by scheme, host, port and path (its registry is
 * server-wide, so `?experiment=` does not count); Vertex by project, region and API host (the bucket is only where
 * artifacts go); W&B by host, entity and project.
 *
 * @param location - The parsed URI.
 * @param env - Where defaults come from (`WANDB_BASE_URL`), as the adapters read them.
 */
export async function registryIdentity(location: RegistryLocation, env: Record<string, string | undefined>): Promise<string> {
  switch (location.kind) {
    case "local":
      return `local ${await canonicalPath(location.root)}`;
    case "mlflow":
      return `mlflow ${normalUrl(location.trackingUri)}`;
    case "vertex": {
      const api = normalUrl(location.apiEndpoint ?? `https://${location.location}-aiplatform.googleapis.com/`);
      return `vertex ${api} ${location.project.toLowerCase()} ${location.location.toLowerCase()}`;
    }
    case "wandb": {
      const host = normalUrl(location.baseUrl ?? env.WANDB_BASE_URL ?? "https://api.wandb.ai");
      return `wandb ${host} ${location.entity} ${location.project}`;
    }
  }
}
