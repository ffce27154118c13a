import { describe, expect, it } from "vitest";
import { checkSignature, type ModelSignature } from "modelreg";

const tabular: ModelSignature = {
  inputs: [
    { name: "age", type: "long" },
    { name: "income", type: "double" },
    { name: "segment", type: "string", optional: true },
  ],
  outputs: [{ name: "score", type: "double" }],
};

describe("checkSignature", () => {
  it("accepts matching rows, row lists and columns", () => {
    expect(checkSignature(tabular, { age: 31, income: 1.5 })).toEqual({ ok: true, problems: [] });
    expect(checkSignature(tabular, [{ age: 31, income: 2, segment: "b" }]).ok).toBe(true);
    expect(checkSignature(tabular, { age: [1, 2], income: [0.5, 3] }).ok).toBe(true);
  });

  it("explains each mismatch", () => {
    const check = checkSignature(tabular, [
      { age: 31.5, segment: 3, extra: true },
      { age: 2, income: 1 },
    ]);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([
      { field: "row[0].age", kind: "type", message: 'column "age" must be long, got a fractional number (31.5)' },
      { field: "row[0].income", kind: "missing", message: 'column "income" is required but missing' },
      { field: "row[0].segment", kind: "type", message: 'column "segment" must be string, got a number (3)' },
      { field: "row[0].extra", kind: "unexpected", message: 'column "extra" is not in the signature' },
    ]);
  });

  it("lets extra columns through when not strict, and caps the problem count", () => {
    expect(checkSignature(tabular, { age: 1, income: 2, extra: 1 }, { strict: false }).ok).toBe(true);
    const many = Array.from({ length: 50 }, () => ({}));
    expect(checkSignature(tabular, many, { maxProblems: 5 }).problems).toHaveLength(5);
  });

  it("checks tensor shapes with free dimensions", () => {
    const image: ModelSignature = { inputs: [{ type: "tensor", dtype: "float32", shape: [-1, 2, 2] }] };
    expect(
      checkSignature(image, [
        [
          [1, 2],
          [3, 4],
        ],
      ]).ok,
    ).toBe(true);
    const wrong = checkSignature(image, [
      [
        [1, 2, 3],
        [3, 4, 5],
      ],
    ]);
    expect(wrong.problems[0]?.message).toBe('tensor "input" dimension 2 must be 2, got 3 (shape (1, 2, 3), expected (-1, 2, 2))');
    expect(checkSignature(image, [[1, 2], [3]]).problems[0]?.kind).toBe("shape");
    const named: ModelSignature = {
      inputs: [
        { name: "x", type: "tensor", shape: [-1, 3] },
        { name: "mask", type: "tensor" },
      ],
    };
    expect(checkSignature(named, { x: [[1, 2, 3]] }).problems).toEqual([{ field: "mask", kind: "missing", message: 'tensor "mask" is required but missing' }]);
  });

  it("refuses input that is not rows or columns", () => {
    expect(checkSignature(tabular, 42).problems[0]?.field).toBe("input");
  });
});
