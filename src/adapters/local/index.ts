/**
 * `modelreg/local`: the embedded file-system registry. No server, works offline, and safe for several processes
 * writing to the same directory.
 *
 * @module
 */

export { LocalRegistry, createLocalRegistry } from "./local-registry.js";
export type { LocalRegistrySettings } from "./local-settings.js";
export type { GcItem, GcOptions, GcReport } from "./local-gc.js";
export type { VerifyCounts, VerifyOptions, VerifyProblem, VerifyProblemKind, VerifyReport } from "./local-verify.js";
