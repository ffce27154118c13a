/**
 * GraphQL over the shared HTTP client: Basic auth with the API key for the W&B host only, and GraphQL `errors[]`
 * (which W&B sends with HTTP 200) turned into typed errors by `wandb-error.ts`.
 *
 * @module
 */

import * as z from "zod/mini";
import { InvalidInputError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import { callOptions, clientSettings } from "../../http/call-options.js";
import { createHttpClient } from "../../http/http-client.js";
import { lazySchema } from "../../http/schema.js";
import type { HttpClient } from "../../http/http-types.js";
import { inspectGraphqlErrors, mapGraphqlErrorResponse } from "./wandb-error.js";
import { OPERATIONS, type ReadOperationName } from "./wandb-operations.js";
import type { WandbRegistrySettings } from "./wandb-settings.js";
import type { WriteOperationName } from "./wandb-write-operations.js";

/** An operation's name. */
export type OperationName = ReadOperationName | WriteOperationName;

/** The document of an operation only writes send: wandb-write-operations.ts is imported by the first of them. */
async function writeDocument(name: WriteOperationName): Promise<string> {
  return (await import("./wandb-write-operations.js")).WRITE_OPERATIONS[name];
}

/** The provider name. */
export const PROVIDER = "wandb";

/**
 * The `{ data }` envelope around each operation's schema, made once per schema (a new zod object per call was
 * compiled again on every call) and built on first use like the schema itself.
 */
const envelopes = new WeakMap<() => z.ZodMiniType, () => z.ZodMiniType>();
function enveloped(schema: () => z.ZodMiniType): () => z.ZodMiniType {
  let envelope = envelopes.get(schema);
  if (!envelope) {
    envelope = lazySchema(() => z.object({ data: schema() }));
    envelopes.set(schema, envelope);
  }
  return envelope;
}

/** The transport. */
export class WandbTransport {
  /** The GraphQL host's client. */
  readonly http: HttpClient;
  /** The base URL. */
  readonly baseUrl: string;

  /** @param settings - The registry settings. */
  constructor(settings: WandbRegistrySettings) {
    const env = settings.env ?? process.env;
    const apiKey = settings.apiKey ?? env.WANDB_API_KEY;
    if (!apiKey)
      throw new InvalidInputError("no API key: pass apiKey or set WANDB_API_KEY", { provider: PROVIDER, operation: "createWandbRegistry", field: "apiKey" });
    const baseUrl = settings.baseUrl ?? env.WANDB_BASE_URL ?? "https://api.wandb.ai";
    const basic = Buffer.from(`api:${apiKey}`).toString("base64");
    this.http = createHttpClient({
      provider: PROVIDER,
      baseUrl,
      // Client headers go to this host only; signed storage URLs are requested with `url`, which gets none.
      headers: { authorization: `Basic ${basic}`, "user-agent": "modelreg" },
      ...clientSettings(settings),
      timeoutMs: settings.timeoutMs ?? 60_000,
      secrets: () => [apiKey, basic],
      inspectJson: inspectGraphqlErrors,
      mapError: mapGraphqlErrorResponse,
    });
    this.baseUrl = this.http.baseUrl;
  }

  /** Runs one named operation and returns its `data`, validated by `schema`. */
  async gql<S extends z.ZodMiniType>(
    name: OperationName,
    variables: Record<string, unknown>,
    schema: () => S,
    options: (CallOptions & { operation: string; idempotent?: boolean }) | undefined,
  ): Promise<z.output<S>> {
    // A query any call may send is at hand (a read waits for no import); a write's document loads with the first write.
    const query = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name as ReadOperationName] : await writeDocument(name as WriteOperationName);
    const res = await this.http.request({
      operation: options?.operation ?? name,
      method: "POST",
      path: "graphql",
      json: { query, variables, operationName: name },
      // Queries are reads; mutations are retried only where the caller says they are safe to repeat.
      idempotent: options?.idempotent ?? query.trimStart().startsWith("query"),
      // GraphQL wraps the result in `data`; errors[] were already turned into typed errors by inspectJson.
      schema: enveloped(schema),
      ...callOptions(options),
    });
    return (res.data as { data: z.output<S> }).data;
  }
}
