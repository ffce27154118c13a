// createVersion on Azure ML under kill -9, in a workspace and in an Azure ML registry. A writer process
// (support/kill-child.ts) runs one createVersion (a small file and a streamed file of seven blocks, aliases
// ["champion"], an idempotency key) against the ARM fake and Azurite through loopback proxies
// (support/adapter-hostile-proxy.ts); the parent holds the request that marks the kill point and SIGKILLs the writer
// when it arrives:
//   (a) the 4th Put Block of the big file (three blocks staged, nothing committed);
//   (b) the version PUT (files and record uploaded, the version never asked for);
//   (c) the container PUT that sets the aliases (the version exists);
//   (d) registry only: the first poll of the version PUT's long-running operation (Azure is still making it).
// Then, with fresh clients, what a user checks: every listed version reads whole (each file byte for byte, matching
// the SHA-256 its record gives, and the whole set of files of one create), every alias points at a listed version;
// a rerun with the same idempotency key (which sets the alias a kill left unset) and one without (a new training run: other bytes) succeed with whole
// versions, numbered 1 and 2, no number given other bytes; nothing outside the killed create's own folder changed
// (foreign blobs in the datastore and in another container are intact, earlier versions' folders too). What the kill
// leaves is logged and pinned: blobs in the killed create's folder that no version names, uncommitted blocks, the
// model the create made. modelreg has no way to remove them (no gc for Azure ML).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { NotFoundError } from "modelreg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createAzureMlRegistry } from "../../src/adapters/azureml/index.js";
import { azuriteAccountSas, createContainer } from "../support/azurite.js";
import { CANARY } from "../support/canary.js";
import { childScript } from "../support/child-script.js";
import { rejectionOf } from "../support/rejection.js";
import {
  armRaw,
  bytesOf,
  datastoreContainer,
  finishOperations,
  getBlob,
  MODES,
  type Mode,
  putBlob,
  scopeOf,
  sha256,
  storedVersions,
} from "./support/adapter-helpers.js";
import type { HostileProxy, ProxiedRequest } from "./support/adapter-hostile-proxy.js";
import type { ArmFake } from "./support/arm-fake.js";
import { type ProxiedArmFake, startProxiedArmFake } from "./support/proxied-arm-fake.js";
import { BIG_FILE_BLOCKS, KILL_BLOCK_BYTES, type KillSpec, killFiles, SPEC_ENV } from "./support/kill-spec.js";
import { GROUP, REGISTRY, SUBSCRIPTION, WORKSPACE } from "./support/setup.js";

const azurite = inject("azurite");
let fakes: ProxiedArmFake;
let arm: ArmFake;
let armProxy: HostileProxy;
let blobProxy: HostileProxy;
let writer: string;
/** The datastore's container, and a container of another tool's files in the same account. */
let datastore: string;
let foreign: string;
/** Blobs that are not modelreg's, as `container/name`, with their bytes. */
const FOREIGN: Record<string, Uint8Array> = {};

beforeAll(async () => {
  const script = childScript(new URL("./support/kill-child.ts", import.meta.url));
  fakes = await startProxiedArmFake(azurite, {
    token: CANARY.azureToken,
    // A registry's operation ends when polled (the writer polls its own), never by itself within a test: (d) looks at
    // the registry while Azure is still making the version, then lets it finish (finishOperations).
    lroSettleMs: 600_000,
  });
  ({ arm, armProxy, blobProxy } = fakes);
  // The datastore's container exists once the datastore was asked for.
  await (await armRaw(arm, "GET", `${scopeOf("workspace")}/datastores/workspaceblobstore`)).arrayBuffer();
  datastore = datastoreContainer(arm);
  foreign = `foreign-${randomBytes(6).toString("hex")}`;
  await createContainer(azurite, foreign);
  const files: Array<[string, string, string]> = [
    [datastore, "tools/fraud/3/model.pkl", "another tool's weights"],
    [datastore, "notes.txt", "a file someone keeps at the container's root"],
    [foreign, "weights.bin", "another container's file"],
  ];
  for (const [container, name, text] of files) {
    FOREIGN[`${container}/${name}`] = new TextEncoder().encode(text);
    await putBlob(azurite, container, name, text);
  }
  writer = await script;
});
afterAll(async () => {
  await fakes?.close();
});

