/**
 * CRC32C (Castagnoli), the checksum Cloud Storage keeps for every object, as base64 of its 4 big-endian bytes.
 * Node has only the IEEE CRC-32 (`zlib.crc32`), so this is a small table implementation.
 *
 * @module
 */

let table: Uint32Array | undefined;

function buildTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** A running CRC32C. */
export class Crc32c {
  #crc = 0xffffffff;

  /** Adds bytes. */
  update(bytes: Uint8Array): void {
    table ??= buildTable();
    let crc = this.#crc;
    for (let i = 0; i < bytes.length; i++) crc = (table[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    this.#crc = crc;
  }

  /** The checksum as a number. */
  value(): number {
    return (this.#crc ^ 0xffffffff) >>> 0;
  }

  /** The checksum as Cloud Storage writes it: base64 of the 4 bytes, big-endian. */
  base64(): string {
    const v = this.value();
    return Buffer.from([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]).toString("base64");
  }
}
