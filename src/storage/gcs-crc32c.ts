/**
 * CRC32C (Castagnoli), the checksum Cloud Storage keeps for every object, as base64 of its 4 big-endian bytes.
 * Node has only the IEEE CRC-32 (`zlib.crc32`), so this is a small table implementation (slicing by 8).
 *
 * @module
 */

let tables: Uint32Array[] | undefined;

/**
 * Slicing-by-8 tables: `t[0]` is the byte-at-a-time table, `t[k]` the CRC of a byte followed by k zero bytes, so eight
 * bytes are folded in per step. Byte at a time, this checksum was the top self-time function of the Vertex fault runs'
 * profile; eight at a time, 64 MiB takes 170 ms instead of 220 on Node 20 here (reading 32-bit words instead of bytes
 * gained little more, for an alignment case and an endianness assumption).
 */
function buildTables(): Uint32Array[] {
  const t = Array.from({ length: 8 }, () => new Uint32Array(256));
  const t0 = t[0] as Uint32Array;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  for (let k = 1; k < 8; k++) {
    const prev = t[k - 1] as Uint32Array;
    const cur = t[k] as Uint32Array;
    for (let n = 0; n < 256; n++) {
      const c = prev[n] as number;
      cur[n] = ((c >>> 8) ^ (t0[c & 0xff] as number)) >>> 0;
    }
  }
  return t;
}

/** A running CRC32C. */
export class Crc32c {
  #crc = 0xffffffff;

  /** Adds bytes. */
  update(bytes: Uint8Array): void {
    tables ??= buildTables();
    const [t0, t1, t2, t3, t4, t5, t6, t7] = tables as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    const b = bytes;
    const end = b.length - (b.length % 8);
    let crc = this.#crc;
    let i = 0;
    for (; i < end; i += 8) {
      const a = crc ^ ((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24));
      crc =
        (t7[a & 0xff] as number) ^
        (t6[(a >>> 8) & 0xff] as number) ^
        (t5[(a >>> 16) & 0xff] as number) ^
        (t4[a >>> 24] as number) ^
        (t3[b[i + 4] as number] as number) ^
        (t2[b[i + 5] as number] as number) ^
        (t1[b[i + 6] as number] as number) ^
        (t0[b[i + 7] as number] as number);
    }
    for (; i < b.length; i++) crc = (t0[(crc ^ (b[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    this.#crc = crc >>> 0;
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
