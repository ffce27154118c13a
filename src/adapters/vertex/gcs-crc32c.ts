/**
 * CRC32C (Castagnoli), the checksum Cloud Storage keeps for every object. Node's `zlib.crc32` is the IEEE
 * polynomial, which gives different values, so this small table implementation is needed.
 *
 * @module
 */

/** The reflected Castagnoli polynomial. */
const POLYNOMIAL = 0x82f63b78;

let table: Uint32Array | undefined;

/** Built on first use rather than at import, so code that never uploads pays nothing. */
function crcTable(): Uint32Array {
  if (table) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** A CRC32C fed chunk by chunk, so a file never has to be held whole to checksum it. */
export class Crc32c {
  // Kept inverted between updates, as the algorithm runs; `digest` undoes the inversion.
  #state = 0xffffffff;

  /**
   * Adds a chunk.
   *
   * @returns This checksum, for chaining.
   */
  update(chunk: Uint8Array): this {
    const t = crcTable();
    let crc = this.#state;
    for (let i = 0; i < chunk.length; i++) {
      crc = (t[(crc ^ (chunk[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    }
    this.#state = crc >>> 0;
    return this;
  }

  /** The checksum of everything added so far, as an unsigned 32-bit number. Can be read at any time. */
  digest(): number {
    return (this.#state ^ 0xffffffff) >>> 0;
  }

  /** The checksum as Cloud Storage writes it in `Object.crc32c`: base64 of the 4 bytes, big-endian. */
  digestBase64(): string {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(this.digest(), 0);
    return bytes.toString("base64");
  }
}

/**
 * The CRC32C of one byte array.
 *
 * @returns The checksum as an unsigned 32-bit number.
 */
export function crc32c(bytes: Uint8Array): number {
  return new Crc32c().update(bytes).digest();
}
