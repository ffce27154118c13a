// Tag keys and values: refused with InvalidInputError before any request, or stored and sent exactly as given
// (unicode, empty values, `__proto__` keys and 5000-character values included).
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRegistry } from "modelreg/local";
import { PROTOTYPE_KEYS, mixed, tagRecord, validTagKey, validTagValue } from "./support/arbitraries.js";
import {
  attempt,
  entriesOf,
  expectCleanRefusal,
  firstPage,
  httpRegistries,
  localRegistry,
  propertyFile,
  type RecordedRegistry,
  tagsAreValid,
} from "./support/harness.js";

const property = propertyFile("tags");

/**
 * Always tried first. An own `__proto__` key (a parsed JSON body has one) was accepted and then silently dropped; it is
 * refused now. `constructor` and unicode keys with empty values must survive exactly.
 */
const PROTO_TAGS = Object.fromEntries([
  ["__proto__", "polluted?"],
  ["constructor", "🚀"],
  ["ключ", ""],
]) as Record<string, string>;
// Every other prototype member name as a key (own properties, as parsed JSON has them), and one unicode key.
const PROTOTYPE_NAMES = Object.fromEntries([
  ...PROTOTYPE_KEYS.filter((k) => k !== "__proto__").map((k, i) => [k, ["🚀", "x", "", "значение"][i % 4] as string]),
  ["ключ", "значение"],
]) as Record<string, string>;

const patchArb: fc.Arbitrary<Record<string, string | null>> = fc
  .array(fc.tuple(mixed(validTagKey), fc.option(mixed(validTagValue), { nil: null, freq: 4 })), { maxLength: 5 })
  .map((entries) => Object.fromEntries(entries));

let local: Awaited<ReturnType<typeof localRegistry>>;
let registry: LocalRegistry;
let http: RecordedRegistry[];
let n = 0;

beforeAll(async () => {
  local = await localRegistry();
  registry = local.registry;
  await registry.createVersion("m", { artifacts: { entries: [{ path: "model.bin", content: "x" }] } });
  http = httpRegistries();
});

afterAll(async () => {
  await local.dispose();
});

describe("model tags", () => {
  it("createModel stores valid tags exactly and refuses the rest before any request", async () => {
    await property.check(
      "createModel",
      fc.asyncProperty(tagRecord, async (tags) => {
        property.count("createModel tags");
        const valid = tagsAreValid(tags);
        const name = `t${n++}`;
        const created = await attempt(() => registry.createModel({ name, tags }));
        expect(created.refused).toBe(!valid);
        expectCleanRefusal(created, undefined);
        if (valid) expect(entriesOf((await registry.getModel(name)).tags)).toEqual(entriesOf(tags));
        else await expect(registry.getModel(name)).rejects.toMatchObject({ name: "NotFoundError" });

        const mlflow = http.find((h) => h.provider === "mlflow")!;
        mlflow.requests.length = 0;
        const sent = await attempt(() => mlflow.registry.createModel({ name, tags }));
        expect(sent.refused).toBe(!valid);
        expectCleanRefusal(sent, mlflow.requests);
        // Every user tag goes unchanged; the create also carries its own client token (found again after a lost answer).
        if (valid) {
          const body = mlflow.requests[0]?.json as { name: string; tags: Array<{ key: string; value: string }> };
          expect(body.name).toBe(name);
          expect(body.tags.filter((t) => t.key !== "modelreg.client_token")).toEqual(Object.entries(tags).map(([key, value]) => ({ key, value })));
          expect(body.tags.filter((t) => t.key === "modelreg.client_token")).toHaveLength(1);
        }
      }),
      [[PROTO_TAGS], [PROTOTYPE_NAMES]],
    );
  });

  it("updateModel applies set and remove exactly, or refuses before any request", async () => {
    await registry.createModel({ name: "patched", tags: { keep: "yes" } });
    await property.check(
      "updateModel",
      fc.asyncProperty(patchArb, async (patch) => {
        property.count("updateModel tag patches");
        const valid = tagsAreValid(patch, true);
        const before = (await registry.getModel("patched")).tags;
        const updated = await attempt(() => registry.updateModel("patched", { tags: patch }));
        expect(updated.refused).toBe(!valid);
        expectCleanRefusal(updated, undefined);
        const expected: Record<string, string> = Object.fromEntries(Object.entries(before));
        for (const [k, v] of Object.entries(patch)) {
          if (v === null) delete expected[k];
          else Object.defineProperty(expected, k, { value: v, enumerable: true, configurable: true, writable: true });
        }
        expect(entriesOf((await registry.getModel("patched")).tags)).toEqual(entriesOf(valid ? expected : before));

        for (const { provider, registry: remote, requests } of http) {
          requests.length = 0;
          const outcome = await attempt(() => remote.updateModel("patched", { tags: patch }));
          // W&B collections have no tags: a non-empty patch is UnsupportedCapabilityError, also before any request.
          if (provider === "wandb" && !outcome.refused && Object.keys(patch).length > 0) {
            expect(outcome.error?.name).toBe("UnsupportedCapabilityError");
            expect(requests).toEqual([]);
            continue;
          }
          expect(outcome.refused, provider).toBe(!valid);
          expectCleanRefusal(outcome, requests);
          if (provider === "mlflow" && valid) {
            for (const [key, value] of Object.entries(patch)) {
              const write = requests.find((r) => (r.json as { key?: string } | undefined)?.key === key);
              expect(write?.json, key).toEqual(value === null ? { name: "patched", key } : { name: "patched", key, value });
            }
          }
        }
      }),
      [[PROTO_TAGS], [PROTOTYPE_NAMES]],
    );
  });
});

