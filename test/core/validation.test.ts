import { describe, expect, it } from "vitest";
import { InvalidInputError } from "modelreg";
import { assertAlias, assertArtifactPath, assertMetrics, assertModelName, assertTags, normalizeParams, parseStage } from "modelreg/adapter";

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (InvalidInputError.isInstance(error)) return error.field;
    throw error;
  }
  return "accepted";
}

describe("input validation", () => {
  it("model names", () => {
    expect(fieldOf(() => assertModelName("fraud-detector.v2_1", "op"))).toBe("accepted");
    for (const bad of ["", "-x", "a/b", "a b", "a:b", "é", "x".repeat(129), 3]) {
      expect(fieldOf(() => assertModelName(bad, "op"))).toBe("model");
    }
  });

  it("aliases, with reserved names refused", () => {
    expect(fieldOf(() => assertAlias("champion_2-b", "op"))).toBe("accepted");
    for (const bad of ["latest", "LATEST", "v3", "V12", "1st", "", "a.b", "a@b"]) {
      expect(fieldOf(() => assertAlias(bad, "op"))).toBe("alias");
    }
  });

  it("stages parse case-insensitively, with MLflow's None as draft", () => {
    expect(parseStage("Production")).toBe("production");
    expect(parseStage("None")).toBe("draft");
    expect(() => parseStage("prod")).toThrow(/draft, staging, production, archived/);
  });

  it("tags", () => {
    expect(fieldOf(() => assertTags({ team: "risk", "a.b": "" }, "op"))).toBe("accepted");
    expect(fieldOf(() => assertTags({ "": "x" }, "op"))).toBe("tags.");
    expect(fieldOf(() => assertTags({ k: 3 }, "op"))).toBe("tags.k");
    expect(fieldOf(() => assertTags({ k: null }, "op"))).toBe("tags.k");
    expect(fieldOf(() => assertTags({ k: null }, "op", { allowNull: true }))).toBe("accepted");
    expect(fieldOf(() => assertTags({ "a\nb": "x" }, "op"))).toBe("tags.a\nb");
    expect(fieldOf(() => assertTags({ k: "x".repeat(5001) }, "op"))).toBe("tags.k");
  });

  it("metrics must be finite and params become strings", () => {
    expect(fieldOf(() => assertMetrics({ auc: 0.9 }, "op"))).toBe("accepted");
    expect(fieldOf(() => assertMetrics({ auc: Number.NaN }, "op"))).toBe("metrics.auc");
    expect(fieldOf(() => assertMetrics({ auc: "0.9" }, "op"))).toBe("metrics.auc");
    expect(normalizeParams({ lr: 0.01, deep: true, name: "x" }, "op")).toEqual({ lr: "0.01", deep: "true", name: "x" });
    expect(fieldOf(() => normalizeParams({ lr: Infinity }, "op"))).toBe("params.lr");
  });

  it("artifact paths cannot escape", () => {
    expect(assertArtifactPath("model/weights.bin", "op")).toBe("model/weights.bin");
    for (const bad of ["", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a\\b", "C:x", "a\u0000b", "a/"]) {
      expect(fieldOf(() => assertArtifactPath(bad, "op"))).toBe("path");
    }
  });
});
