import { readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import { InvalidInputError, type RegistryEvent } from "modelreg";
import { freshRegistry, rejectionOf } from "./support/helpers.js";

const artifacts = { entries: [{ path: "model.bin", content: "w" }] };

describe("local registry audit log", () => {
  it("records who, what, when, and from which value to which, for alias and stage moves", async () => {
    const { registry } = await freshRegistry({ actor: "ci-bot" });
    const before = Date.now();
    await registry.createVersion("fraud", { artifacts });
    await registry.createVersion("fraud", { artifacts });
    await registry.setAlias("fraud", "champion", "1");
    await registry.setAlias("fraud", "champion", "2", { actor: "alice" });
    await registry.transitionStage("fraud/1", "production");
    await registry.transitionStage("fraud/2", "production", { archiveExisting: true, actor: "bob" });

    const events = await registry.listAuditEvents({ model: "fraud" }).toArray();
    const moves = events.filter((e) => e.type === "alias.set" || e.type === "stage.changed");
    expect(moves.map((e) => [e.type, e.actor, e.version, e.from, e.to])).toEqual([
      ["alias.set", "ci-bot", "1", undefined, "1"],
      ["alias.set", "alice", "2", "1", "2"],
      ["stage.changed", "ci-bot", "1", "draft", "production"],
      ["stage.changed", "bob", "1", "production", "archived"],
      ["stage.changed", "bob", "2", "draft", "production"],
    ]);
    for (const e of events) {
      expect(Date.parse(e.at)).toBeGreaterThanOrEqual(before - 1000);
      expect(e.provider).toBe("local");
      expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("falls back to the OS user when no actor is given", async () => {
    const { root } = await freshRegistry();
    const registry = createLocalRegistry({ root });
    await registry.createModel({ name: "fraud" });
    const [event] = await registry.listAuditEvents().toArray();
    expect(event?.actor).toBe(userInfo().username);
  });

  it("is append-only across registry instances, one JSON line per event", async () => {
    const { root, registry } = await freshRegistry();
    await registry.createModel({ name: "a" });
    const other = createLocalRegistry({ root, actor: "other" });
    await other.createModel({ name: "b" });
    await registry.deleteModel("a");
    const lines = (await readFile(join(root, "audit", "audit.jsonl"), "utf8")).trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as RegistryEvent).type)).toEqual(["model.created", "model.created", "model.deleted"]);
    expect(lines.map((l) => (JSON.parse(l) as RegistryEvent).model)).toEqual(["a", "b", "a"]);
  });

  it("filters by model, type and time, and pages through long logs", async () => {
    const { registry } = await freshRegistry();
    for (let i = 0; i < 7; i++) await registry.createModel({ name: `m${i}` });
    await registry.createModel({ name: "other" });
    const pages = [];
    for await (const page of registry.listAuditEvents({ types: ["model.created"], pageSize: 3 }).pages()) pages.push(page.items.length);
    expect(pages).toEqual([3, 3, 2]);
    expect(await registry.listAuditEvents({ model: "other" }).toArray()).toHaveLength(1);
    expect(await registry.listAuditEvents({ since: new Date(Date.now() + 60_000) }).toArray()).toEqual([]);
    // Bad options are refused at the call, before anything is read.
    expect(() => registry.listAuditEvents({ types: ["nope" as never] })).toThrow(InvalidInputError);
  });

  it("records governance events from recordEvent and tells subscribers after they are durable", async () => {
    const { registry } = await freshRegistry();
    await registry.createVersion("fraud", { artifacts });
    const heard: RegistryEvent[] = [];
    registry.events.subscribe(async (event) => {
      // By the time a listener runs, the event is already in the log.
      const logged = await registry.listAuditEvents({ types: [event.type] }).toArray();
      expect(logged.map((e) => e.id)).toContain(event.id);
      heard.push(event);
    });
    const event = await registry.recordEvent({ type: "approval.recorded", model: "fraud", version: "1", details: { role: "risk" } }, { actor: "carol" });
    expect(event).toMatchObject({ type: "approval.recorded", actor: "carol", details: { role: "risk" } });
    expect(heard.map((e) => e.id)).toEqual([event.id]);
    expect(InvalidInputError.isInstance(await rejectionOf(registry.recordEvent({ type: "bogus" as never, model: "fraud" })))).toBe(true);
  });

  it("keeps a listener's failure away from the write that triggered it", async () => {
    const failures: unknown[] = [];
    const { registry } = await freshRegistry({ onEventError: (error) => failures.push(error) });
    registry.events.subscribe(() => {
      throw new Error("webhook down");
    });
    const model = await registry.createModel({ name: "fraud" });
    expect(model.name).toBe("fraud");
    expect(failures).toHaveLength(1);
  });
});
