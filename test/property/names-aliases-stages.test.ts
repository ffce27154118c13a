// Model names, aliases and stage names: each is refused with InvalidInputError before any request, or accepted by
// every adapter and sent (or stored) unchanged.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRegistry } from "modelreg/local";
import { PROTOTYPE_KEYS, mixed, validAlias, validModelName } from "./support/arbitraries.js";
import { attempt, carries, expectCleanRefusal, firstPage, httpRegistries, localRegistry, propertyFile, type RecordedRegistry } from "./support/harness.js";

const property = propertyFile("names-aliases-stages");

/** The documented name rule, restated independently of MODEL_NAME_PATTERN. */
function nameIsValid(name: string): boolean {
  return name.length >= 1 && name.length <= 128 && /^[A-Za-z0-9]$/.test(name[0] ?? "") && [...name].every((c) => /^[A-Za-z0-9._-]$/.test(c));
}

/** The documented alias rule: an ASCII letter, then letters, digits, `_`, `-`; not `latest` or `v<n>`. */
function aliasIsValid(alias: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_-]*$/.test(alias) && alias.length <= 128 && !/^latest$/i.test(alias) && !/^v[0-9]+$/i.test(alias);
}

/** What each provider adds: Vertex's alias syntax and managed aliases, W&B's managed stage aliases. */
function aliasAccepted(provider: string, alias: string): boolean {
  if (!aliasIsValid(alias)) return false;
  if (provider === "vertex") return /^[a-z][a-z0-9-]*[a-z0-9]$/.test(alias) && alias.length <= 128 && !["default", "staging", "production"].includes(alias);
  if (provider === "wandb") return !["staging", "production"].includes(alias);
  return true;
}

/** Stage names are case-insensitive; MLflow's `None` is `draft`. */
function stageOf(stage: string): string | undefined {
  const lower = stage.toLowerCase();
  if (lower === "none") return "draft";
  return ["draft", "staging", "production", "archived"].includes(lower) ? lower : undefined;
}

let local: Awaited<ReturnType<typeof localRegistry>>;
let registry: LocalRegistry;
let http: RecordedRegistry[];

beforeAll(async () => {
  local = await localRegistry();
  registry = local.registry;
  await registry.createVersion("m", { artifacts: { entries: [{ path: "model.bin", content: "x" }] } });
  http = httpRegistries();
});

afterAll(async () => {
  await local.dispose();
});

describe("model names", () => {
  it("are refused before any request, or accepted everywhere and sent unchanged", async () => {
    await property.check(
      "names",
      fc.asyncProperty(mixed(validModelName), async (name) => {
        property.count("model names");
        const valid = nameIsValid(name);

        const created = await attempt(() => registry.createModel({ name, tags: { k: "v" } }));
        expect(created.refused).toBe(!valid);
        expectCleanRefusal(created, undefined);
        if (valid) expect((await registry.getModel(name)).name).toBe(name);

        for (const { provider, registry: remote, requests } of http) {
          requests.length = 0;
          const outcome = await attempt(() => remote.getModel(name));
          expect(outcome.refused, provider).toBe(!valid);
          expectCleanRefusal(outcome, requests);
          if (!valid) continue;
          expect(requests.length, provider).toBeGreaterThan(0);
          if (provider === "vertex") {
            // Vertex ids are stricter than names: the adapter derives one, and keeps a name that already fits.
            const id = /\/models\/([^/@:]+)/.exec(requests[0]!.url.pathname)?.[1] ?? "";
            expect(id).toMatch(/^[a-z_][a-z0-9_-]{0,62}$/);
            if (/^[a-z_][a-z0-9_-]{0,62}$/.test(name)) expect(id).toBe(name);
          } else {
            expect(
              requests.some((r) => carries(r, name)),
              provider,
            ).toBe(true);
          }
        }
      }),
    );
  });
});

