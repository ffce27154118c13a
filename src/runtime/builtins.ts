/**
 * Node built-ins that only some calls need, loaded by the first call that does rather than when an adapter is
 * imported: `crypto`, `fs/promises`, `stream/promises` and `os` together took about 9 ms of an adapter's 44 ms
 * import (bench/cold-start.ts). `process.getBuiltinModule` (Node 20.16+) loads them synchronously, so callers stay as
 * they are; a built-in already loaded costs a map lookup.
 *
 * @module
 */

/** `node:crypto`. */
export const nodeCrypto = (): typeof import("node:crypto") => process.getBuiltinModule("node:crypto");

/** `node:fs/promises`. */
export const nodeFs = (): typeof import("node:fs/promises") => process.getBuiltinModule("node:fs/promises");

/** `node:stream/promises`. */
export const nodeStreamPromises = (): typeof import("node:stream/promises") => process.getBuiltinModule("node:stream/promises");

/** `node:os`. */
export const nodeOs = (): typeof import("node:os") => process.getBuiltinModule("node:os");

/** `node:fs`. An ES import of it loads `fs/promises` and the stream modules too (its namespace reads `promises`). */
export const nodeFsSync = (): typeof import("node:fs") => process.getBuiltinModule("node:fs");

/** `node:readline`. */
export const nodeReadline = (): typeof import("node:readline") => process.getBuiltinModule("node:readline");
