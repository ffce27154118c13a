// Starts one Azurite Blob service (test/support/azurite.ts) for the `azure` project: every Azure test file reaches it
// through `inject("azurite")` and uses containers of its own, so they share it. Plain HTTP; a file that needs HTTPS
// (bearer tokens, the Python client) starts its own with `startAzurite({ https })`.
import type { TestProject } from "vitest/node";
import { startAzurite } from "../../support/azurite.js";

/** What the files get: the account's blob endpoint (path-style), its name and key, and the port. */
export interface ProvidedAzurite {
  /** `http://127.0.0.1:<port>/devstoreaccount1`. */
  blobEndpoint: string;
  /** `devstoreaccount1`. */
  accountName: string;
  /** The emulator's well-known key. */
  accountKey: string;
  /** The port. */
  port: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    azurite: ProvidedAzurite;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const azurite = await startAzurite();
  const { blobEndpoint, accountName, accountKey, port } = azurite;
  project.provide("azurite", { blobEndpoint, accountName, accountKey, port });
  return () => azurite.stop();
}
