import { describe, expect, it } from "vitest";
import { Crc32c, crc32c } from "../../src/adapters/vertex/gcs-crc32c.js";
import { referenceCrc32c } from "./support/fake-gcs.js";
import { randomBytesOf } from "./support/files.js";

const ascii = (text: string) => new TextEncoder().encode(text);

describe("crc32c", () => {
  it("matches the published check values", () => {
    expect(crc32c(ascii("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // RFC 3720 appendix B.4: 32 bytes of zeros, of 0xFF, and ascending 0..31.
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
  });

  it("gives GCS's base64 form, big-endian", () => {
    expect(new Crc32c().update(ascii("123456789")).digestBase64()).toBe(Buffer.from([0xe3, 0x06, 0x92, 0x83]).toString("base64"));
    expect(new Crc32c().digestBase64()).toBe("AAAAAA==");
  });

  it("gives the same value fed in pieces of any size as in one go", () => {
    const bytes = randomBytesOf(100_003, 9);
    for (const piece of [1, 7, 4096, 65_536]) {
      const crc = new Crc32c();
      for (let at = 0; at < bytes.byteLength; at += piece) crc.update(bytes.subarray(at, at + piece));
      expect(crc.digest()).toBe(crc32c(bytes));
    }
    expect(new Crc32c().update(bytes).digestBase64()).toBe(referenceCrc32c(bytes));
  });
});