/** A fresh client, as a user's next process makes (through the proxies, with no rule left on them). */
const client = (mode: Mode) =>
  createAzureMlRegistry({
    subscriptionId: SUBSCRIPTION,
    resourceGroup: GROUP,
    ...(mode === "workspace" ? { workspace: WORKSPACE } : { registry: REGISTRY }),
    endpoint: armProxy.url,
    token: arm.token,
    blockBytes: KILL_BLOCK_BYTES,
    pollIntervalMs: 5,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    env: {},
    actor: "rerun",
  });

/** A create's files as streamed entries. */
const entriesOf = (files: Record<string, Uint8Array<ArrayBuffer>>) => ({
  entries: Object.entries(files).map(([path, bytes]) => ({ path, size: bytes.byteLength, open: () => new Blob([bytes]).stream() })),
});

// ---- Blobs: every blob of the account's containers, and whose folder each is in ----

/** Every committed blob of the containers the fake made (datastore, pending uploads) and the foreign one: `container/name` to ETag. */
async function snapshot(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const container of [...arm.state.containers, foreign])
    for (const blob of await listBlobs(container, false)) out.set(`${container}/${blob.name}`, blob.etag);
  return out;
}

/** One container's blobs with their ETags; with `uncommitted`, also blobs that have only staged blocks. */
async function listBlobs(container: string, uncommitted: boolean, prefix = ""): Promise<Array<{ name: string; etag: string }>> {
  const out: Array<{ name: string; etag: string }> = [];
  let marker = "";
  for (;;) {
    const query = `restype=container&comp=list&prefix=${encodeURIComponent(prefix)}${uncommitted ? "&include=uncommittedblobs" : ""}${marker ? `&marker=${encodeURIComponent(marker)}` : ""}`;
    const res = await fetch(`${azurite.blobEndpoint}/${container}?${query}&${azuriteAccountSas(azurite)}`, { headers: { "x-ms-version": "2025-11-05" } });
    const xml = await res.text();
    if (!res.ok) throw new Error(`listing ${container}: HTTP ${res.status}`);
    for (const m of xml.matchAll(/<Blob>([\s\S]*?)<\/Blob>/g)) {
      const body = m[1] as string;
      const name = (/<Name>([^<]*)<\/Name>/.exec(body)?.[1] ?? "").replace(/&amp;/g, "&");
      out.push({ name, etag: /<Etag>([^<]*)<\/Etag>/i.exec(body)?.[1] ?? "" });
    }
    marker = /<NextMarker>([^<]+)<\/NextMarker>/.exec(xml)?.[1] ?? "";
    if (!marker) return out;
  }
}

/** The uncommitted blocks Azurite holds for a blob (Get Block List). */
async function uncommittedBlocks(key: string): Promise<number> {
  const res = await fetch(`${azurite.blobEndpoint}/${key}?comp=blocklist&blocklisttype=uncommitted&${azuriteAccountSas(azurite)}`, {
    headers: { "x-ms-version": "2025-11-05" },
  });
  const xml = await res.text();
  if (!res.ok) throw new Error(`block list of ${key}: HTTP ${res.status}`);
  return [...(/<UncommittedBlocks>([\s\S]*)<\/UncommittedBlocks>/.exec(xml)?.[1] ?? "").matchAll(/<Block>/g)].length;
}

/**
 * The folder a blob (`container/name`) is in when modelreg made it, with its model: `modelreg/{model}/{attempt}/` in the
 * datastore, or a registry's pending-upload container; `undefined` for any other blob.
 */
function placeOf(key: string): { place: string; model: string } | undefined {
  const [container, ...rest] = key.split("/");
  const name = rest.join("/");
  if (container === datastore) {
    const m = /^modelreg\/([^/]+)\/([^/]+)\//.exec(name);
    return m ? { place: `${container}/modelreg/${m[1]}/${m[2]}/`, model: m[1] as string } : undefined;
  }
  const upload = [...arm.state.pendingUploads.values()].find((u) => u.container === container);
  return upload ? { place: `${container}/`, model: upload.model } : undefined;
}

/** The same for a request path through the blob proxy (`/devstoreaccount1/{container}/{name}?...`). */
const placeOfPath = (path: string) => placeOf(decodeURIComponent((path.split("?")[0] as string).replace(`/${azurite.accountName}/`, "")));

/** The folders the model's stored versions name (from their modelUri, as the fake keeps it). */
function versionPlaces(mode: Mode, model: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [version, v] of storedVersions(arm, mode, model)) {
    const uri = String(v.properties.modelUri);
    const path = mode === "workspace" ? `${datastore}/${/\/paths\/(.*)$/.exec(uri)?.[1] ?? ""}` : new URL(uri).pathname.split("/").slice(2).join("/");
    out.set(version, path.replace(/model\/$/, ""));
  }
  return out;
}

