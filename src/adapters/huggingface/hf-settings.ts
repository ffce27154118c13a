/**
 * What `createHuggingFaceRegistry` takes.
 *
 * @module
 */

import type { ClientSettings } from "../../core/options.js";

/** Settings of a Hugging Face Hub registry client. */
export interface HuggingFaceRegistrySettings extends ClientSettings {
  /**
   * The user or organization whose model repositories are the registry's models: model `fraud` is the repository
   * `<namespace>/fraud`.
   */
  namespace: string;
  /**
   * A user access token (`hf_...`) with write access to the namespace, for changes and private repositories. Default
   * `HF_TOKEN`, then `HUGGING_FACE_HUB_TOKEN`, then the token file `huggingface-cli login` writes (`$HF_TOKEN_PATH`,
   * else `$HF_HOME/token`, else `~/.cache/huggingface/token`). Without one, public repositories can still be read.
   */
  token?: string;
  /** The Hub's address. Default `HF_ENDPOINT`, then `https://huggingface.co`. */
  endpoint?: string;
  /**
   * The visibility of repositories modelreg creates (by `createModel`, or by the first version of a new model).
   * Default `true`: private. Existing repositories keep theirs.
   */
  private?: boolean;
  /**
   * Where `downloadToHubCache` writes by default. Default `HF_HUB_CACHE`, then `$HF_HOME/hub`, then
   * `~/.cache/huggingface/hub`: where `huggingface_hub` and `transformers` look.
   */
  cacheDir?: string;
  /** Who is acting, for events. Default: the OS user. */
  actor?: string;
  /** Called when an event subscriber throws. */
  onEventError?: (error: unknown) => void;
  /** Where `HF_*` variables are read. Default `process.env`. */
  env?: Record<string, string | undefined>;
}
