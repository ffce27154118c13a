// The ARM fake behind a hostile proxy, with another in front of Azurite (support/adapter-hostile-proxy.ts), the fake
// naming the proxies as its hosts: what the hostile and kill files test through.
import { startHostileProxy, type HostileProxy } from "./adapter-hostile-proxy.js";
import { type ArmFake, startArmFake } from "./arm-fake.js";
import type { ArmFakeOptions } from "./arm-fake-state.js";
import { GROUP, REGISTRY, SUBSCRIPTION, WORKSPACE } from "./setup.js";

/** The fake, its proxy and the blob proxy, and a close for all three. */
export interface ProxiedArmFake {
  arm: ArmFake;
  armProxy: HostileProxy;
  blobProxy: HostileProxy;
  close(): Promise<void>;
}

/**
 * Starts the ARM fake (workspace and registry of support/setup.ts) over Azurite through a blob proxy, and a proxy in
 * front of the fake whose URL the fake's nextLinks and operation URLs name, as Resource Manager names itself.
 */
export async function startProxiedArmFake(
  azurite: { port: number; accountName: string; accountKey: string },
  options: Partial<ArmFakeOptions> = {},
): Promise<ProxiedArmFake> {
  const blobProxy = await startHostileProxy(`http://127.0.0.1:${azurite.port}`);
  const arm = await startArmFake({
    subscriptionId: SUBSCRIPTION,
    resourceGroup: GROUP,
    workspace: WORKSPACE,
    registry: REGISTRY,
    blob: { endpoint: `${blobProxy.url}/${azurite.accountName}`, accountName: azurite.accountName, accountKey: azurite.accountKey },
    ...options,
  });
  const armProxy = await startHostileProxy(arm.url);
  arm.state.publicUrl = armProxy.url;
  return {
    arm,
    armProxy,
    blobProxy,
    async close() {
      await arm.close();
      await armProxy.close();
      await blobProxy.close();
    },
  };
}
