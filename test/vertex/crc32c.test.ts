import { describe, expect, it } from "vitest";
import { Crc32c } from "../../src/adapters/vertex/vertex-crc32c.js";

describe("Crc32c", () => {
  it("matches the standard check value and works in pieces", () => {
    const whole = new Crc32c();
    whole.update(new TextEncoder().encode("123456789"));
    expect(whole.value()).toBe(0xe3069283);
    const parts = new Crc32c();
    parts.update(new TextEncoder().encode("1234"));
    parts.update(new TextEncoder().encode("56789"));
    expect(parts.value()).toBe(0xe3069283);
    expect(new Crc32c().value()).toBe(0);
    // GCS's form of the same value: base64 of the big-endian bytes e3 06 92 83.
    expect(whole.base64()).toBe(Buffer.from([0xe3, 0x06, 0x92, 0x83]).toString("base64"));
  });
});
