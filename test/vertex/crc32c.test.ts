import { describe, expect, it } from "vitest";
import { Crc32c } from "../../src/storage/gcs-crc32c.js";

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

  it("matches RFC 3720's test vectors, which run through the eight-bytes-at-a-time path", () => {
    const crc = (bytes: Uint8Array) => {
      const c = new Crc32c();
      c.update(bytes);
      return c.value();
    };
    expect(crc(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it("gives the bitwise definition's value for any length and any split into pieces", () => {
    // CRC32C bit by bit, straight from the reflected polynomial: slow, and independent of the tables.
    const reference = (bytes: Uint8Array) => {
      let c = 0xffffffff;
      for (const byte of bytes) {
        c ^= byte;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    for (const length of [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4099]) {
      const bytes = Uint8Array.from({ length }, () => next() & 0xff);
      const cut = length === 0 ? 0 : next() % length;
      const c = new Crc32c();
      c.update(bytes.subarray(0, cut));
      c.update(bytes.subarray(cut));
      expect(c.value(), `length ${length}, cut at ${cut}`).toBe(reference(bytes));
    }
  });
});
