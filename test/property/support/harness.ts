/**
 * What the property tests share: how each property runs (its seed and number of runs, in {@link PROPERTY_RUNS}, and
 * the count of inputs tried, reported after each file), registries of every provider wired to a fetch that records
 * each request, and the check every property ends with (refused with a typed error before any request, or accepted
 * and sent unchanged).
 *
 * @module
 */

import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, expect } from "vitest";
import { createLocalRegistry, type LocalRegistry } from "../../../src/adapters/local/index.js";
import { createMlflowRegistry } from "../../../src/adapters/mlflow/index.js";
import { createVertexRegistry } from "../../../src/adapters/vertex/index.js";
import { createWandbRegistry } from "../../../src/adapters/wandb/index.js";
import { CUSTOM_IMAGE } from "../../vertex/support/setup.js";
import { InvalidInputError, ModelRegistryError } from "../../../src/core/errors.js";
import type { ModelRegistry } from "../../../src/core/model-registry.js";

/** How one property runs: a fixed seed, and how many generated inputs it tries. */
export interface PropertyRun {
  seed: number;
  numRuns: number;
}

/**
 * Every property's run settings, by file and by property, in one place. Seeds are fixed, so every run (here, in CI,
 * on every Node line) tries the same inputs; a failure prints its seed and shrunk path, and the seed here replays it.
 * `numRuns` sets what the suite spends.
 */
export const PROPERTY_RUNS = {
  "artifact-paths": {
    entries: { seed: 0xa47f_0001, numRuns: 40 },
    files: { seed: 0xa47f_0002, numRuns: 20 },
    open: { seed: 0xa47f_0003, numRuns: 50 },
  },
  "names-aliases-stages": {
    names: { seed: 0x5eed_0001, numRuns: 100 },
    aliases: { seed: 0x5eed_0002, numRuns: 80 },
    resolve: { seed: 0x5eed_0003, numRuns: 80 },
    stages: { seed: 0x5eed_0004, numRuns: 60 },
    neverSet: { seed: 0x5eed_0005, numRuns: 80 },
  },
  refs: {
    refs: { seed: 0x4ef5_0001, numRuns: 160 },
  },
  tags: {
    createModel: { seed: 0x7a65_0001, numRuns: 80 },
    updateModel: { seed: 0x7a65_0002, numRuns: 50 },
    createVersion: { seed: 0x7a65_0003, numRuns: 40 },
    updateVersion: { seed: 0x7a65_0004, numRuns: 50 },
    filters: { seed: 0x7a65_0005, numRuns: 50 },
  },
  "vertex-labels": {
    create: { seed: 0x1abe_0001, numRuns: 20 },
    update: { seed: 0x1abe_0002, numRuns: 15 },
  },
} as const satisfies Record<string, Record<string, PropertyRun>>;

/** Counts generated inputs per file, so each file can report how much it tried. */
class RunCounter {
  #counts = new Map<string, number>();

  /** Adds `n` runs under `area`. */
  add(area: string, n: number): void {
    this.#counts.set(area, (this.#counts.get(area) ?? 0) + n);
  }

