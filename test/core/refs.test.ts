import { describe, expect, it } from "vitest";
import { InvalidInputError, formatRef, parseRef } from "modelreg";

describe("parseRef", () => {
  it("parses the string forms", () => {
    expect(parseRef("fraud@champion")).toEqual({ model: "fraud", alias: "champion" });
    expect(parseRef("fraud/3")).toEqual({ model: "fraud", version: "3" });
    expect(parseRef("fraud-v2.1_x@latest")).toEqual({ model: "fraud-v2.1_x", alias: "latest" });
  });

  it("accepts the object forms unchanged", () => {
    expect(parseRef({ model: "fraud", version: "12" })).toEqual({ model: "fraud", version: "12" });
    expect(parseRef({ model: "fraud", alias: "prod" })).toEqual({ model: "fraud", alias: "prod" });
  });

  it.each([
    "fraud",
    "fraud:3",
    "fraud/03",
    "fraud/-1",
    "fraud/3/4",
    "fraud@",
    "@champion",
    "fraud@champ ion",
    "fraud@1abc",
    "../fraud/3",
    "fraud/3@x",
    "",
    "fraud\u0000/3",
  ])("refuses %j with an InvalidInputError that lists the accepted forms", (bad) => {
    let caught: unknown;
    try {
      parseRef(bad);
    } catch (error) {
      caught = error;
    }
    expect(InvalidInputError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toMatch(/model|version|alias/);
  });

  it("refuses objects with both or neither of version and alias", () => {
    expect(() => parseRef({ model: "m", version: "1", alias: "a" } as never)).toThrow(/exactly one/);
    expect(() => parseRef({ model: "m" } as never)).toThrow(/exactly one/);
    expect(() => parseRef(null as never)).toThrow(InvalidInputError);
  });

  it("formats back to the string form", () => {
    expect(formatRef(parseRef("a/7"))).toBe("a/7");
    expect(formatRef(parseRef("a@b"))).toBe("a@b");
  });
});
