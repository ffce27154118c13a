// collectReport against a real local registry (which keeps an audit trail) and the same registry made to look like
// one without a trail; the cap on versions read; and the page those make.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectReport, InvalidInputError, renderReport, type ModelRegistry } from "modelreg";
import { seedReportRegistry } from "./support/report-fixture.js";

let dir: string;
let registry: ModelRegistry;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "modelreg-report-"));
  ({ registry } = await seedReportRegistry(join(dir, "registry")));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The registry as one without an audit trail would be: `capabilities.audit` false, and listAuditEvents never called. */
function withoutAudit(inner: ModelRegistry): ModelRegistry & { auditCalls: number } {
  let auditCalls = 0;
  return new Proxy(inner, {
    get: (target, key) => {
      if (key === "capabilities") return { ...target.capabilities, audit: false };
      if (key === "auditCalls") return auditCalls;
      if (key === "listAuditEvents")
        return () => {
          auditCalls++;
          throw new Error("listAuditEvents called on a registry without an audit trail");
        };
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as ModelRegistry & { auditCalls: number };
}

describe("collectReport", () => {
  it("reads the model, every version and the model's audit trail", async () => {
    const now = new Date(Date.UTC(2026, 5, 1));
    const data = await collectReport(registry, "fraud", { now });
    expect(data.provider).toBe("local");
    expect(data.model.name).toBe("fraud");
    expect(data.versions.map((v) => v.version)).toEqual(["5", "4", "3", "2", "1"]);
    expect(data.versions.map((v) => v.stage)).toEqual(["draft", "staging", "production", "archived", "draft"]);
    expect(data.versionsCapped).toBe(false);
    expect(data.generatedAt).toBe(now);
    expect(data.versions.every((v) => !("raw" in v))).toBe(true);
    if (!data.audit.kept) throw new Error("the local registry keeps an audit trail");
    expect(data.audit.total).toBe(data.audit.events.length);
    const types = data.audit.events.map((e) => e.type);
    expect(types).toContain("version.created");
    expect(types).toContain("approval.recorded");
    expect(types).toContain("promotion.completed");
    expect(data.audit.events.every((e) => e.model === "fraud")).toBe(true);
    const html = renderReport(data);
    expect(html).toMatch(/<table class="audit">/);
    expect(html).toMatch(/<tr data-event="approval.recorded" data-version="3">.*?bob.*?backtest reviewed &lt;\/script&gt;/s);
    expect(html).not.toContain("keeps no audit trail");
  });

  it("keeps the newest audit events when the trail is longer than maxAuditEvents", async () => {
    const all = await collectReport(registry, "fraud");
    const few = await collectReport(registry, "fraud", { maxAuditEvents: 3 });
    if (!all.audit.kept || !few.audit.kept) throw new Error("expected an audit trail");
    expect(few.audit.events).toEqual(all.audit.events.slice(-3));
    expect(few.audit.total).toBe(all.audit.total);
    expect(renderReport(few)).toContain(`Showing the newest 3 of ${all.audit.total} events.`);
  });

  it("does not ask a registry without an audit trail for one, and the page says it keeps none", async () => {
    const noAudit = withoutAudit(registry);
    const data = await collectReport(noAudit, "fraud");
    expect(data.audit).toEqual({ kept: false });
    expect(noAudit.auditCalls).toBe(0);
    const html = renderReport(data);
    expect(html).toContain("This provider keeps no audit trail");
    expect(html).not.toContain('<table class="audit">');
  });

  it("reads at most maxVersions versions, the newest, and says so", async () => {
    const capped = await collectReport(registry, "fraud", { maxVersions: 3 });
    expect(capped.versions.map((v) => v.version)).toEqual(["5", "4", "3"]);
    expect(capped.versionsCapped).toBe(true);
    expect(renderReport(capped)).toContain("This model has more than 3 versions: the report shows the newest 3.");
    const exact = await collectReport(registry, "fraud", { maxVersions: 5 });
    expect(exact.versions).toHaveLength(5);
    expect(exact.versionsCapped).toBe(false);
    for (const bad of [0, -1, 1.5, Number.NaN])
      await expect(collectReport(registry, "fraud", { maxVersions: bad }), String(bad)).rejects.toThrow(InvalidInputError);
  });
});