describe("aliases", () => {
  it("setAlias refuses bad aliases before any request, and stores or sends good ones unchanged", async () => {
    await property.check(
      "aliases",
      fc.asyncProperty(mixed(validAlias), async (alias) => {
        property.count("aliases (setAlias)");

        const set = await attempt(() => registry.setAlias("m", alias, "1"));
        expect(set.refused).toBe(!aliasAccepted("local", alias));
        expectCleanRefusal(set, undefined);
        if (!set.refused) {
          expect(set.error).toBeUndefined();
          expect(await registry.resolveAlias("m", alias)).toBe("1");
          expect(await registry.listAliases("m")).toContainEqual({ alias, version: "1" });
          expect((await registry.getVersion({ model: "m", alias })).aliases).toContain(alias);
          await registry.deleteAlias("m", alias);
        }

        for (const { provider, registry: remote, requests } of http) {
          requests.length = 0;
          const outcome = await attempt(() => remote.setAlias("m", alias, "1"));
          expect(outcome.refused, provider).toBe(!aliasAccepted(provider, alias));
          expectCleanRefusal(outcome, requests);
          if (outcome.refused) continue;
          expect(requests.length, provider).toBeGreaterThan(0);
          if (provider === "mlflow") {
            const write = requests.find((r) => r.url.pathname.endsWith("registered-models/alias"));
            expect(write?.json).toEqual({ name: "m", alias, version: "1" });
          }
          if (provider === "vertex") expect(requests.some((r) => r.url.pathname.endsWith(`/models/m@${alias}`))).toBe(true);
        }
      }),
      PROTOTYPE_KEYS.map((k) => [k]),
    );
  });

  it("resolveAlias and deleteAlias refuse bad aliases before any request", async () => {
    await property.check(
      "resolve",
      fc.asyncProperty(mixed(validAlias), fc.constantFrom("resolveAlias", "deleteAlias"), async (alias, method) => {
        property.count(`aliases (${method})`);
        // `latest` names the highest version: resolvable, never settable.
        const readable = aliasIsValid(alias) || (method === "resolveAlias" && alias === "latest");

        const own = await attempt(() => registry[method]("m", alias));
        expect(own.refused).toBe(!readable);
        expectCleanRefusal(own, undefined);

        for (const { provider, registry: remote, requests } of http) {
          requests.length = 0;
          const outcome = await attempt(() => remote[method]("m", alias));
          expectCleanRefusal(outcome, requests);
          if (outcome.refused) continue;
          // Got past validation: then the alias must be one the spec allows, and travel unchanged if it travels.
          // Reading by `v3` is W&B's own version alias, so the adapters that only read need the syntax, not the reservation.
          const syntax = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/.test(alias);
          expect(readable || (provider !== "mlflow" && method === "resolveAlias" && syntax), `${provider} accepted ${JSON.stringify(alias)}`).toBe(true);
          if (provider === "mlflow" && alias !== "latest") expect(requests.some((r) => carries(r, alias))).toBe(true);
        }
      }),
      PROTOTYPE_KEYS.flatMap((k) => [[k, "resolveAlias"] as [string, "resolveAlias"], [k, "deleteAlias"] as [string, "deleteAlias"]]),
    );
  });
});

describe("aliases never set", () => {
  // Its own property, so a local failure does not stop the remote adapters' runs above. (The remote adapters' never-set
  // aliases are checked against stateful fakes and a real MLflow server in prototype-keys.test.ts.)
  it("are NotFoundError to resolve and to delete on the local registry", async () => {
    await property.check(
      "neverSet",
      fc.asyncProperty(validAlias, fc.constantFrom("resolveAlias", "deleteAlias"), async (alias, method) => {
        property.count(`aliases never set (${method})`);
        // "m" has no aliases left (the setAlias property deletes each one it sets), so every valid one is missing.
        fc.pre(aliasIsValid(alias));
        const own = await attempt(() => registry[method]("m", alias));
        expect(own.error?.name, `${method}(${JSON.stringify(alias)}) gave ${own.refused ? "a refusal" : String(own.value)}`).toBe("NotFoundError");
      }),
      PROTOTYPE_KEYS.flatMap((k) => [[k, "resolveAlias"] as [string, "resolveAlias"], [k, "deleteAlias"] as [string, "deleteAlias"]]),
    );
  });
});

describe("stage names", () => {
  const stageArb = mixed(fc.constantFrom("draft", "staging", "production", "archived", "None", "Staging", "PRODUCTION", "Archived", "dRaFt", "none"));

  it("are parsed case-insensitively or refused before any request, on every adapter", async () => {
    await property.check(
      "stages",
      fc.asyncProperty(stageArb, async (stage) => {
        property.count("stage names");
        const expected = stageOf(stage);

        const own = await attempt(() => registry.transitionStage("m/1", stage as never));
        expect(own.refused).toBe(expected === undefined);
        expectCleanRefusal(own, undefined);
        if (!own.refused) expect((own.value as { stage: string }).stage).toBe(expected);
        const listed = await attempt(() => firstPage(registry.listVersions("m", { stage: stage as never })));
        expect(listed.refused).toBe(expected === undefined);
        expectCleanRefusal(listed, undefined);

        for (const { provider, registry: remote, requests } of http) {
          requests.length = 0;
          const outcome = await attempt(() => remote.transitionStage({ model: "m", version: "1" }, stage as never));
          expect(outcome.refused, provider).toBe(expected === undefined);
          expectCleanRefusal(outcome, requests);
          if (provider === "mlflow" && expected !== undefined) {
            const write = requests.find((r) => r.url.pathname.endsWith("model-versions/transition-stage"));
            expect((write?.json as { stage?: string }).stage).toBe(
              { draft: "None", staging: "Staging", production: "Production", archived: "Archived" }[expected],
            );
          }
          requests.length = 0;
          const list = await attempt(() => firstPage(remote.listVersions("m", { stage: stage as never })));
          expect(list.refused, provider).toBe(expected === undefined);
          expectCleanRefusal(list, requests);
        }
      }),
    );
  });
});
