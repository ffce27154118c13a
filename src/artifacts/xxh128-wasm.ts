/**
 * The one `hash-wasm` function modelreg uses, as a static import: `import("hash-wasm")` itself would make bundlers
 * keep every algorithm of the package (each with its WebAssembly inlined), which doubled the W&B handler's bundle;
 * this module, imported lazily, keeps only XXH128.
 *
 * @module
 */

export { createXXHash128 } from "hash-wasm";