describe("version tags", () => {
  it("createVersion stores valid tags exactly and refuses the rest before any request or file", async () => {
    await property.check(
      "createVersion",
      fc.asyncProperty(tagRecord, async (tags) => {
        property.count("createVersion tags");
        const valid = tagsAreValid(tags);
        const before = (await registry.getVersion("m@latest")).version;
        const created = await attempt(() => registry.createVersion("m", { artifacts: { entries: [{ path: "model.bin", content: "x" }] }, tags }));
        expect(created.refused).toBe(!valid);
        expectCleanRefusal(created, undefined);
        const latest = await registry.getVersion("m@latest");
        if (valid) expect(entriesOf(latest.tags)).toEqual(entriesOf(tags));
        else expect(latest.version).toBe(before);

        for (const { provider, registry: remote, requests } of http) {
          requests.length = 0;
          const outcome = await attempt(() => remote.createVersion("m", { artifacts: { entries: [{ path: "model.bin", content: "x" }] }, tags }));
          expect(outcome.refused, provider).toBe(!valid);
          expectCleanRefusal(outcome, requests);
          if (valid) expect(requests.length, provider).toBeGreaterThan(0);
        }
      }),
      [[PROTO_TAGS], [PROTOTYPE_NAMES]],
    );
  });

  it("updateVersion applies set and remove exactly, or refuses before any request", async () => {
    await property.check(
      "updateVersion",
      fc.asyncProperty(patchArb, async (patch) => {
        property.count("updateVersion tag patches");
        const valid = tagsAreValid(patch, true);
        const before = (await registry.getVersion("m/1")).tags;
        const updated = await attempt(() => registry.updateVersion("m/1", { tags: patch }));
        expect(updated.refused).toBe(!valid);
        expectCleanRefusal(updated, undefined);
        const expected: Record<string, string> = Object.fromEntries(Object.entries(before));
        for (const [k, v] of Object.entries(patch)) {
          if (v === null) delete expected[k];
          else Object.defineProperty(expected, k, { value: v, enumerable: true, configurable: true, writable: true });
        }
        expect(entriesOf((await registry.getVersion("m/1")).tags)).toEqual(entriesOf(valid ? expected : before));

        for (const { provider, registry: remote, requests } of http) {
          requests.length = 0;
          const outcome = await attempt(() => remote.updateVersion({ model: "m", version: "1" }, { tags: patch }));
          expect(outcome.refused, provider).toBe(!valid);
          expectCleanRefusal(outcome, requests);
          if (provider === "mlflow" && valid) {
            for (const [key, value] of Object.entries(patch)) {
              const write = requests.find((r) => r.url.pathname.includes("model-versions/") && (r.json as { key?: string } | undefined)?.key === key);
              expect(write?.json, key).toEqual(value === null ? { name: "m", version: "1", key } : { name: "m", version: "1", key, value });
            }
          }
        }
      }),
      [[PROTO_TAGS], [PROTOTYPE_NAMES]],
    );
  });

  it("list filters by tag refuse bad tags at the call, before any request", async () => {
    await property.check(
      "filters",
      fc.asyncProperty(tagRecord, async (tags) => {
        property.count("list tag filters");
        const valid = tagsAreValid(tags);
        const own = await attempt(() => firstPage(registry.listVersions("m", { tags })));
        expect(own.refused).toBe(!valid);
        expectCleanRefusal(own, undefined);
        if (!own.refused)
          for (const v of own.value as Array<{ tags: Record<string, string> }>) for (const [k, t] of Object.entries(tags)) expect(v.tags[k]).toBe(t);
        for (const { provider, registry: remote, requests } of http) {
          requests.length = 0;
          const outcome = await attempt(() => firstPage(remote.listVersions("m", { tags })));
          expect(outcome.refused, provider).toBe(!valid);
          expectCleanRefusal(outcome, requests);
        }
      }),
    );
  });
});
