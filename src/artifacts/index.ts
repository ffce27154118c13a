/**
 * Node helpers for artifact bytes: resolving sources, streaming digests, safe paths, verified downloads. Adapters
 * import these; the core entry does not, so it still loads where there is no `fs`.
 *
 * @module
 */

export { iterateBytes, toWebStream } from "./byte-streams.js";
export { SelectedDigest, StreamingDigest, compareBytes, computeContentDigest, digestMismatch, digestStream, type FileDigests, type SomeDigests } from "./hashing.js";
export { resolveArtifactSource, type ResolvedArtifact } from "./resolve-source.js";
export { safeJoin } from "./safe-path.js";
export { downloadToDirectory, type DownloadToDirectoryOptions, type DownloadedFiles } from "./download.js";