  /** The total over every area. */
  get total(): number {
    return [...this.#counts.values()].reduce((a, b) => a + b, 0);
  }

  /** One line per area and the total, for the test log. */
  report(file: string): string {
    const lines = [...this.#counts].map(([area, n]) => `  ${area}: ${n}`);
    return `[property] ${file}: ${this.total} generated inputs\n${lines.join("\n")}`;
  }
}

/** A property-test file, by the name it has in {@link PROPERTY_RUNS}. */
export type PropertyFile = keyof typeof PROPERTY_RUNS;

/** What {@link propertyFile} gives a file. */
export interface PropertyFileRunner<F extends PropertyFile> {
  /** Runs `property` with the seed and number of runs `PROPERTY_RUNS[file][name]` gives it, trying `examples` first. */
  check<Ts>(name: keyof (typeof PROPERTY_RUNS)[F], property: fc.IAsyncPropertyWithHooks<Ts>, examples?: Ts[]): Promise<void>;
  /** Counts `n` generated inputs under `area`, for the report logged after the file. */
  count(area: string, n?: number): void;
}

/** The runner for one property-test file: its properties' settings, and a count of what they tried, logged after it. */
export function propertyFile<F extends PropertyFile>(file: F): PropertyFileRunner<F> {
  const counter = new RunCounter();
  afterAll(() => console.info(counter.report(file)));
  return {
    check(name, property, examples) {
      const { seed, numRuns } = PROPERTY_RUNS[file][name] as PropertyRun;
      return fc.assert(property, { seed, numRuns, ...(examples && { examples }) });
    },
    count: (area, n = 1) => counter.add(area, n),
  };
}

/** One request as the recording fetch saw it. */
export interface RecordedRequest {
  method: string;
  url: URL;
  /** The body as text, when it had one that could be read. */
  body: string | undefined;
  /** The body parsed as JSON, when it was JSON. */
  json: unknown;
}

/** Answers a recorded request; `undefined` means the default 404. */
export type Responder = (request: RecordedRequest) => Response | undefined;

/** A fetch that records every request and answers through `responder`, or with a 404 every provider maps to NotFoundError. */
export function recordingFetch(responder: Responder = () => undefined): { fetch: typeof globalThis.fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request =
      input instanceof Request
        ? input
        : new Request(input, init && ({ ...init, ...(init.body instanceof ReadableStream && { duplex: "half" }) } as RequestInit));
    let body: string | undefined;
    try {
      body = request.body === null ? undefined : await request.text();
    } catch {
      body = undefined;
    }
    let json: unknown;
    try {
      json = body === undefined ? undefined : JSON.parse(body);
    } catch {
      json = undefined;
    }
    const recorded: RecordedRequest = { method: request.method, url: new URL(request.url), body, json };
    requests.push(recorded);
    return (
      responder(recorded) ??
      Response.json(
        { error_code: "RESOURCE_DOES_NOT_EXIST", message: "not here", error: { code: 404, status: "NOT_FOUND", message: "not here" } },
        { status: 404 },
      )
    );
  };
  return { fetch, requests };
}

/** A registry over HTTP with its own request log. */
export interface RecordedRegistry {
  provider: "mlflow" | "vertex" | "wandb";
  registry: ModelRegistry;
  requests: RecordedRequest[];
}

/**
 * A scripted MLflow server, just enough for values to travel past the first request: models and versions exist for
 * every name asked about, and every write succeeds. Anything else is a 404.
 */
export const mlflowResponder: Responder = (r) => {
  const path = r.url.pathname.replace(/^.*\/api\/2\.0\/mlflow\//, "");
  const q = r.url.searchParams;
  const body = (r.json ?? {}) as Record<string, unknown>;
  const version = (name: unknown, v: unknown) => ({ name, version: String(v ?? "1"), current_stage: "None", status: "READY", tags: [] });
  if (path === "registered-models/get") return Response.json({ registered_model: { name: q.get("name"), aliases: [], tags: [] } });
  if (path === "registered-models/create") return Response.json({ registered_model: { name: body.name, tags: body.tags ?? [] } });
  if (path === "model-versions/get") return Response.json({ model_version: version(q.get("name"), q.get("version")) });
  if (path === "registered-models/alias" && r.method === "GET") return Response.json({ model_version: version(q.get("name"), "1") });
  if (path === "model-versions/transition-stage") return Response.json({ model_version: { ...version(body.name, body.version), current_stage: body.stage } });
  if (path === "model-versions/search") return Response.json({ model_versions: [] });
  if (
    [
      "registered-models/set-tag",
      "registered-models/delete-tag",
      "registered-models/alias",
      "registered-models/update",
      "model-versions/set-tag",
      "model-versions/delete-tag",
      "model-versions/update",
    ].includes(path)
  ) {
    return Response.json({});
  }
  return undefined;
};

/** MLflow, Vertex and W&B registries, each with a recording fetch and no retries (a retry would only repeat a request). */
export function httpRegistries(): RecordedRegistry[] {
  const m = recordingFetch(mlflowResponder);
  const v = recordingFetch();
  const w = recordingFetch();
  return [
    {
      provider: "mlflow",
      requests: m.requests,
      registry: createMlflowRegistry({ trackingUri: "http://mlflow.test", fetch: m.fetch, maxRetries: 0, env: {}, actor: "tester" }),
    },
    {
      provider: "vertex",
      requests: v.requests,
      registry: createVertexRegistry({
        project: "test-project",
        location: "us-central1",
        artifactRoot: "gs://bucket/models",
        accessToken: "token",
        apiEndpoint: "https://vertex.test/",
        storageEndpoint: "https://storage.test/",
        fetch: v.fetch,
        maxRetries: 0,
        pollIntervalMs: 1,
        actor: "tester",
        containerImageUri: CUSTOM_IMAGE,
      }),
    },
    {
      provider: "wandb",
      requests: w.requests,
      registry: createWandbRegistry({
        apiKey: "key",
        baseUrl: "https://wandb.test",
        entity: "ent",
        project: "proj",
        fetch: w.fetch,
        maxRetries: 0,
        env: {},
        actor: "tester",
      }),
    },
  ];
}

/** What a call did: refused with a typed validation error, or got past validation (and then resolved or failed). */
export type Outcome = { refused: true; error: InvalidInputError } | { refused: false; value: unknown; error: ModelRegistryError | undefined };

/**
 * Runs a public registry call, synchronous throws included (list methods throw at the call), and classifies it. Any
 * rejection that is not a `ModelRegistryError` fails the property right here.
 */
export async function attempt(call: () => unknown): Promise<Outcome> {
  try {
    const value = await call();
    return { refused: false, value, error: undefined };
  } catch (error) {
    if (!ModelRegistryError.isInstance(error)) {
      throw new Error(`untyped exception: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });
    }
    if (InvalidInputError.isInstance(error)) return { refused: true, error };
    return { refused: false, value: undefined, error };
  }
}

/** Reads the first page of a list, so a list call's first request happens inside {@link attempt}. */
export async function firstPage<T>(iterable: { pages(): AsyncIterable<{ items: T[] }> }): Promise<T[]> {
  for await (const page of iterable.pages()) return page.items;
  return [];
}

/**
 * The check for a refusal: a typed error whose message is a short readable string (bad values are previewed, not
 * pasted whole), and no request at all.
 */
export function expectCleanRefusal(outcome: Outcome, requests: readonly RecordedRequest[] | undefined): void {
  if (!outcome.refused) return;
  const { error } = outcome;
  expect(InvalidInputError.isInstance(error)).toBe(true);
  expect(ModelRegistryError.isInstance(error)).toBe(true);
  expect(typeof error.message).toBe("string");
  expect(error.message.length).toBeGreaterThan(10);
  // A 12 000-character value pasted into a message makes logs unreadable; preview() keeps it to 60.
  expect(error.message.length).toBeLessThan(800);
  // eslint-disable-next-line no-control-regex
  expect(error.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  if (requests) expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([]);
}

/** Every string inside a JSON value, keys included. */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      stringsIn(v, out);
    }
  }
  return out;
}

/** True when the request carries `needle` whole: as a JSON string, a query value, or a decoded path segment. */
export function carries(request: RecordedRequest, needle: string): boolean {
  if (stringsIn(request.json).includes(needle)) return true;
  for (const v of request.url.searchParams.values()) if (v === needle) return true;
  return request.url.pathname.split("/").some((segment) => {
    try {
      return decodeURIComponent(segment) === needle;
    } catch {
      return false;
    }
  });
}

/** A local registry in a fresh temp directory, beside a canary directory that must stay empty. */
export async function localRegistry(): Promise<{ registry: LocalRegistry; parent: string; root: string; canary: string; dispose: () => Promise<void> }> {
  const parent = await mkdtemp(join(tmpdir(), "modelreg-property-"));
  const root = join(parent, "registry");
  const canary = join(parent, "canary");
  const registry = createLocalRegistry({ root, actor: "tester" });
  return { registry, parent, root, canary, dispose: () => rm(parent, { recursive: true, force: true }) };
}

/** Every file below `dir`, relative, sorted; `[]` when it does not exist. */
export async function listTree(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => !e.isDirectory())
      .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
      .sort();
  } catch {
    return [];
  }
}

const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The documented tag rules, restated: keys 1-250 characters, no control characters or surrounding spaces, not
 * `__proto__`; values at most 5000 characters, no NUL; `null` (a removal in a patch) only where `allowNull`.
 */
export function tagsAreValid(tags: Record<string, string | null>, allowNull = false): boolean {
  return Object.entries(tags).every(
    ([k, v]) =>
      k.length >= 1 &&
      k.length <= 250 &&
      !CONTROL.test(k) &&
      k.trim() === k &&
      k !== "__proto__" &&
      ((allowNull && v === null) || (typeof v === "string" && v.length <= 5000 && !v.includes("\u0000"))),
  );
}

/** Entries sorted by key: compares records with own `__proto__` keys, which property-by-property equality would miss. */
export function entriesOf(record: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
