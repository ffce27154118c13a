// Helpers for the Azure ML adapter's own tests (azureml-create, azureml-registry, azureml-retries, hostile): raw ARM
// requests as another tool would send them (the CLI, the portal, a second writer), the blobs Azurite holds (listed
// with the account key, not through the adapter), a fetch that records and faults what the adapter sends, and small
// version files.
import { createHash, randomBytes } from "node:crypto";
import { expect } from "vitest";
import { nodeFetch } from "../../../src/http/node-fetch.js";
import { type Azurite, azuriteAccountSas, createContainer } from "../../support/azurite.js";
import type { ArmFake } from "./arm-fake.js";
import { GROUP, REGISTRY, SUBSCRIPTION, WORKSPACE } from "./setup.js";

/** The api-version modelreg sends. */
export const API_VERSION = "2025-12-01";
/** The workspace's ARM path. */
export const W = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.MachineLearningServices/workspaces/${WORKSPACE}`;
/** The registry's ARM path. */
export const R = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/providers/Microsoft.MachineLearningServices/registries/${REGISTRY}`;

/** The two modes the adapter runs in. */
export type Mode = "workspace" | "registry";
export const MODES: readonly Mode[] = ["workspace", "registry"];
/** The ARM path of a mode's scope. */
export const scopeOf = (mode: Mode) => (mode === "workspace" ? W : R);

export const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
export const md5 = (bytes: Uint8Array | string) => createHash("md5").update(bytes).digest("base64");
export const bytesOf = async (stream: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(stream).arrayBuffer());

/** Small version files as in-memory entries. */
export const entries = (files: Record<string, string | Uint8Array>) => ({ entries: Object.entries(files).map(([path, content]) => ({ path, content })) });

