// Vertex labels: whatever tags a user gives, every label sent in models.upload and models.patch meets Google's label
// rules and the adapter's own labels are never overwritten, or the call is refused before any request.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { useVertexFakes } from "../vertex/support/setup.js";
import { mixed, tagRecord, validTagValue } from "./support/arbitraries.js";
import { attempt, entriesOf, expectCleanRefusal, propertyFile, tagsAreValid } from "./support/harness.js";

const property = propertyFile("vertex-labels");
const { registry: makeRegistry } = useVertexFakes();

interface Sent {
  method: string;
  url: URL;
  json: unknown;
}
const sent: Sent[] = [];
// Passes every request on to the fakes, keeping a parsed copy of its body.
const recording: typeof globalThis.fetch = async (input, init) => {
  const request =
    input instanceof Request ? input : new Request(input, init && ({ ...init, ...(init.body instanceof ReadableStream && { duplex: "half" }) } as RequestInit));
  let json: unknown;
  try {
    json = JSON.parse(await request.clone().text());
  } catch {
    json = undefined;
  }
  sent.push({ method: request.method, url: new URL(request.url), json });
  return globalThis.fetch(request);
};
const registry = makeRegistry({ fetch: recording, maxRetries: 0 });

/** Google's label rules: keys 1-63 characters starting with a lowercase letter, values 0-63; lowercase letters (international ones too), digits, `_` and `-` only; at most 64 labels. */
function labelProblems(labels: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const entries = Object.entries(labels);
  if (entries.length > 64) problems.push(`${entries.length} labels`);
  for (const [k, v] of entries) {
    const key = [...k];
    if (key.length < 1 || key.length > 63 || !/^[\p{Ll}\p{Lo}]$/u.test(key[0]!) || !key.every((c) => /^[\p{Ll}\p{Lo}\p{N}_-]$/u.test(c)))
      problems.push(`key ${JSON.stringify(k)}`);
    if (typeof v !== "string" || [...v].length > 63 || ![...v].every((c) => /^[\p{Ll}\p{Lo}\p{N}_-]$/u.test(c)))
      problems.push(`value ${JSON.stringify(v)} of ${JSON.stringify(k)}`);
  }
  return problems;
}

/** Tags shaped like labels, plus the adapter's own label keys, so the label branch is taken often. */
const labelKey = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/),
  fc.constantFrom("modelreg", "modelreg-stage", "modelreg-token", "ключ", "日本", "Upper", "k".repeat(63), "k".repeat(64), "aiplatform.googleapis.com/x"),
);
const labelValue = fc.oneof(
  fc.stringMatching(/^[a-z0-9_-]{0,10}$/),
  fc.constantFrom("production", "archived", "true", "значение", "v".repeat(63), "v".repeat(64), "UPPER"),
  mixed(validTagValue),
);
/**
 * The Vertex fake's models.patch accepts only \p{Ll} letters, stricter than Google's documented [\p{Ll}\p{Lo}] rule
 * (which the adapter follows), so tags with \p{Lo} letters (CJK, Arabic) are left out here rather than fail on the fake.
 */
const labelTags = fc
  .oneof(
    fc.array(fc.tuple(labelKey, labelValue), { maxLength: 6 }).map((e) => Object.fromEntries(e) as Record<string, string>),
    fc.integer({ min: 55, max: 70 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]))),
    tagRecord,
  )
  .filter((tags) => !Object.entries(tags).some(([k, v]) => /\p{Lo}/u.test(k + v)));

describe("Vertex labels", () => {
  let model = 0;

  it("models.upload and models.patch send only valid labels, and tags still round-trip through the metadata", async () => {
    await property.check(
      "create",
      fc.asyncProperty(labelTags, labelTags, async (tags, patchTags) => {
        property.count("create + update tag sets", 2);
        const name = `lbl-${model++}`;
        sent.length = 0;
        const created = await attempt(() => registry.createVersion(name, { artifacts: { entries: [{ path: "model.bin", content: "x" }] }, tags }));
        expect(created.refused).toBe(!tagsAreValid(tags));
        expectCleanRefusal(created, sent as never);
        if (created.refused) return;
        expect(created.error).toBeUndefined();
        const upload = sent.find((r) => r.method === "POST" && r.url.pathname.endsWith("/models:upload"));
        const uploaded = ((upload?.json as { model?: { labels?: Record<string, unknown> } }).model?.labels ?? {}) as Record<string, unknown>;
        expect(labelProblems(uploaded)).toEqual([]);
        // A user tag named like a managed label must not steer the adapter: the version starts as a draft, found by its token.
        const version = await registry.getVersion({ model: name, version: "1" });
        expect(version.stage).toBe("draft");
        expect(entriesOf(version.tags)).toEqual(entriesOf(tags));

        sent.length = 0;
        const updated = await attempt(() => registry.updateVersion({ model: name, version: "1" }, { tags: patchTags }));
        expect(updated.refused).toBe(!tagsAreValid(patchTags));
        expectCleanRefusal(updated, sent as never);
        if (updated.refused) return;
        const patch = sent.find((r) => r.method === "PATCH");
        expect(labelProblems(((patch?.json as { labels?: Record<string, unknown> }).labels ?? {}) as Record<string, unknown>)).toEqual([]);
        const after = await registry.getVersion({ model: name, version: "1" });
        expect(after.stage).toBe("draft");
        expect(entriesOf(after.tags)).toEqual(entriesOf({ ...tags, ...patchTags }));
      }),
      [
        [{ "modelreg-stage": "production" }, { "modelreg-token": "x" }],
        [{ ok: "yes", Upper: "x" }, { ключ: "значение" }],
        [Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`k${i}`, "v"])), {}],
      ],
    );
  });

  it("stage labels survive any user tags through transitionStage", async () => {
    await property.check(
      "update",
      fc.asyncProperty(labelTags, fc.constantFrom("staging", "production", "archived", "draft"), async (tags, stage) => {
        property.count("transitionStage with tags");
        if (!tagsAreValid(tags)) return;
        const name = `stg-${model++}`;
        await registry.createVersion(name, { artifacts: { entries: [{ path: "model.bin", content: "x" }] }, tags });
        sent.length = 0;
        const moved = await registry.transitionStage({ model: name, version: "1" }, stage as "draft");
        expect(moved.stage).toBe(stage);
        for (const r of sent.filter((x) => x.method === "PATCH"))
          expect(labelProblems(((r.json as { labels?: Record<string, unknown> }).labels ?? {}) as Record<string, unknown>)).toEqual([]);
        expect(entriesOf(moved.tags)).toEqual(entriesOf(tags));
      }),
    );
  });
});
