// The ARM fake and Azurite for an Azure ML test file, over real loopback sockets, and registries pointed at them:
// one over a workspace's models (files in the datastore `workspaceblobstore`, an Azurite container) and one over an
// Azure ML registry's (files in the containers the fake's startPendingUpload hands out).
import { afterAll, beforeAll, inject } from "vitest";
import { createAzureMlRegistry, type AzureMlRegistry, type AzureMlRegistrySettings } from "../../../src/adapters/azureml/index.js";
import { type Azurite, startAzurite } from "../../support/azurite.js";
import { CANARY } from "../../support/canary.js";
import { type ArmFake, type ArmFakeOptions, startArmFake } from "./arm-fake.js";

/** The subscription, group, workspace and registry the fake serves. */
export const SUBSCRIPTION = "00000000-1111-2222-3333-444444444444";
export const GROUP = "ml-rg";
export const WORKSPACE = "fraud-ws";
export const REGISTRY = "shared-reg";

/** What a test file gets. */
export interface AzureFakes {
  /** The ARM fake (set once the file's `beforeAll` ran). */
  arm: ArmFake;
  /** Azurite. */
  azurite: Azurite;
  /** A registry over the workspace's models (settings override the defaults). */
  workspace(settings?: Partial<AzureMlRegistrySettings>): AzureMlRegistry;
  /** A registry over the Azure ML registry's models. */
  registry(settings?: Partial<AzureMlRegistrySettings>): AzureMlRegistry;
}

/**
 * Starts the fakes for a test file: Azurite from the project's global setup when it provides one (else one of the
 * file's own), and an ARM fake of the file's own. Long-running operations are polled fast (`pollIntervalMs: 5`).
 */
export function useAzureFakes(options: Partial<ArmFakeOptions> = {}): AzureFakes {
  const fakes = {} as AzureFakes & { ownAzurite?: Azurite };
  beforeAll(async () => {
    const shared = (inject as (key: string) => unknown)("azurite") as Pick<Azurite, "blobEndpoint" | "accountName" | "accountKey" | "port"> | undefined;
    fakes.azurite = shared ? ({ ...shared, stop: async () => undefined } as Azurite) : (fakes.ownAzurite = await startAzurite());
    fakes.arm = await startArmFake({
      subscriptionId: SUBSCRIPTION,
      resourceGroup: GROUP,
      workspace: WORKSPACE,
      registry: REGISTRY,
      blob: { endpoint: fakes.azurite.blobEndpoint, accountName: fakes.azurite.accountName, accountKey: fakes.azurite.accountKey },
      // The canary token: the canary setup fails a test whose errors or logs show it.
      token: CANARY.azureToken,
      ...options,
    });
  });
  afterAll(async () => {
    await fakes.arm?.close();
    await fakes.ownAzurite?.stop();
  });
  const base = (settings: Partial<AzureMlRegistrySettings>): AzureMlRegistrySettings => ({
    subscriptionId: SUBSCRIPTION,
    resourceGroup: GROUP,
    endpoint: fakes.arm.url,
    token: fakes.arm.token,
    pollIntervalMs: 5,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    env: {},
    actor: "tester",
    ...settings,
  });
  fakes.workspace = (settings = {}) => createAzureMlRegistry(base({ workspace: WORKSPACE, ...settings }));
  fakes.registry = (settings = {}) => createAzureMlRegistry(base({ registry: REGISTRY, ...settings }));
  return fakes;
}
