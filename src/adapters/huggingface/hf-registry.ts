/**
 * The Hugging Face registry: the `ModelRegistry` spec over Hub model repositories, built by the registry facade on
 * {@link HuggingFaceProvider}, plus `downloadToHubCache`, which writes a version where `huggingface_hub` and
 * `transformers` look for it offline.
 *
 * @module
 */

import type { CallOptions, TransferOptions } from "../../core/options.js";
import type { VersionRefInput } from "../../core/refs.js";
import type { CreateVersionInput, ModelVersion } from "../../core/types.js";
import { RegistryFacade } from "../../facade/registry-facade.js";
import { checkRepoName, MAIN, versionTag } from "./hf-names.js";
import type { HuggingFaceCreateVersionOptions } from "./hf-options.js";
import { HuggingFaceProvider } from "./hf-provider.js";
import { find, listTree, snapshot } from "./hf-read.js";
import type { HuggingFaceRegistrySettings } from "./hf-settings.js";
import { PROVIDER } from "./hf-transport.js";

/** `createVersion`'s input on the Hub: `providerOptions.huggingface` is typed (the card's license, library, task...). */
export type HuggingFaceCreateVersionInput = CreateVersionInput & {
  /** Options by provider; `huggingface` is typed here, and other providers' options are ignored. */
  providerOptions?: {
    /** This adapter's options, checked before any request. */
    huggingface?: HuggingFaceCreateVersionOptions;
  };
};

/** What {@link HuggingFaceRegistry.downloadToHubCache} takes. */
export interface HubCacheDownloadOptions extends CallOptions {
  /** The cache folder. Default: the settings' `cacheDir`, `HF_HUB_CACHE`, `$HF_HOME/hub`, then `~/.cache/huggingface/hub`. */
  cacheDir?: string;
}

/** Where a version landed in the cache. */
export interface HubCacheDownload {
  /** The repository, `namespace/model`. */
  repoId: string;
  /** The version. */
  version: string;
  /** Its commit: the snapshot's folder name. */
  commit: string;
  /** `<cache>/models--<namespace>--<model>/snapshots/<commit>`: point `from_pretrained` here, or at the repo id offline. */
  snapshotDir: string;
  /** The revisions recorded in `refs/` for it: `v<n>`, the alias it was asked by, if any, and `main` when it is main's head. */
  revisions: string[];
  /** Files written, and files already in the cache. */
  written: number;
  /** Files already in the cache (same blob), not downloaded again. */
  reused: number;
}

/**
 * The Hugging Face Hub registry. Create it with {@link createHuggingFaceRegistry}.
 *
 * A model is a repository `<namespace>/<model>` (private when modelreg creates it). Version n is a commit on `main`
 * tagged `v<n>`, holding exactly the version's files, its model card (README.md, rendered by the Hub) and its record
 * (modelreg.json); `from_pretrained(repo)` loads the newest version, `revision="v3"` a given one. Aliases are branches,
 * as are the `staging` and `production` stages; descriptions, tags and stages changed after creation are kept in
 * `state.json` on the branch `modelreg`. No deploys (Inference Endpoints are not modelled) and no audit trail.
 */
export class HuggingFaceRegistry extends RegistryFacade<HuggingFaceCreateVersionOptions> {
  readonly #provider: HuggingFaceProvider;
  readonly #cacheDir: string | undefined;
  readonly #env: Record<string, string | undefined>;

  /** @param settings - See {@link HuggingFaceRegistrySettings}. */
  constructor(settings: HuggingFaceRegistrySettings) {
    const provider = new HuggingFaceProvider(settings);
    super(provider, { actor: settings.actor, onEventError: settings.onEventError });
    this.#provider = provider;
    this.#cacheDir = settings.cacheDir;
    this.#env = settings.env ?? process.env;
  }

  /**
   * Creates a version: one commit on `main` with exactly its files, a model card and `modelreg.json`, tagged `v<n>`.
   * A `README.md` among the files is the card as written; otherwise modelreg renders one from the version (metrics as
   * `model-index`, and `providerOptions.huggingface`'s license, library, task, base model and datasets).
   */
  override createVersion(model: string, input: HuggingFaceCreateVersionInput, options?: TransferOptions): Promise<ModelVersion> {
    return super.createVersion(model, input, options);
  }

  /**
   * Downloads a version into the Hugging Face cache layout (`models--<ns>--<model>/blobs`, `snapshots/<commit>`,
   * `refs/v<n>`), so Python tools find it offline: `hf_hub_download(repo, file, revision="v3")`,
   * `snapshot_download(repo, revision="v3")` or `from_pretrained(repo, revision="v3")` with `HF_HUB_OFFLINE=1`. Every
   * file of the version's commit lands, checked against the Hub's ids (SHA-256 for LFS files, git's SHA-1 otherwise);
   * nothing half-written is ever visible in the cache.
   *
   * @example
   * ```ts
   * const { snapshotDir } = await hub.downloadToHubCache("fraud@champion");
   * // python: AutoModel.from_pretrained("acme/fraud", revision="champion")  (HF_HUB_OFFLINE=1)
   * ```
   */
  async downloadToHubCache(ref: VersionRefInput, options: HubCacheDownloadOptions = {}): Promise<HubCacheDownload> {
    const op = "downloadToHubCache";
    const target = this.ref(ref, op);
    checkRepoName(target.model, op);
    const ctx = this.context(op, options);
    const t = this.#provider.transport;
    const snap = await snapshot(t, target.model, op, ctx.options);
    const found = await find(t, target, snap, op, ctx.options);
    const tree = await listTree(t, target.model, found.commit, op, ctx.options);
    // `main` too when the version is its head, so `from_pretrained(repo)` without a revision finds it offline.
    const revisions = [
      versionTag(found.version),
      ...("alias" in target && target.alias !== "latest" ? [target.alias] : []),
      ...(snap.refs.branches.get(MAIN) === found.commit ? [MAIN] : []),
    ];
    // The cache writer (symlinks, renames, locks) loads with the first cache download, not with every reader.
    const [{ hubCacheDir, writeHubCacheSnapshot }, { cacheFiles, openFile }] = await Promise.all([import("./hf-cache.js"), import("./hf-files.js")]);
    const cacheDir = options.cacheDir ?? hubCacheDir(this.#env, this.#cacheDir);
    const files = cacheFiles(tree).map((f) => ({
      ...f,
      open: async () => {
        const opened = await openFile(t, target.model, found.commit, { path: f.path, ...(f.size !== undefined && { size: f.size }) }, op, ctx.options);
        return opened.stream as unknown as AsyncIterable<Uint8Array>;
      },
    }));
    const result = await writeHubCacheSnapshot({
      cacheDir,
      repoId: t.repoId(target.model),
      commit: found.commit,
      revisions,
      files,
      ...(options.signal && { signal: options.signal }),
      operation: op,
      provider: PROVIDER,
    });
    return { repoId: t.repoId(target.model), version: found.version, commit: found.commit, revisions, ...result };
  }
}

/**
 * Creates a Hugging Face Hub registry client.
 *
 * @example
 * ```ts
 * import { createHuggingFaceRegistry } from "modelreg/huggingface";
 * const hub = createHuggingFaceRegistry({ namespace: "acme" }); // HF_TOKEN from the environment
 * await hub.createVersion("fraud", { artifacts: { directory: "./out" }, metrics: { auc: 0.91 }, aliases: ["champion"] });
 * ```
 */
export function createHuggingFaceRegistry(settings: HuggingFaceRegistrySettings): HuggingFaceRegistry {
  return new HuggingFaceRegistry(settings);
}
