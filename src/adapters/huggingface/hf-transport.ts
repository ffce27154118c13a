/**
 * The Hub's HTTP API over the shared HTTP client: the token as a Bearer header for the Hub's own origin only (signed
 * LFS URLs and the CDN the resolver redirects to never see it), `HF_TOKEN` and `HF_ENDPOINT` as `huggingface_hub`
 * reads them, and the Hub's error headers as typed errors (hf-error.ts).
 *
 * @module
 */

import { join } from "node:path";
import { InvalidInputError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import { nodeFsSync, nodeOs } from "../../runtime/builtins.js";
import { clientSettings } from "../../http/call-options.js";
import { createHttpClient } from "../../http/http-client.js";
import type { HttpClient } from "../../http/http-types.js";
import { mapHubError } from "./hf-error.js";
import { isHubNamespace } from "./hf-namespace.js";
import type { HuggingFaceRegistrySettings } from "./hf-settings.js";

/** The provider name. */
export const PROVIDER = "huggingface";

/** The Hub, unless `endpoint` or `HF_ENDPOINT` says otherwise. */
export const DEFAULT_ENDPOINT = "https://huggingface.co";

/**
 * The token, in `huggingface_hub`'s order (`utils/_auth.py`): the setting, `HF_TOKEN`, `HUGGING_FACE_HUB_TOKEN`, then
 * the file `hf auth login` writes. Blank values count as unset, as there.
 */
export function resolveToken(settings: HuggingFaceRegistrySettings, env: Record<string, string | undefined>): string | undefined {
  const given = [settings.token, env.HF_TOKEN, env.HUGGING_FACE_HUB_TOKEN].find((t) => t?.trim());
  if (given !== undefined) return given.trim();
  const homeDir = env.HOME || nodeOs().homedir();
  // huggingface_hub expands `~` in these paths (os.path.expanduser).
  const expand = (path: string) => (path === "~" || path.startsWith("~/") ? join(homeDir, path.slice(1)) : path);
  const hfHome = env.HF_HOME?.trim()
    ? expand(env.HF_HOME.trim())
    : join(env.XDG_CACHE_HOME?.trim() ? expand(env.XDG_CACHE_HOME.trim()) : join(homeDir, ".cache"), "huggingface");
  const file = env.HF_TOKEN_PATH?.trim() ? expand(env.HF_TOKEN_PATH.trim()) : join(hfHome, "token");
  try {
    const text = nodeFsSync().readFileSync(file, "utf8").trim();
    return text || undefined;
  } catch {
    // No token file: anonymous, as huggingface_hub is then.
    return undefined;
  }
}

/** The transport: the Hub's client, the namespace, and how repositories and revisions are spelled in paths. */
export class HubTransport {
  /** The client for the Hub's origin (API, resolver, LFS batch). */
  readonly http: HttpClient;
  /** The Hub's base URL, ending in `/`. */
  readonly endpoint: string;
  /** The user or organization the models live in. */
  readonly namespace: string;
  /** Whether requests carry a token. */
  readonly authenticated: boolean;

  /** @param settings - The registry settings, checked here before any request. */
  constructor(settings: HuggingFaceRegistrySettings) {
    const op = "createHuggingFaceRegistry";
    const env = settings.env ?? process.env;
    if (typeof settings.namespace !== "string" || !isHubNamespace(settings.namespace))
      throw new InvalidInputError("namespace must be a Hub user or organization name (letters, digits, '-', '_', '.')", {
        provider: PROVIDER,
        operation: op,
        field: "namespace",
      });
    this.namespace = settings.namespace;
    const token = resolveToken(settings, env);
    if (token !== undefined && /\s/.test(token))
      throw new InvalidInputError("token must not contain whitespace", { provider: PROVIDER, operation: op, field: "token" });
    this.authenticated = token !== undefined;
    const endpoint = settings.endpoint ?? (env.HF_ENDPOINT?.trim() || DEFAULT_ENDPOINT);
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new InvalidInputError("endpoint must be an http(s) URL", { provider: PROVIDER, operation: op, field: "endpoint" });
    }
    if (url.protocol !== "https:" && url.protocol !== "http:")
      throw new InvalidInputError("endpoint must be an http(s) URL", { provider: PROVIDER, operation: op, field: "endpoint" });
    if (url.username || url.password)
      throw new InvalidInputError("endpoint must not carry a user name or password", { provider: PROVIDER, operation: op, field: "endpoint" });
    this.http = createHttpClient({
      provider: PROVIDER,
      baseUrl: url,
      // Client headers go to the Hub's origin only: a redirect to the CDN or a signed upload URL drops them.
      headers: { ...(token && { authorization: `Bearer ${token}` }), "user-agent": "modelreg" },
      ...clientSettings(settings),
      timeoutMs: settings.timeoutMs ?? 60_000,
      secrets: () => [token],
      mapError: mapHubError,
    });
    this.endpoint = this.http.baseUrl;
  }

  /**
   * A URL the Hub handed out (a next-page link, an LFS action) as a path on this client, when it is on the Hub's origin
   * under its base path, so the token goes with it; `undefined` for any other host, which must get no credentials.
   */
  hubPath(href: string): string | undefined {
    const base = new URL(this.endpoint);
    const url = new URL(href, base);
    return url.origin === base.origin && url.pathname.startsWith(base.pathname) ? `${url.pathname.slice(base.pathname.length)}${url.search}` : undefined;
  }

  /** `namespace/model`. */
  repoId(model: string): string {
    return `${this.namespace}/${model}`;
  }

  /** `api/models/namespace/model`: the API path of a model's repository. */
  api(model: string): string {
    return `api/models/${encodeURIComponent(this.namespace)}/${encodeURIComponent(model)}`;
  }

  /** The resolver path of a file at a revision (a commit, tag or branch; encoded whole, as `huggingface_hub` does). */
  resolvePath(model: string, revision: string, path: string): string {
    const file = path.split("/").map(encodeURIComponent).join("/");
    return `${encodeURIComponent(this.namespace)}/${encodeURIComponent(model)}/resolve/${encodeURIComponent(revision)}/${file}`;
  }

  /** A GET of the Hub's JSON API, validated when a schema is given. */
  async getJson<T>(
    operation: string,
    path: string,
    schema: (() => import("zod/mini").ZodMiniType<T>) | undefined,
    options: CallOptions | undefined,
    query?: Record<string, string | number | boolean | undefined>,
  ): Promise<T> {
    const res = await this.http.request({ operation, path, ...(query && { query }), ...(schema && { schema }), ...options });
    return res.data as T;
  }
}
