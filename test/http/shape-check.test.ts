// shapeCheck must never accept what zod refuses: listing trusts it and skips zod when it says yes.
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { shapeCheck } from "../../src/http/shape-check.js";

const schema = z.object({
  s: z.string(),
  n: z.nullish(z.number()),
  u: z.nullish(z.union([z.number(), z.string()])),
  b: z.optional(z.boolean()),
  l: z.optional(z.literal("x")),
  a: z.array(z.object({ k: z.string(), c: z.nullable(z.object({ v: z.number() })) })),
  r: z.optional(z.string().check(z.regex(/^v\d+$/))),
  strict: z.optional(z.strictObject({ only: z.string() })),
  any: z.unknown(),
});

const good = {
  s: "a",
  n: 1,
  u: "2",
  b: true,
  l: "x",
  a: [
    { k: "k", c: null },
    { k: "j", c: { v: 3 } },
  ],
  r: "v1",
  strict: { only: "o" },
  any: [1],
};
const variants: unknown[] = [
  good,
  { ...good, extra: 1 },
  { ...good, n: null },
  { ...good, n: undefined },
  { ...good, n: Number.NaN },
  { ...good, n: Number.POSITIVE_INFINITY },
  { ...good, n: "1" },
  { ...good, s: 1 },
  { ...good, s: undefined },
  { ...good, u: true },
  { ...good, b: "true" },
  { ...good, l: "y" },
  { ...good, a: {} },
  { ...good, a: [{ k: "k" }] },
  { ...good, a: [{ k: "k", c: { v: "3" } }] },
  { ...good, a: [{ k: 1, c: null }] },
  { ...good, r: "x1" },
  { ...good, strict: { only: "o", more: 1 } },
  { ...good, any: undefined },
  [],
  null,
  "text",
];

describe("shapeCheck", () => {
  it("agrees with zod on every variant, and accepts the well-formed one", () => {
    const check = shapeCheck(schema);
    const verdicts = variants.map((v) => [check(v), schema.safeParse(v).success]);
    for (const [ours, zods] of verdicts) expect(ours).toBe(zods);
    expect(check(good)).toBe(true);
    expect(verdicts.filter(([ours]) => !ours).length).toBeGreaterThan(10);
  });

  it("is compiled once per schema", () => {
    expect(shapeCheck(schema)).toBe(shapeCheck(schema));
  });
});
