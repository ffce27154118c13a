// Lookups by a user- or server-supplied key outside the adapters' public methods: gate operators and metrics,
// signature columns, the CLI's command table, network error codes, MLflow tag lists and W&B manifests. A key named
// after an Object.prototype member must be read as absent data, and `__proto__` must stay an ordinary key.
import { describe, expect, it } from "vitest";
import { tagRecord } from "../../src/adapters/mlflow/mlflow-convert.js";
import { artifactDigest, buildManifest, parseManifest } from "../../src/adapters/wandb/wandb-manifest.js";
import { parseUploadHeaders } from "../../src/adapters/wandb/wandb-upload.js";
import { runCli } from "../../src/cli/main.js";
import { InvalidInputError, checkSignature, type ModelVersion, metricGate, notWorseThanCurrent, type MetricOperator } from "modelreg";
import { classifyNetworkError } from "../../src/http/http-errors.js";
import { PROTOTYPE_KEYS } from "../property/support/arbitraries.js";

const MEMBERS = PROTOTYPE_KEYS.filter((k) => k !== "__proto__");

function version(metrics: Record<string, number>, n = "2"): ModelVersion {
  return {
    model: "m",
    version: n,
    params: {},
    metrics,
    tags: {},
    lineage: {},
    aliases: [],
    stage: "draft",
    artifacts: {},
    createdAt: new Date(0),
    updatedAt: new Date(0),
    raw: {},
  };
}

const context = (candidate: ModelVersion, current?: ModelVersion) => ({
  candidate,
  current,
  registry: undefined as never,
  target: "production" as const,
  signal: undefined,
});

describe("promotion gates", () => {
  it.each(PROTOTYPE_KEYS)("refuse %s as an operator instead of calling Object.prototype's member as the comparison", (operator) => {
    // `in` accepted "constructor": Object(value) was truthy, so every candidate passed the gate.
    expect(() => metricGate("auc", operator as MetricOperator, 0.9)).toThrow(InvalidInputError);
  });

  it.each(MEMBERS)("say a candidate without the metric %s has no such metric", async (metric) => {
    const verdict = await metricGate(metric, ">=", 0).check(context(version({ auc: 0.95 })));
    expect(verdict).toEqual({ passed: false, message: `m/2 has no metric ${metric}` });
    const compared = await notWorseThanCurrent(metric).check(context(version({ auc: 0.95 }), version({ auc: 0.9 }, "1")));
    expect(compared).toEqual({ passed: false, message: `m/2 has no metric ${metric}` });
    // The current version lacking it is the "nothing to compare" case, not a comparison with a function.
    const nothing = await notWorseThanCurrent(metric).check(context(version(Object.fromEntries([[metric, 1]])), version({}, "1")));
    expect(nothing).toEqual({ passed: true, message: `the current version 1 has no ${metric} to compare with` });
  });

  it.each(MEMBERS)("compare a metric really named %s", async (metric) => {
    const verdict = await metricGate(metric, ">=", 0.5).check(context(version(Object.fromEntries([[metric, 0.75]]))));
    expect(verdict).toMatchObject({ passed: true });
  });
});

describe("signature checks", () => {
  it.each(MEMBERS)("report a missing column named %s as missing", (name) => {
    const result = checkSignature({ inputs: [{ name, type: "string" }] }, { other: "x" }, { strict: false });
    expect(result.problems).toEqual([{ field: name, kind: "missing", message: `column "${name}" is required but missing` }]);
  });

  it.each(MEMBERS)("report a missing tensor named %s as missing", (name) => {
    const result = checkSignature(
      {
        inputs: [
          { name, type: "tensor", dtype: "float32", shape: [-1] },
          { name: "x", type: "tensor", dtype: "float32", shape: [-1] },
        ],
      },
      { x: [1] },
    );
    expect(result.problems.map((p) => [p.field, p.kind])).toEqual([[name, "missing"]]);
  });
});

describe("the CLI", () => {
  it.each(PROTOTYPE_KEYS)("calls %s an unknown command", async (command) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli([command], {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      env: {},
      cwd: process.cwd(),
    });
    expect(code).toBe(2);
    expect(err.join("")).toContain(`unknown command ${JSON.stringify(command)}`);
  });
});

describe("network error codes", () => {
  it.each(MEMBERS)("give no reason from Object.prototype for a code %s", (code) => {
    const failure = classifyNetworkError(Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("boom"), { code }) }));
    expect(failure.reason).toBe(`boom (${code})`);
  });
});

describe("records built from server data", () => {
  it("keep an MLflow tag named __proto__ as a tag", () => {
    const tags = tagRecord([
      { key: "__proto__", value: "x" },
      { key: "constructor", value: "y" },
    ]);
    expect(Object.entries(tags)).toEqual([
      ["__proto__", "x"],
      ["constructor", "y"],
    ]);
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
  });

  it("keep W&B manifest entries at __proto__ and constructor, in the manifest, its digest and its JSON", () => {
    const parsed = parseManifest(
      JSON.parse('{"version":1,"contents":{"__proto__":{"digest":"p","size":1},"constructor":{"digest":"c","size":2},"a":{"digest":"a","size":3}}}'),
    );
    expect(Object.keys(parsed.contents)).toEqual(["__proto__", "constructor", "a"]);
    const built = buildManifest(parsed.contents);
    expect(Object.keys(built.contents)).toEqual(["__proto__", "a", "constructor"]);
    expect(JSON.parse(JSON.stringify(built)).contents).toEqual(
      JSON.parse('{"__proto__":{"digest":"p","size":1},"a":{"digest":"a","size":3},"constructor":{"digest":"c","size":2}}'),
    );
    // The digest covers every entry: dropping `__proto__` would give the digest of the other two.
    const withoutProto = Object.fromEntries(Object.entries(parsed.contents).filter(([k]) => k !== "__proto__"));
    expect(artifactDigest(parsed.contents)).not.toBe(artifactDigest(withoutProto));
  });

  it("keep a W&B upload header named __proto__ as a header", () => {
    expect(Object.entries(parseUploadHeaders(["__proto__: x", "Content-Type: a/b"]))).toEqual([
      ["__proto__", "x"],
      ["Content-Type", "a/b"],
    ]);
  });
});