/** An ARM request straight to the fake, as another tool would send it (the fake's token, the stable api-version). */
export async function armRaw(arm: ArmFake, method: string, path: string, body?: unknown): Promise<Response> {
  const url = new URL(path.startsWith("http") ? path : `${arm.url}${path}`);
  if (!url.searchParams.has("api-version")) url.searchParams.set("api-version", API_VERSION);
  return fetch(url, {
    method,
    headers: { authorization: `Bearer ${arm.token}`, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

/** Follows a long-running operation's Azure-AsyncOperation (or 202 Location) to its end; returns its final status. */
export async function settle(arm: ArmFake, res: Response): Promise<string> {
  const asyncUrl = res.headers.get("azure-asyncoperation");
  const location = res.status === 202 ? res.headers.get("location") : null;
  await res.arrayBuffer().catch(() => undefined);
  if (!asyncUrl && !location) return res.ok ? "Succeeded" : `HTTP ${res.status}`;
  for (let i = 0; i < 50; i++) {
    const poll = await fetch(asyncUrl ?? (location as string), { headers: { authorization: `Bearer ${arm.token}` } });
    if (asyncUrl) {
      const status = ((await poll.json()) as { status: string }).status;
      if (status !== "InProgress") return status;
    } else {
      await poll.arrayBuffer();
      if (poll.status !== 202) return poll.ok ? "Succeeded" : `HTTP ${poll.status}`;
    }
  }
  throw new Error("the operation never ended");
}

/** PUTs a resource as another tool would, waiting out a registry's operation; throws unless it succeeded. */
export async function armPut(arm: ArmFake, path: string, body: unknown): Promise<void> {
  const res = await armRaw(arm, "PUT", path, body);
  if (!res.ok) throw new Error(`PUT ${path}: HTTP ${res.status} ${await res.text()}`);
  const status = await settle(arm, res);
  if (status !== "Succeeded") throw new Error(`PUT ${path}: ${status}`);
}

/** The blob names in an Azurite container under `prefix`, listed with the account key (every page). */
export async function blobsIn(azurite: Pick<Azurite, "blobEndpoint" | "accountName" | "accountKey">, container: string, prefix = ""): Promise<string[]> {
  const names: string[] = [];
  let marker = "";
  for (;;) {
    const url = `${azurite.blobEndpoint}/${container}?restype=container&comp=list&prefix=${encodeURIComponent(prefix)}${marker ? `&marker=${encodeURIComponent(marker)}` : ""}&${azuriteAccountSas(azurite)}`;
    const res = await fetch(url, { headers: { "x-ms-version": "2025-11-05" } });
    const xml = await res.text();
    if (res.status === 404) return names;
    if (!res.ok) throw new Error(`listing ${container}: HTTP ${res.status} ${xml}`);
    for (const m of xml.matchAll(/<Name>([^<]*)<\/Name>/g)) names.push(unescapeXml(m[1] as string));
    marker = /<NextMarker>([^<]+)<\/NextMarker>/.exec(xml)?.[1] ?? "";
    if (!marker) return names.sort();
  }
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

/** PUTs one blob with the account key (a tool writing files, or a test corrupting them); replaces what is there. */
export async function putBlob(
  azurite: Pick<Azurite, "blobEndpoint" | "accountName" | "accountKey">,
  container: string,
  name: string,
  bytes: Uint8Array | string,
) {
  const path = name.split("/").map(encodeURIComponent).join("/");
  const res = await fetch(`${azurite.blobEndpoint}/${container}/${path}?${azuriteAccountSas(azurite)}`, {
    method: "PUT",
    headers: { "x-ms-version": "2025-11-05", "x-ms-blob-type": "BlockBlob" },
    body: typeof bytes === "string" ? bytes : Buffer.from(bytes),
  });
  if (!res.ok) throw new Error(`putting ${container}/${name}: HTTP ${res.status} ${await res.text()}`);
}

/** GETs one blob with the account key; `undefined` when missing. */
export async function getBlob(azurite: Pick<Azurite, "blobEndpoint" | "accountName" | "accountKey">, container: string, name: string) {
  const path = name.split("/").map(encodeURIComponent).join("/");
  const res = await fetch(`${azurite.blobEndpoint}/${container}/${path}?${azuriteAccountSas(azurite)}`, { headers: { "x-ms-version": "2025-11-05" } });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`getting ${container}/${name}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The workspace datastore's Azurite container. */
export const datastoreContainer = (arm: ArmFake) => arm.state.datastores.get("workspaceblobstore")?.containerName as string;

/**
 * Every blob the fake's storage holds for `model` (the datastore's `modelreg/{model}/` folder and the registry's pending
 * uploads of the model), as `container/name`.
 */
export async function modelBlobs(arm: ArmFake, azurite: Azurite, mode: Mode, model: string): Promise<string[]> {
  if (mode === "workspace") {
    const c = datastoreContainer(arm);
    return (await blobsIn(azurite, c, `modelreg/${model}/`)).map((n) => `${c}/${n}`);
  }
  const out: string[] = [];
  for (const up of arm.state.pendingUploads.values())
    if (up.model === model) out.push(...(await blobsIn(azurite, up.container)).map((n) => `${up.container}/${n}`));
  return out.sort();
}

/** The fake's stored versions of a model, by number. */
export function storedVersions(arm: ArmFake, mode: Mode, model: string) {
  const scope = mode === "workspace" ? arm.state.workspace : arm.state.registry;
  return scope?.containers.get(model)?.versions ?? new Map();
}

/** The fake's stored container of a model. */
export function storedContainer(arm: ArmFake, mode: Mode, model: string) {
  const scope = mode === "workspace" ? arm.state.workspace : arm.state.registry;
  return scope?.containers.get(model);
}

/** One request the recording fetch saw. */
export interface SeenRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  /** The status answered; 0 when the request failed (or was failed on purpose). */
  status: number;
  /** When it was sent (performance.now()). */
  at: number;
}

/** A request as a hook sees it. */
export interface HookedRequest {
  method: string;
  url: URL;
  headers: Headers;
  /** Sends the request on as it is (once) and returns the answer. */
  forward(): Promise<Response>;
}

/**
 * What a recording fetch does with a request before it goes: `undefined` passes it on (to the next hook, then out); a
 * Response answers it and an Error fails it as a cut connection would.
 */
export type FetchHook = (request: HookedRequest) => Promise<Response | Error | undefined> | Response | Error | undefined;

/** A fetch (modelreg's own node:http transport) that records every request and lets tests answer or fail chosen ones. */
export interface RecordingFetch {
  fetch: typeof fetch;
  seen: SeenRequest[];
  /** Hooks, tried in order for every request. */
  hooks: FetchHook[];
  /** Adds a hook used for the first request `when` chooses only. */
  once(when: (r: HookedRequest) => boolean, answer: FetchHook): void;
}

export function recordingFetch(): RecordingFetch {
  const seen: SeenRequest[] = [];
  const hooks: FetchHook[] = [];
  const wrapped = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    const method = (init?.method ?? "GET").toUpperCase();
    const plain: Record<string, string> = {};
    headers.forEach((value, key) => {
      plain[key] = value;
    });
    const entry: SeenRequest = { method, url, headers: plain, status: 0, at: performance.now() };
    seen.push(entry);
    let sent: Promise<Response> | undefined;
    const forward = () => {
      sent ??= nodeFetch(String(input), init as never);
      return sent;
    };
    for (const hook of [...hooks]) {
      const answer = await hook({ method, url, headers, forward });
      if (answer === undefined) continue;
      if (answer instanceof Error) {
        // A body the request carried is not sent: the connection is cut before it goes.
        if (!sent) await (init?.body as ReadableStream | undefined)?.cancel?.().catch(() => undefined);
        throw answer;
      }
      entry.status = answer.status;
      return answer;
    }
    const res = await forward();
    entry.status = res.status;
    return res;
  }) as typeof fetch;
  return {
    fetch: wrapped,
    seen,
    hooks,
    once(when, answer) {
      let used = false;
      hooks.push(async (r) => {
        if (used || !when(r)) return undefined;
        used = true;
        return answer(r);
      });
    },
  };
}

/** Whether a URL is Azurite's (the blob service), not the ARM fake's. */
export const isBlob = (azurite: Pick<Azurite, "port">, url: URL) => url.port === String(azurite.port);

/** An Azure-shaped storage error answer. */
export function blobError(status: number, code: string, message = "Injected failure."): Response {
  return new Response(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`, {
    status,
    headers: { "content-type": "application/xml", "x-ms-error-code": code },
  });
}

/** Asserts nothing in `text` contains any of the secrets. */
export function expectNoSecrets(texts: readonly string[], secrets: readonly string[]): void {
  const all = texts.join("\n");
  for (const secret of secrets) {
    expect(all).not.toContain(secret);
    expect(all).not.toContain(encodeURIComponent(secret));
  }
}

/** What another tool's version is made of. */
export interface OtherToolVersion {
  /** The version's `modelUri`. */
  modelUri: string;
  /** The Azurite container its files are in. */
  container: string;
  /** Its blobs' names (in `container`), by the file's path in the version. */
  blobs: Record<string, string>;
}

/**
 * A version another tool made (the CLI, the portal, azure-ai-ml): its files uploaded to Azurite first (the workspace
 * datastore under `tools/`, or a container of the registry's storage), then the version PUT with a `modelUri` naming
 * them and no modelreg properties. `single` names the one file itself rather than its folder; `longUri` writes the
 * workspace's long datastore form instead of the short one.
 */
export async function otherToolVersion(
  arm: ArmFake,
  azurite: Azurite,
  mode: Mode,
  model: string,
  version: string,
  options: { files?: Record<string, string | Uint8Array>; properties?: Record<string, unknown>; single?: boolean; longUri?: boolean } = {},
): Promise<OtherToolVersion> {
  const files = options.files ?? { "model.pkl": `weights of ${model} ${version}` };
  const folder = `tools/${model}/${version}-${randomBytes(4).toString("hex")}/`;
  let container: string;
  let base: string;
  if (mode === "workspace") {
    container = datastoreContainer(arm);
    // The datastore's container exists once the fake was asked for the datastore.
    await armRaw(arm, "GET", `${W}/datastores/workspaceblobstore`).then((r) => r.arrayBuffer());
    base = options.longUri
      ? `azureml://subscriptions/${SUBSCRIPTION}/resourcegroups/${GROUP}/workspaces/${WORKSPACE}/datastores/workspaceblobstore/paths/`
      : "azureml://datastores/workspaceblobstore/paths/";
  } else {
    container = `tools-${randomBytes(8).toString("hex")}`;
    await createContainer(azurite, container);
    // Files in the registry's own storage: the data references of its versions reach them.
    arm.state.containers.add(container);
    base = `${azurite.blobEndpoint}/${container}/`;
  }
  const blobs: Record<string, string> = {};
  for (const [path, bytes] of Object.entries(files)) {
    blobs[path] = `${folder}${path}`;
    await putBlob(azurite, container, `${folder}${path}`, bytes);
  }
  const only = Object.keys(files)[0] as string;
  const modelUri = options.single ? `${base}${folder}${only}` : `${base}${folder}`;
  await armPut(arm, `${scopeOf(mode)}/models/${model}/versions/${version}`, {
    properties: { modelUri, modelType: "custom_model", ...options.properties },
  });
  return { modelUri, container, blobs };
}

/**
 * Lets Azure finish what it was running: polls every operation of the fake still in progress to its end (Azure runs
 * an operation whether or not anyone polls it; the fake runs one only as it is polled).
 */
export async function finishOperations(arm: ArmFake): Promise<void> {
  for (const op of arm.state.operations.values()) {
    for (let i = 0; i < 50 && op.status === "InProgress"; i++) {
      const url = `${arm.url}/subscriptions/${SUBSCRIPTION}/providers/Microsoft.MachineLearningServices/locations/${arm.state.location}/mfeOperationsStatus/${op.id}?api-version=${op.apiVersion}`;
      await (await fetch(url, { headers: { authorization: `Bearer ${arm.token}` } })).arrayBuffer();
    }
  }
}
