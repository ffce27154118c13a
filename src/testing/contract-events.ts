/**
 * Contract: events.
 *
 * @module
 */

import { describe, expect, it } from "vitest";
import type { RegistryEvent } from "../core/events.js";
import { oneFile, type ContractEnv } from "./contract-helpers.js";

/** Subscribers hear about changes made through the client. */
export function eventsContract(env: ContractEnv): void {
  describe("events", () => {
    it(
      "tells subscribers about created versions and alias moves, with from and to",
      async () => {
        const model = env.name("events");
        const heard: RegistryEvent[] = [];
        const stop = env.registry.events.subscribe((e) => {
          if (e.model === model) heard.push(e);
        });
        const versions: string[] = [];
        try {
          const v1 = await env.registry.createVersion(model, { artifacts: oneFile("1") }, { actor: "contract-bot" });
          const v2 = await env.registry.createVersion(model, { artifacts: oneFile("2") });
          versions.push(v1.version, v2.version);
          await env.registry.setAlias(model, "champion", v1.version);
          await env.registry.setAlias(model, "champion", v2.version);
        } finally {
          stop();
        }
        const created = heard.filter((e) => e.type === "version.created");
        expect(created.map((e) => e.version)).toEqual(versions);
        expect(created[0]?.actor).toBe("contract-bot");
        const moves = heard.filter((e) => e.type === "alias.set").map((e) => [e.alias, e.from, e.to]);
        expect(moves).toEqual([
          ["champion", undefined, versions[0]],
          ["champion", versions[0], versions[1]],
        ]);
        for (const e of heard) expect(typeof e.id === "string" && !Number.isNaN(Date.parse(e.at))).toBe(true);
      },
      env.timeoutMs,
    );
  });
}
