/**
 * Progress accounting for multi-file transfers: per file and in total.
 *
 * @module
 */

import type { TransferProgress } from "../core/artifact-source.js";

/** Reports progress for files of known (or unknown) size; returns a per-file byte counter. */
export function transferProgress(
  files: ReadonlyArray<{ path: string; size?: number | undefined }>,
  onProgress: ((progress: TransferProgress) => void) | undefined,
): (file: { path: string; size?: number | undefined }) => (fileBytes: number) => void {
  const totalBytes = files.every((f) => f.size !== undefined) ? files.reduce((n, f) => n + (f.size ?? 0), 0) : undefined;
  let transferred = 0;
  return (file) => {
    let counted = 0;
    return (fileBytes) => {
      // A retried upload starts the file again: count only bytes beyond the most this file has reported.
      transferred += Math.max(0, fileBytes - counted);
      counted = Math.max(counted, fileBytes);
      onProgress?.({
        path: file.path,
        fileBytes,
        ...(file.size !== undefined && { fileSize: file.size }),
        transferredBytes: transferred,
        ...(totalBytes !== undefined && { totalBytes }),
      });
    };
  };
}