/** Nothing `before` held was changed or removed. */
function expectKept(before: Map<string, string>, after: Map<string, string>, when: string): void {
  const changed = [...before].filter(([key, etag]) => after.get(key) !== etag).map(([key]) => key);
  expect(changed, `${when}: blobs changed or removed`).toEqual([]);
}

// ---- What a user sees ----

/** What a user sees of a model: its versions (each whole, as which create's files) and aliases. */
interface UserView {
  /** Version number to the seed of the create whose files it holds. */
  versions: Map<string, number>;
  aliases: Record<string, string>;
}

/**
 * Reads a model as a user would, with a fresh client: every listed version by getVersion, its files listed and each
 * downloaded, byte for byte the SHA-256 and size its record gives, and all of them together the files of one create
 * (of `seeds`); every alias by getVersion through the alias, at a listed version.
 */
async function userView(mode: Mode, model: string, seeds: readonly number[]): Promise<UserView> {
  const reg = client(mode);
  const m = await reg.getModel(model);
  const versions = new Map<string, number>();
  for (const v of await reg.listVersions(model).toArray()) {
    expect((await reg.getVersion({ model, version: v.version })).version).toBe(v.version);
    const listed = await reg.listArtifacts({ model, version: v.version });
    for (const f of listed) {
      const bytes = await bytesOf((await reg.openArtifact({ model, version: v.version }, f.path)).stream);
      expect({ path: f.path, size: bytes.byteLength, sha256: sha256(bytes) }, `${model}/${v.version}: ${f.path} as downloaded`).toEqual({
        path: f.path,
        size: f.size,
        sha256: f.sha256,
      });
    }
    const got = Object.fromEntries(listed.map((f) => [f.path, f.sha256]));
    const seed = seeds.find((s) => {
      const files = killFiles(s);
      return (
        JSON.stringify(Object.keys(got).sort()) === JSON.stringify(Object.keys(files).sort()) && Object.entries(files).every(([p, b]) => got[p] === sha256(b))
      );
    });
    expect(seed, `${model}/${v.version} holds ${JSON.stringify(got)}: not the whole files of any create`).toBeDefined();
    versions.set(v.version, seed as number);
  }
  for (const [alias, target] of Object.entries(m.aliases)) {
    expect([...versions.keys()], `alias ${alias} points at ${target}`).toContain(target);
    expect((await reg.getVersion({ model, alias })).version).toBe(target);
  }
  return { versions, aliases: { ...m.aliases } };
}

// ---- The kill ----

