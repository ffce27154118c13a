// A view of another project or registry (`inRegistry`, `getByPath`) is another registry on the same server: it shares
// its parent's connection, feature flags, actor and subscribers.
import { describe, expect, it } from "vitest";
import type { RegistryEvent } from "modelreg";
import { ENTITY } from "./support/wandb-fake.js";
import { useWandbFake } from "./support/setup.js";

const { fake, registry } = useWandbFake();
const files = (w: string) => ({ entries: [{ path: "model.pkl", content: w }] });

describe("W&B registry views", () => {
  it("deliver their changes to the parent's subscribers, and subscribing through a view subscribes to the parent", async () => {
    const r = registry({ entity: ENTITY, actor: "ana" });
    const heard: RegistryEvent[] = [];
    r.events.subscribe((e) => {
      heard.push(e);
    });
    const v = await r.createVersion("viewed", { artifacts: files("v") });
    await r.link(v, { registry: "model", collection: "viewed-reg" });
    const reg = await r.inRegistry("model");
    const throughView: RegistryEvent[] = [];
    reg.events.subscribe((e) => {
      throughView.push(e);
    });
    await reg.setAlias("viewed-reg", "candidate", "0");
    await r.updateVersion(v, { description: "seen by both" });
    expect(heard.map((e) => [e.type, e.model, e.actor])).toEqual([
      ["version.created", "viewed", "ana"],
      ["alias.set", "viewed-reg", "ana"],
      ["version.updated", "viewed", "ana"],
    ]);
    expect(throughView.map((e) => e.type)).toEqual(["alias.set", "version.updated"]);
  });

  it("read the server's feature flags once for the parent and every view, whichever asks first", async () => {
    await registry({ entity: ENTITY }).createVersion("flags", { artifacts: files("f"), aliases: ["best"] });
    const asked = () => fake.requests.filter((x) => x.operation === "ServerFeatures").length;
    const before = asked();
    const r = registry({ entity: ENTITY });
    const reg = await r.inRegistry("model");
    await reg.getVersion("nothing-here/0").catch(() => undefined);
    expect(asked()).toBe(before + 1);
    await r.getVersion("flags@best");
    await r.getByPath(`${ENTITY}/models/flags:best`);
    expect(await reg.features()).toEqual(await r.features());
    expect(asked()).toBe(before + 1);
  });

  it("are scoped to their own entity and project", async () => {
    const r = registry({ entity: ENTITY });
    const reg = await r.inRegistry("model");
    expect(reg.project).toBe("wandb-registry-model");
    expect(r.project).toBe("models");
    expect(await reg.entity()).not.toBe(ENTITY);
  });
});
