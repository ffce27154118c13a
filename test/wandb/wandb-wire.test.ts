// What the adapter sends must be what W&B's own clients send, and it must read what the real service may answer
// (issue 15): `latest` comes from the client, nullable fields may be null, and registry collections (portfolios) take
// the portfolio mutations.
import { describe, expect, it } from "vitest";
import { ENTITY } from "./support/wandb-fake.js";
import { useWandbFake } from "./support/setup.js";

const { fake, registry } = useWandbFake();
const files = (w: string) => ({ entries: [{ path: "model.pkl", content: w }] });

/** The aliases each CreateArtifact carried, in order. */
const createdAliases = () =>
  fake.requests
    .filter((x) => x.operation === "CreateArtifact")
    .map((x) => (x.variables as { input: { aliases: Array<{ alias: string; artifactCollectionName: string }> } }).input.aliases);

describe("latest", () => {
  it("is sent with every new version, as W&B's clients do, and the fake keeps exactly what was sent", async () => {
    const r = registry({ entity: ENTITY });
    const before = createdAliases().length;
    const v0 = await r.createVersion("with-latest", { artifacts: files("a"), aliases: ["best"] });
    const v1 = await r.createVersion("with-latest", { artifacts: files("b") });
    expect(createdAliases().slice(before)).toEqual([
      [
        { alias: "latest", artifactCollectionName: "with-latest" },
        { alias: "best", artifactCollectionName: "with-latest" },
      ],
      [{ alias: "latest", artifactCollectionName: "with-latest" }],
    ]);
    expect(await r.resolveAlias("with-latest", "latest")).toBe(v1.version);
    expect((await r.getVersion("with-latest@latest")).version).toBe(v1.version);
    // `latest` is W&B's: it is not a user alias of the version, nor of the model.
    expect((await r.getVersion(`with-latest/${v0.version}`)).aliases).toEqual(["best"]);
    expect(v1.aliases).toEqual([]);
    expect(await r.listAliases("with-latest")).toEqual([{ alias: "best", version: v0.version }]);
    const collection = [...fake.collections.values()].find((c) => c.name === "with-latest");
    expect([...(collection?.aliases.keys() ?? [])].sort()).toEqual(["best", "latest"]);
  });
});
