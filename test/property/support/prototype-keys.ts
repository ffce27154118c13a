/**
 * The checks for `Object.prototype` member names used as user keys, run against one registry with real state (the
 * local registry, the Vertex and W&B fakes, a real MLflow server). Each name, as an alias, a tag key, a metric name
 * and a param name, either round-trips as plain data or is refused with `InvalidInputError` before any request; an
 * alias that was never set is `NotFoundError` to resolve and to delete.
 *
 * @module
 */

import { expect } from "vitest";
import type { ModelRegistry } from "../../../src/core/model-registry.js";
import { PROTOTYPE_KEYS } from "./arbitraries.js";
import { attempt, type Outcome } from "./harness.js";

/** A registry under test and the requests it sent (the local registry sends none, and passes `undefined`). */
export interface KeySubject {
  registry: ModelRegistry;
  /** A model that exists, and a version of it made without any of the keys (W&B numbers from 0, the others from 1). */
  model: string;
  version: string;
  /** Requests sent so far, as `METHOD url`; emptied before each call whose requests are checked. */
  requests: string[] | undefined;
}

/**
 * A fetch that logs `METHOD url` for every request and passes it on to `next`, by default `globalThis.fetch` (msw's,
 * in fake tests), looked up at each call because msw patches it only when its server starts listening.
 */
export function loggingFetch(log: string[], next?: typeof globalThis.fetch): typeof globalThis.fetch {
  return (input, init) => {
    const request = input instanceof Request ? input : undefined;
    log.push(`${init?.method ?? request?.method ?? "GET"} ${request ? request.url : String(input)}`);
    return (next ?? globalThis.fetch)(input, init);
  };
}

function clear(subject: KeySubject): void {
  if (subject.requests) subject.requests.length = 0;
}

/** A refusal must be `InvalidInputError` with nothing sent. */
function expectRefusedBeforeAnyRequest(outcome: Outcome, subject: KeySubject, what: string): void {
  expect(outcome.refused, what).toBe(true);
  if (subject.requests) expect(subject.requests, `${what} sent requests before refusing`).toEqual([]);
}

/** The call failed with `NotFoundError`, or was refused as input before any request (an alias the adapter cannot hold). */
function expectNotFoundOrRefused(outcome: Outcome, subject: KeySubject, what: string): "not-found" | "refused" {
  if (outcome.refused) {
    expectRefusedBeforeAnyRequest(outcome, subject, what);
    return "refused";
  }
  expect(outcome.error?.name, `${what} gave ${outcome.error ? outcome.error.name : `the value ${String(outcome.value)}`}`).toBe("NotFoundError");
  return "not-found";
}

/**
 * Resolving, reading through and deleting `alias`, never set on `model`, is `NotFoundError` (or a refusal before any
 * request), and the model's aliases do not claim it. Then setting it either is refused before any request (and
 * then deleting it was refused too, or not found) or round-trips: no previous version, resolvable, listed as an own
 * key, deletable, and gone after.
 */
export async function checkAlias(subject: KeySubject, alias: string): Promise<void> {
  const { registry, model, version } = subject;
  clear(subject);
  expectNotFoundOrRefused(await attempt(() => registry.resolveAlias(model, alias)), subject, `resolveAlias(${alias}) before it was set`);
  clear(subject);
  expectNotFoundOrRefused(await attempt(() => registry.getVersion({ model, alias })), subject, `getVersion(@${alias}) before it was set`);
  clear(subject);
  const deleted = expectNotFoundOrRefused(await attempt(() => registry.deleteAlias(model, alias)), subject, `deleteAlias(${alias}) before it was set`);
  const before = await registry.getModel(model);
  expect(Object.hasOwn(before.aliases, alias), `getModel().aliases has ${alias} before it was set`).toBe(false);
  expect((await registry.listAliases(model)).map((a) => a.alias)).not.toContain(alias);

  clear(subject);
  const set = await attempt(() => registry.setAlias(model, alias, version));
  if (set.refused) {
    expectRefusedBeforeAnyRequest(set, subject, `setAlias(${alias})`);
    return;
  }
  expect(set.error, `setAlias(${alias})`).toBeUndefined();
  // A deleteAlias refused as input for an alias the adapter then accepts would be a contradiction.
  expect(deleted, `deleteAlias(${alias}) was refused but setAlias accepted it`).toBe("not-found");
  // Nothing held it before: a prototype member must not show up as the previous version.
  expect(set.value, `setAlias(${alias}) result`).toEqual({});
  expect(await registry.resolveAlias(model, alias)).toBe(version);
  const after = await registry.getModel(model);
  expect(Object.hasOwn(after.aliases, alias), `getModel().aliases has ${alias} as its own key`).toBe(true);
  expect(after.aliases[alias]).toBe(version);
  expect(await registry.listAliases(model)).toContainEqual({ alias, version });
  expect((await registry.getVersion({ model, version })).aliases).toContain(alias);
  await registry.deleteAlias(model, alias);
  expect((await attempt(() => registry.resolveAlias(model, alias))).error?.name, `resolveAlias(${alias}) after delete`).toBe("NotFoundError");
}