/** Runs the writer on `spec` and SIGKILLs it when a request `when` chooses reaches `proxy` (which holds it unanswered). */
async function killWhen(spec: KillSpec, proxy: HostileProxy, when: (r: ProxiedRequest) => boolean, point: string): Promise<ProxiedRequest> {
  let reached: (r: ProxiedRequest) => void = () => undefined;
  const atPoint = new Promise<ProxiedRequest>((resolve) => {
    reached = resolve;
  });
  proxy.on(when, (req) => reached({ method: req.method ?? "", path: req.url ?? "", headers: req.headers }), 1);
  const env: NodeJS.ProcessEnv = { ...process.env, [SPEC_ENV]: JSON.stringify(spec) };
  delete env.MODELREG_LOG;
  const child = spawn(process.execPath, [writer], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  let guard: NodeJS.Timeout | undefined;
  try {
    const first = await Promise.race([
      atPoint.then((request) => ({ request })),
      exited.then((end) => ({ end })),
      new Promise<{ timeout: true }>((resolve) => {
        guard = setTimeout(() => resolve({ timeout: true }), 25_000);
      }),
    ]);
    if (!("request" in first)) {
      child.kill("SIGKILL");
      throw new Error(`the writer never reached ${point} (${"end" in first ? `it exited: ${JSON.stringify(first.end)}` : "25 s"}): ${out.slice(-2000)}`);
    }
    expect(child.kill("SIGKILL")).toBe(true);
    expect(await exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(out).not.toMatch(/^(done|fail) /m);
    return first.request;
  } finally {
    clearTimeout(guard);
    proxy.rules.splice(0, proxy.rules.length);
  }
}

const pathOf = (r: ProxiedRequest) => r.path.split("?")[0] as string;
const queryOf = (r: ProxiedRequest) => new URLSearchParams(r.path.split("?")[1] ?? "");
const isVersionPut = (mode: Mode, model: string) => (r: ProxiedRequest) =>
  r.method === "PUT" &&
  /^\d+$/.test(pathOf(r).slice(`${scopeOf(mode)}/models/${model}/versions/`.length)) &&
  pathOf(r).startsWith(`${scopeOf(mode)}/models/${model}/versions/`);
const versionPutSeen = (mode: Mode, model: string) => armProxy.seen.some(isVersionPut(mode, model));

/** The Put Block the writer is killed at: three blocks staged before it. */
const HOLD_BLOCK = 4;

interface KillPoint {
  id: "a" | "b" | "c" | "d";
  title: string;
  modes: readonly Mode[];
  /** The proxy and the request the writer is killed at. */
  at(mode: Mode, model: string): { proxy: HostileProxy; when: (r: ProxiedRequest) => boolean };
}

const POINTS: readonly KillPoint[] = [
  {
    id: "a",
    title: `(a) in the middle of the big file's blocks (at Put Block ${HOLD_BLOCK} of ${BIG_FILE_BLOCKS + 1})`,
    modes: MODES,
    at: (_mode, model) => {
      let blocks = 0;
      return {
        proxy: blobProxy,
        when: (r) =>
          r.method === "PUT" &&
          queryOf(r).get("comp") === "block" &&
          pathOf(r).endsWith("/model/weights/model.bin") &&
          placeOfPath(r.path)?.model === model &&
          ++blocks === HOLD_BLOCK,
      };
    },
  },
  {
    id: "b",
    title: "(b) after the files and the record are uploaded, at the version PUT",
    modes: MODES,
    at: (mode, model) => ({ proxy: armProxy, when: isVersionPut(mode, model) }),
  },
  {
    id: "c",
    title: "(c) after the version PUT is accepted, at the container PUT that sets the aliases",
    modes: MODES,
    at: (mode, model) => ({
      proxy: armProxy,
      when: (r) => r.method === "PUT" && pathOf(r) === `${scopeOf(mode)}/models/${model}` && versionPutSeen(mode, model),
    }),
  },
  {
    id: "d",
    title: "(d) while the registry's operation making the version still runs (at its first poll)",
    modes: ["registry"],
    at: (mode, model) => ({
      proxy: armProxy,
      when: (r) => r.method === "GET" && pathOf(r).includes("/mfeOperationsStatus/") && versionPutSeen(mode, model),
    }),
  },
];

/** What each kill left, for the log line at the end. */
const leftReport: string[] = [];

afterAll(() => {
  if (leftReport.length > 0) console.log(`Azure ML kill test, what each kill left:\n${leftReport.join("\n")}`);
});

describe.each(MODES)("createVersion killed with SIGKILL (%s)", (mode) => {
  let seed = mode === "workspace" ? 1000 : 2000;
  for (const point of POINTS.filter((p) => p.modes.includes(mode))) {
    it(`${point.title}: no partial version, no alias to a missing one, reruns whole, nothing else touched`, async () => {
      const model = `kill-${point.id}-${mode === "workspace" ? "w" : "r"}`;
      const first = (seed += 10);
      const second = first + 1;
      const key = `train-run-${model}`;
      const before = await snapshot();
      const at = point.at(mode, model);
      const held = await killWhen(
        {
          mode,
          endpoint: armProxy.url,
          token: arm.token,
          subscriptionId: SUBSCRIPTION,
          resourceGroup: GROUP,
          scopeName: mode === "workspace" ? WORKSPACE : REGISTRY,
          model,
          seed: first,
          aliases: ["champion"],
          idempotencyKey: key,
        },
        at.proxy,
        at.when,
        point.title,
      );

      // Right after the kill: nothing that was there changed; what is new is in the killed create's own folder.
      const afterKill = await snapshot();
      expectKept(before, afterKill, "the kill");
      const added = [...afterKill.keys()].filter((k) => !before.has(k));
      const addedPlaces = new Set(added.map((k) => placeOf(k)?.place ?? `not modelreg's: ${k}`));
      const killedPlace = point.id === "a" ? placeOfPath(held.path)?.place : [...addedPlaces][0];
      expect(killedPlace, "the killed create's folder").toBeDefined();
      expect([...addedPlaces].filter((p) => p !== killedPlace)).toEqual([]);
      expect(placeOf(`${killedPlace}x`)?.model).toBe(model);

      // What a user sees: the model the create made (it was made first), no version or a whole one, no alias.
      let view = await userView(mode, model, [first]);
      if (point.id === "c") expect([...view.versions]).toEqual([["1", first]]);
      else {
        expect([...view.versions]).toEqual([]);
        expect(NotFoundError.isInstance(await rejectionOf(client(mode).getVersion({ model, version: "1" })))).toBe(true);
      }
      if (point.id === "d") {
        // Azure goes on with what it accepted: the version the dead writer asked for appears, whole.
        await finishOperations(arm);
        view = await userView(mode, model, [first]);
        expect([...view.versions]).toEqual([["1", first]]);
      }
      expect(view.aliases).toEqual({});
      if (point.id === "c" || point.id === "d") expect(versionPlaces(mode, model).get("1")).toBe(killedPlace);
      if (point.id === "a") {
        // Three blocks staged and never committed; the big file is no blob, the record was never written.
        const big = `${killedPlace}model/weights/model.bin`;
        expect(afterKill.has(big)).toBe(false);
        expect(afterKill.has(`${killedPlace}modelreg.json`)).toBe(false);
        expect(await uncommittedBlocks(big)).toBe(HOLD_BLOCK - 1);
      }
      if (point.id === "b")
        expect(added.sort()).toEqual([`${killedPlace}model/config.json`, `${killedPlace}model/weights/model.bin`, `${killedPlace}modelreg.json`]);

      // The same create again, with the same key: version 1, whole. After (c) and (d) it is the dead writer's version.
      const keyed = await client(mode).createVersion(model, { artifacts: entriesOf(killFiles(first)), aliases: ["champion"], idempotencyKey: key });
      expect(keyed.version).toBe("1");
      view = await userView(mode, model, [first]);
      expect([...view.versions]).toEqual([["1", first]]);
      // The rerun completes what the killed create asked for: after (c) and (d) the version was there without its alias.
      if (point.id === "c" || point.id === "d") expect(versionPlaces(mode, model).get("1")).toBe(killedPlace);
      expect(keyed.aliases).toEqual(["champion"]);
      expect(view.aliases).toEqual({ champion: "1" });

      // A new training run without a key: other bytes, the next number; version 1 keeps its bytes.
      const fresh = await client(mode).createVersion(model, { artifacts: entriesOf(killFiles(second)), aliases: ["champion"] });
      expect(fresh.version).toBe("2");
      view = await userView(mode, model, [first, second]);
      expect([...view.versions].sort()).toEqual([
        ["1", first],
        ["2", second],
      ]);
      expect(view.aliases).toEqual({ champion: "2" });

      // The reruns changed nothing that was there (the dead writer's blobs included), nor anything not modelreg's.
      const end = await snapshot();
      expectKept(afterKill, end, "the reruns");
      for (const [blob, bytes] of Object.entries(FOREIGN)) {
        const [container, ...name] = blob.split("/");
        expect(await getBlob(azurite, container as string, name.join("/")), blob).toEqual(bytes);
      }
      expect([...end.keys()].filter((k) => !before.has(k) && placeOf(k)?.model !== model)).toEqual([]);

      // What is left: blobs of the model's folders that no version names.
      const named = new Set(versionPlaces(mode, model).values());
      const leftovers = [...end.keys()].filter((k) => placeOf(k)?.model === model && !named.has(placeOf(k)?.place as string)).sort();
      // Blobs of the killed create's folder that have staged blocks and were never committed.
      const [container, ...inContainer] = (killedPlace as string).split("/");
      const staged = (await listBlobs(container as string, true, inContainer.join("/"))).map((b) => `${container}/${b.name}`).filter((k) => !end.has(k));
      if (point.id === "a") {
        // The small file may or may not have been stored when the kill came (the two files go up at once).
        expect(leftovers.filter((k) => k !== `${killedPlace}model/config.json`)).toEqual([]);
        expect(staged).toEqual([`${killedPlace}model/weights/model.bin`]);
      } else if (point.id === "b") expect(leftovers).toEqual(added.sort());
      else expect(leftovers).toEqual([]);
      if (point.id !== "a") expect(staged).toEqual([]);
      const short = (k: string) => k.slice((killedPlace ?? "").length);
      leftReport.push(
        `  ${mode} ${point.id}: ${leftovers.length === 0 ? "no blob outside a version" : `blobs no version names: ${leftovers.map(short).join(", ")}`}` +
          `${staged.length > 0 ? `; uncommitted blocks of ${staged.map(short).join(", ")}` : ""}` +
          `${point.id === "a" || point.id === "b" ? "; the model it made, with no version until the rerun" : "; version 1 without the alias it asked for, until the rerun with its key"}`,
      );
    });
  }
});
