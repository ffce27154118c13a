/**
 * Where a new version's files come from. These are plain descriptions: nothing here touches the file system, so the
 * core loads where there is no `fs`. Adapters resolve them with the Node helpers in `src/artifacts`.
 *
 * @module
 */

/** Bytes that can be read as a stream: a web `ReadableStream`, or any async iterable of chunks (Node streams are). */
export type ByteStream = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** One file given in memory or as a stream. */
export type ArtifactEntry =
  | {
      /** The path inside the version, `/`-separated, relative. */
      path: string;
      /** The whole content, for small files. A string is written as UTF-8. */
      content: string | Uint8Array;
    }
  | {
      /** The path inside the version, `/`-separated, relative. */
      path: string;
      /**
       * Returns a fresh stream of the content each time it is called. A stream can be read once; a function lets an
       * adapter hash first and upload after, or retry an upload.
       */
      open: () => ByteStream | Promise<ByteStream>;
      /** The size in bytes, when known. Some providers need it up front; without it they may spool to a temp file. */
      size?: number;
      /**
       * The content's SHA-256 as lowercase hex, when known (a copy from another registry knows it). Every adapter
       * hashes what it stores anyway and refuses the version with `IntegrityError` if the bytes differ, before the
       * version exists, so a corrupted stream never becomes a version and the caller need not hash it again.
       */
      sha256?: string;
    };

/** A file on disk, and the path it takes inside the version. */
export interface ArtifactFileSpec {
  /** The file on disk. */
  file: string;
  /** The path inside the version. Default: the file's base name. */
  path?: string;
}

/**
 * The three shapes a version's files come in:
 * - `{ directory }`: every file below a directory, paths relative to it;
 * - `{ files }`: a list of files on disk, each a path or `{ file, path }`;
 * - `{ entries }`: in-memory content or streams.
 *
 * Symbolic links are refused by default with `InvalidInputError` naming the link, before any request is sent or byte
 * stored: a link named in `files`, a `directory` that is itself a link, and a link met while walking a `directory`.
 * A link can lead anywhere (`/etc/passwd`, `~/.ssh`), and a registry is a place others download from, so uploading
 * what a link points at must be asked for. `followSymlinks: true` asks: links to regular files are read as those
 * files, under the link's own path, and in a directory links to directories are walked too (a link back to a
 * directory being walked is refused as a cycle). A dangling link is `NotFoundError` then.
 */
export type ArtifactSource =
  | {
      /** Every regular file below this directory, paths relative to it. */
      directory: string;
      /**
       * Follow symbolic links (to regular files and directories) instead of refusing them, for trees made of links
       * such as a Hugging Face cache snapshot (`snapshots/<rev>/*` link into `../../blobs`). Default `false`.
       */
      followSymlinks?: boolean;
    }
  | {
      /** Files on disk: a path (stored under its base name) or `{ file, path }`. */
      files: Array<string | ArtifactFileSpec>;
      /** Read a file named through a symbolic link as the file it points to, instead of refusing it. Default `false`. */
      followSymlinks?: boolean;
    }
  | {
      /** In-memory content or streams. */
      entries: ArtifactEntry[];
    };

/** Progress of an upload or download, reported as bytes move. */
export interface TransferProgress {
  /** The file being moved, as its path inside the version. */
  path: string;
  /** Bytes of this file moved so far. */
  fileBytes: number;
  /** This file's size, when known. */
  fileSize?: number;
  /** Bytes of the whole transfer moved so far. */
  transferredBytes: number;
  /** The whole transfer's size, when known. */
  totalBytes?: number;
}