/** Which map of a version a key goes into. */
export type KeyField = "tags" | "metrics" | "params";

const VALUES = { tags: "tag-value", metrics: 0.25, params: "param-value" } as const;

/**
 * Creating a version with `key` in its tags, metrics or params either is refused before any request (allowed only for
 * `__proto__`, which JavaScript objects cannot hold as an ordinary key) or stores it as an own key with its value, a
 * tag filter on it finds the version, and (for tags) a patch sets and removes it.
 */
export async function checkVersionKey(subject: KeySubject, field: KeyField, key: string): Promise<void> {
  const { registry, model } = subject;
  // Object.fromEntries makes `__proto__` an own key, as JSON.parse does; a literal or assignment would not.
  const map = Object.fromEntries([[key, VALUES[field]]]);
  clear(subject);
  const created = await attempt(() =>
    registry.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: `${field}:${key}` }] }, [field]: map }),
  );
  if (created.refused) {
    expect(key, `${field} key ${key} was refused`).toBe("__proto__");
    expectRefusedBeforeAnyRequest(created, subject, `createVersion with ${field}.${key}`);
    return;
  }
  expect(created.error, `createVersion with ${field}.${key}`).toBeUndefined();
  const { version } = created.value as { version: string };
  expect(version).not.toBe(subject.version);
  const got = await registry.getVersion({ model, version });
  const stored = got[field] as Record<string, unknown>;
  expect(Object.hasOwn(stored, key), `${field} has ${key} as its own key`).toBe(true);
  expect(stored[key]).toBe(VALUES[field]);
  // The first version was made without the key: it must not look as if it had it.
  expect(Object.hasOwn((await registry.getVersion({ model, version: subject.version }))[field], key), `version ${subject.version} ${field} has ${key}`).toBe(
    false,
  );
  if (field !== "tags") return;

  const found = await registry.listVersions(model, { tags: Object.fromEntries([[key, VALUES.tags]]) }).toArray();
  expect(found.map((v) => v.version)).toEqual([version]);
  await registry.updateVersion({ model, version }, { tags: Object.fromEntries([[key, "patched"]]) });
  expect((await registry.getVersion({ model, version })).tags[key]).toBe("patched");
  await registry.updateVersion({ model, version }, { tags: Object.fromEntries([[key, null]]) });
  expect(Object.hasOwn((await registry.getVersion({ model, version })).tags, key), `tag ${key} after removal`).toBe(false);
}

/**
 * A version whose files are named after prototype members (W&B keeps its manifest as an object keyed by path) lists
 * exactly those files, and each opens with its own content.
 */
export async function checkArtifactPaths(subject: KeySubject): Promise<void> {
  const { registry, model } = subject;
  const paths = [...PROTOTYPE_KEYS, ...PROTOTYPE_KEYS.map((k) => `dir/${k}`)];
  const created = await registry.createVersion(model, { artifacts: { entries: paths.map((path) => ({ path, content: `content of ${path}` })) } });
  const listed = await registry.listArtifacts({ model, version: created.version });
  expect(listed.map((f) => f.path).sort()).toEqual([...paths].sort());
  for (const path of ["__proto__", "constructor", "dir/__proto__"]) {
    const { stream } = await registry.openArtifact({ model, version: created.version }, path);
    expect(await new Response(stream).text()).toBe(`content of ${path}`);
  }
}
