// Version references, as strings and objects: parsed and sent unchanged, or refused with InvalidInputError before any
// request.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRegistry } from "modelreg/local";
import { hostileString, mixed, validAlias, validModelName } from "./support/arbitraries.js";
import { attempt, carries, expectCleanRefusal, httpRegistries, localRegistry, propertyFile, type RecordedRegistry } from "./support/harness.js";

const property = propertyFile("refs");

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const VERSION = /^(0|[1-9][0-9]{0,17})$/;
const ALIAS = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;

/** The documented reference forms, restated: `model/3`, `model@alias`, `{ model, version }`, `{ model, alias }`. */
function expectedRef(ref: unknown): { model: string; version?: string; alias?: string } | undefined {
  if (typeof ref === "string") {
    const at = /^([^/@]+)@([^/@]+)$/.exec(ref);
    const slash = /^([^/@]+)\/([^/@]+)$/.exec(ref);
    if (at && NAME.test(at[1]!) && ALIAS.test(at[2]!)) return { model: at[1]!, alias: at[2]! };
    if (slash && NAME.test(slash[1]!) && VERSION.test(slash[2]!)) return { model: slash[1]!, version: slash[2]! };
    return undefined;
  }
  if (typeof ref !== "object" || ref === null) return undefined;
  const { model, version, alias } = ref as Record<string, unknown>;
  if (typeof model !== "string" || !NAME.test(model) || (version === undefined) === (alias === undefined)) return undefined;
  if (version !== undefined) return typeof version === "string" && VERSION.test(version) ? { model, version } : undefined;
  return typeof alias === "string" && ALIAS.test(alias) ? { model, alias } : undefined;
}

const versionish = mixed(fc.oneof(fc.constantFrom("1", "0", "2", "01", "-1", "1.0", "999999999999999999", "1e3"), fc.nat().map(String)));
const refArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(mixed(fc.oneof(validModelName, fc.constant("m"))), versionish).map(([m, v]) => `${m}/${v}`),
  fc.tuple(mixed(fc.oneof(validModelName, fc.constant("m"))), mixed(validAlias)).map(([m, a]) => `${m}@${a}`),
  hostileString,
  fc.record(
    {
      model: fc.oneof(mixed(fc.constant("m")), fc.anything()),
      version: fc.oneof(versionish, fc.integer(), fc.constant(null)),
      alias: fc.oneof(mixed(fc.constantFrom("champion", "latest")), fc.constant(null)),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
  fc.constantFrom("m/1", "m@champion", "m@latest", { model: "m", version: "1" }, { model: "m", alias: "champion" }),
);

let local: Awaited<ReturnType<typeof localRegistry>>;
let registry: LocalRegistry;
let http: RecordedRegistry[];

beforeAll(async () => {
  local = await localRegistry();
  registry = local.registry;
  await registry.createVersion("m", { artifacts: { entries: [{ path: "model.bin", content: "x" }] }, aliases: ["champion"] });
  http = httpRegistries();
});

afterAll(async () => {
  await local.dispose();
});

describe("version references", () => {
  it("are parsed as documented or refused before any request, by every adapter and method", async () => {
    await property.check(
      "refs",
      fc.asyncProperty(refArb, fc.constantFrom("getVersion", "listArtifacts", "updateVersion", "transitionStage"), async (ref, method) => {
        property.count(`refs (${method})`);
        const expected = expectedRef(ref);
        const call = (r: typeof registry | RecordedRegistry["registry"]) => {
          if (method === "updateVersion") return r.updateVersion(ref as never, { description: "d" });
          if (method === "transitionStage") return r.transitionStage(ref as never, "draft");
          return r[method](ref as never);
        };

        const own = await attempt(() => call(registry));
        expect(own.refused).toBe(expected === undefined);
        expectCleanRefusal(own, undefined);
        if (expected?.model === "m" && (expected.version === "1" || expected.alias === "champion" || expected.alias === "latest")) {
          expect(own.error).toBeUndefined();
          if (method !== "listArtifacts" && !own.refused) expect(own.value).toMatchObject({ model: "m", version: "1" });
        }

        for (const { provider, registry: remote, requests } of http) {
          requests.length = 0;
          const outcome = await attempt(() => call(remote));
          expect(outcome.refused, provider).toBe(expected === undefined);
          expectCleanRefusal(outcome, requests);
          if (expected === undefined || provider !== "mlflow") continue;
          // MLflow takes the name and version as they are: the first request must carry both whole.
          expect(carries(requests[0]!, expected.model) || requests[0]!.url.searchParams.get("filter")?.includes(`'${expected.model}'`)).toBe(true);
          if (expected.version !== undefined) expect(carries(requests[0]!, expected.version)).toBe(true);
          else if (expected.alias !== "latest") expect(carries(requests[0]!, expected.alias!)).toBe(true);
        }
      }),
    );
  });
});
