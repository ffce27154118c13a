// The CLI with azureml:// URIs: the real executable (src/cli/bin.ts bundled once, as cli-huggingface.test.ts runs it)
// as a child process, pointed at the ARM fake on loopback by `?endpoint=`, with the token in AZURE_ACCESS_TOKEN as a
// user's shell would have it (`az account get-access-token`). Files go to Azurite through the datastore and the pending
// uploads the fake hands out. Every run's stdout and stderr are checked for the token, the datastore's key and SAS
// signatures, with request logging on (MODELREG_LOG=debug), since the canary setup only sees this process's output.
// What needs no child process (the help text, URI checks that send nothing) runs in-process through runCli.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createLocalRegistry } from "modelreg/local";
import { parseRegistryUri } from "modelreg/sync";
import { registryIdentity } from "../../src/cli/cli-locations.js";
import { runCli } from "../../src/cli/main.js";
import { childScript } from "../support/child-script.js";
import { io, tempDir } from "../cli/support/helpers.js";
import type { ModelScope } from "./support/arm-fake-state.js";
import { GROUP, REGISTRY, SUBSCRIPTION, WORKSPACE, useAzureFakes } from "./support/setup.js";

const fakes = useAzureFakes();
const MiB = 1024 * 1024;
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
/** Deterministic bytes. */
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 17 + (i >> 8)) % 251);

/** The workspace's models, and the registry's, at the fake (`?endpoint=`). */
const wsUri = () => `azureml://${SUBSCRIPTION}/${GROUP}/${WORKSPACE}?endpoint=${fakes.arm.url}`;
const regUri = () => `azureml://${SUBSCRIPTION}/${GROUP}/registries/${REGISTRY}?endpoint=${fakes.arm.url}`;
const workspaceScope = () => fakes.arm.state.workspace as ModelScope;
const registryScope = () => fakes.arm.state.registry as ModelScope;
const containerTags = (scope: ModelScope, model: string) => (scope.containers.get(model)?.properties.tags ?? {}) as Record<string, string>;
const armVersion = (scope: ModelScope, model: string, version: string) => scope.containers.get(model)?.versions.get(version)?.properties ?? {};
const READ_POSTS = new Set(["Datastores_ListSecrets", "RegistryDataReferences_GetBlobReferenceSAS"]);
/** Requests that could change Azure: anything but GET and the POSTs that only read. */
const writes = () => fakes.arm.requests.filter((r) => r.method !== "GET" && !READ_POSTS.has(r.operation ?? "")).length;

let bin: string;
let home: string;
beforeAll(async () => {
  bin = await childScript(new URL("../../src/cli/bin.ts", import.meta.url));
  // A home of its own: no Azure CLI profile of the machine's (~/.azure) is read.
  home = await tempDir("modelreg-cli-azureml-home-");
}, 120_000);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout without the request log's lines. */
  out: string;
  /** stdout's JSON lines. */
  lines(): Array<Record<string, unknown>>;
}

/**
 * Runs `modelreg` in `cwd` with the fake's token in AZURE_ACCESS_TOKEN, and checks that no secret shows up in what it
 * printed: the token it was given, the datastore's account key (listSecrets answers it), a SAS signature.
 */
async function modelreg(cwd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const full: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: home, AZURE_ACCESS_TOKEN: fakes.arm.token, MODELREG_LOG: "debug", ...env };
  const childEnv = Object.fromEntries(Object.entries(full).filter((e): e is [string, string] => e[1] !== undefined));
  const run = await new Promise<Omit<Run, "lines" | "out">>((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
  // Checked on every run, whatever the test asks next; a failure names no secret.
  for (const [what, secret] of [
    ["the token", fakes.arm.token],
    ["the token given", env.AZURE_ACCESS_TOKEN],
    ["the datastore key", fakes.azurite.accountKey],
  ] as const) {
    if (!secret) continue;
    expect(run.stdout.includes(secret), `modelreg ${args[0]} printed ${what} on stdout`).toBe(false);
    expect(run.stderr.includes(secret), `modelreg ${args[0]} printed ${what} on stderr`).toBe(false);
  }
  // The request log shows Blob URLs with their SAS, the signature redacted.
  expect(/[?&]sig=(?!\[REDACTED\])[^&\s"]/.test(run.stdout + run.stderr), `modelreg ${args[0]} printed a SAS signature`).toBe(false);
  return {
    ...run,
    out: run.stdout
      .split("\n")
      .filter((l) => !l.startsWith("[modelreg debug]"))
      .join("\n"),
    lines: () =>
      run.stdout
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** A model the fake holds two versions of (champion on the first), made through the library. */
async function seedAzure(mode: "workspace" | "registry", model: string) {
  const weights = bytes(MiB + 3, 4);
  const azure = mode === "workspace" ? fakes.workspace() : fakes.registry();
  await azure.createVersion(model, {
    artifacts: {
      entries: [
        { path: "model.bin", content: weights },
        { path: "config.json", content: '{"layers":2}' },
      ],
    },
    metrics: { auc: 0.9 },
    aliases: ["champion"],
  });
  await azure.transitionStage(`${model}/1`, "production");
  await azure.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "retrained" }] }, metrics: { auc: 0.93 } });
  return { weights };
}

describe("modelreg --help", () => {
  it("lists both azureml:// forms, with AZURE_ACCESS_TOKEN among the credentials", async () => {
    const help = io();
    expect(await runCli(["--help"], help.io)).toBe(0);
    expect(help.out()).toMatch(
      /^ {2}azureml:\/\/subscription\/resource-group\/workspace\n +Azure ML workspace models, or an Azure ML registry's with azureml:\/\/subscription\/resource-group\/registries\/registry \(\?endpoint=, \?datastore=\)$/m,
    );
    expect(help.out().replace(/\n/g, " ")).toMatch(
      /credentials come from each provider's environment variables \(.*\bAZURE_ACCESS_TOKEN, else DefaultAzureCredential\b.*\), never from the URI/,
    );
    const sync = io();
    expect(await runCli(["sync", "--help"], sync.io)).toBe(0);
    expect(sync.out()).toMatch(/^ {2}azureml:\/\/subscription\/resource-group\/workspace$/m);
  });
});

describe("modelreg sync with Azure ML", () => {
  it("file:./reg -> a workspace: a dry run writes nothing, the sync copies both versions, a second copies nothing; then into a registry", async () => {
    const cwd = await tempDir();
    const model = "cli-fraud";
    const weights = bytes(MiB + 11, 1);
    const local = createLocalRegistry({ root: join(cwd, "reg") });
    await local.createVersion(model, {
      artifacts: {
        entries: [
          { path: "model.bin", content: weights },
          { path: "params.json", content: '{"depth":3}' },
        ],
      },
      metrics: { auc: 0.91 },
      tags: { team: "risk" },
      aliases: ["champion"],
    });
    await local.transitionStage(`${model}/1`, "production");
    await local.createVersion(model, { artifacts: { entries: [{ path: "model.bin", content: "second weights" }] }, metrics: { auc: 0.93 } });

    let before = writes();
    const dry = await modelreg(cwd, ["sync", "file:./reg", wsUri(), "--model", model, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(new RegExp(`^copy ${model}/1 -> \\(new\\): alias champion, stage production$`, "m"));
    expect(dry.out).toMatch(new RegExp(`^copy ${model}/2 -> \\(new\\)$`, "m"));
    expect(dry.out).toMatch(/dry run: 2 to copy, 0 to update, 0 to skip, 0 in conflict; nothing changed/);
    expect(workspaceScope().containers.has(model)).toBe(false);
    expect(writes()).toBe(before);
    // Request logging was on: the child did log its requests to the fake (so the secret checks saw real request lines).
    expect(dry.stdout).toMatch(
      new RegExp(
        `^\\[modelreg debug\\] azureml listVersions: GET http://127\\.0\\.0\\.1:\\d+/subscriptions/${SUBSCRIPTION}/resourceGroups/${GROUP}/.*/workspaces/${WORKSPACE}/models/${model}\\?api-version=2025-12-01 -> 404`,
        "m",
      ),
    );

    const first = await modelreg(cwd, ["sync", "file:./reg", wsUri(), "-m", model, "--json"]);
    expect(first.stderr.includes("Error:")).toBe(false);
    expect(first.code).toBe(0);
    expect(first.lines().at(-1)).toMatchObject({ type: "report", counts: { created: 2, failed: 0 }, bytesCopied: weights.byteLength + 11 + 14 });
    expect(first.lines().filter((l) => l.type === "version.done")).toHaveLength(2);
    // The files went to the datastore with a SAS (made from the key listSecrets gave), which the log shows redacted.
    expect(first.stdout).toMatch(/^\[modelreg debug\] azureml createVersion: PUT http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/.*[?&]sig=\[REDACTED\]/m);
    // In the workspace: versions 1 and 2, the stage on the stage field, the alias as a container tag; every request
    // carried the token (the fake refuses others).
    expect([...(workspaceScope().containers.get(model)?.versions.keys() ?? [])].sort()).toEqual(["1", "2"]);
    expect(armVersion(workspaceScope(), model, "1")).toMatchObject({ stage: "Production", tags: { team: "risk", "modelreg.sync.version": "1" } });
    expect(armVersion(workspaceScope(), model, "2")).toMatchObject({ stage: "Development" });
    expect(containerTags(workspaceScope(), model)).toEqual({ "modelreg.alias.champion": "1" });
    expect(fakes.arm.requests.every((r) => r.authorized)).toBe(true);
    const ws = fakes.workspace();
    const read = async (ref: string, path: string) => new Uint8Array(await new Response((await ws.openArtifact(ref, path)).stream).arrayBuffer());
    expect(sha256(await read(`${model}/1`, "model.bin"))).toBe(sha256(weights));
    expect(Buffer.from(await read(`${model}/2`, "model.bin")).toString()).toBe("second weights");

    before = writes();
    const second = await modelreg(cwd, ["sync", "file:./reg", wsUri(), "-m", model, "--json"]);
    expect(second.code).toBe(0);
    expect(second.lines().at(-1)).toMatchObject({ counts: { created: 0, updated: 0, skipped: 2, failed: 0 }, bytesCopied: 0 });
    expect(writes()).toBe(before);

    // The same into the Azure ML registry (long-running PUTs, files where startPendingUpload says).
    const shared = await modelreg(cwd, ["sync", "file:./reg", regUri(), "-m", model, "--json"]);
    expect(shared.code).toBe(0);
    expect(shared.lines().at(-1)).toMatchObject({ counts: { created: 2, failed: 0 } });
    expect([...(registryScope().containers.get(model)?.versions.keys() ?? [])].sort()).toEqual(["1", "2"]);
    expect(armVersion(registryScope(), model, "1")).toMatchObject({ stage: "Production" });
    expect(containerTags(registryScope(), model)).toEqual({ "modelreg.alias.champion": "1" });
    expect(sha256(new Uint8Array(await new Response((await fakes.registry().openArtifact(`${model}@champion`, "model.bin")).stream).arrayBuffer()))).toBe(
      sha256(weights),
    );
  });

  it("a registry -> file:./copy copies its versions byte for byte, with the champion alias and the stage", async () => {
    const cwd = await tempDir();
    const model = "cli-a2l";
    const { weights } = await seedAzure("registry", model);
    const run = await modelreg(cwd, ["sync", regUri(), "file:./copy", "-m", model, "--json"]);
    expect(run.code).toBe(0);
    expect(run.lines().at(-1)).toMatchObject({ counts: { created: 2, failed: 0 } });
    const local = createLocalRegistry({ root: join(cwd, "copy") });
    expect(await local.resolveAlias(model, "champion")).toBe("1");
    expect(await local.getVersion(`${model}/1`)).toMatchObject({ stage: "production", metrics: { auc: 0.9 } });
    const read = async (ref: string, path: string) => new Uint8Array(await new Response((await local.openArtifact(ref, path)).stream).arrayBuffer());
    expect(sha256(await read(`${model}/1`, "model.bin"))).toBe(sha256(weights));
    expect(Buffer.from(await read(`${model}/1`, "config.json")).toString()).toBe('{"layers":2}');
    expect(Buffer.from(await read(`${model}/2`, "model.bin")).toString()).toBe("retrained");
  });

  it("refuses one workspace or registry as both source and target, however its names are cased, before any request", async () => {
    const requests = fakes.arm.requests.length;
    const upper = `azureml://${SUBSCRIPTION.toUpperCase()}/${GROUP.toUpperCase()}/${WORKSPACE.toUpperCase()}?endpoint=${fakes.arm.url}/`;
    for (const [a, b] of [
      [wsUri(), upper],
      [regUri(), regUri().replace(`/registries/${REGISTRY}`, `/registries/${REGISTRY.toUpperCase()}`)],
    ]) {
      const same = io({ env: { AZURE_ACCESS_TOKEN: fakes.arm.token } });
      expect(await runCli(["sync", a as string, b as string, "--dry-run"], same.io)).toBe(2);
      expect(same.err()).toMatch(/source and target are the same registry/);
    }
    expect(fakes.arm.requests.length).toBe(requests);
    // A workspace and a registry of the same name are two registries; so are two Resource Manager hosts.
    const identity = (uri: string) => registryIdentity(parseRegistryUri(uri), {});
    expect(await identity(`azureml://s/g/x?endpoint=${fakes.arm.url}`)).not.toBe(await identity(`azureml://s/g/registries/x?endpoint=${fakes.arm.url}`));
    expect(await identity("azureml://s/g/x")).toBe(await identity("azureml://s/g/x?endpoint=https://management.azure.com"));
    expect(await identity("azureml://s/g/x")).not.toBe(await identity(`azureml://s/g/x?endpoint=${fakes.arm.url}`));
  });
});

describe("modelreg ls, show and get on azureml://", () => {
  it("lists the workspace's models and a model's versions, shows one, and downloads it verified", async () => {
    const cwd = await tempDir();
    const model = "cli-read";
    const { weights } = await seedAzure("workspace", model);

    const models = await modelreg(cwd, ["ls", wsUri(), "--json"]);
    expect(models.code).toBe(0);
    expect(models.lines().find((l) => l.name === model)).toEqual({
      type: "model",
      name: model,
      latestVersion: "2",
      aliases: { champion: "1" },
      description: null,
    });

    const versions = await modelreg(cwd, ["ls", wsUri(), model]);
    expect(versions.code).toBe(0);
    expect(versions.out).toMatch(new RegExp(`^${model}/2 +draft +\\S+ \\S+ +auc=0\\.93\\s*$`, "m"));
    expect(versions.out).toMatch(new RegExp(`^${model}/1 +production +\\S+ \\S+ +auc=0\\.9 +@champion$`, "m"));
    expect(versions.out.indexOf(`${model}/2`)).toBeLessThan(versions.out.indexOf(`${model}/1`));

    const show = await modelreg(cwd, ["show", wsUri(), `${model}@champion`, "--json"]);
    expect(show.code).toBe(0);
    const shown = show.lines()[0] as { version: string; stage: string; files: Array<{ path: string; size: number; sha256?: string }> };
    expect(shown).toMatchObject({ version: "1", stage: "production" });
    expect(shown.files.map((f) => [f.path, f.size, f.sha256]).sort()).toEqual([
      ["config.json", 12, sha256('{"layers":2}')],
      ["model.bin", weights.byteLength, sha256(weights)],
    ]);

    const get = await modelreg(cwd, ["get", wsUri(), `${model}@champion`, "out", "--json"]);
    expect(get.code).toBe(0);
    expect(get.lines()[0]).toMatchObject({ type: "downloaded", version: "1", totalBytes: weights.byteLength + 12 });
    expect((await readdir(join(cwd, "out"))).sort()).toEqual(["config.json", "model.bin"]);
    expect(sha256(await readFile(join(cwd, "out", "model.bin")))).toBe(sha256(weights));
    expect(await readFile(join(cwd, "out", "config.json"), "utf8")).toBe('{"layers":2}');
  });
});

describe("bad azureml:// URIs and credentials", () => {
  it("refuses malformed URIs with exit 2 and says what an azureml:// URI is, before any request", async () => {
    const cwd = await tempDir();
    const requests = fakes.arm.requests.length;
    const expected =
      /expected azureml:\/\/<subscription>\/<resource-group>\/<workspace> or azureml:\/\/<subscription>\/<resource-group>\/registries\/<registry>/;
    // The real process, once: exit 2, the message, then the usage naming the URI forms.
    const ls = await modelreg(cwd, ["ls", `azureml://${SUBSCRIPTION}/${GROUP}?endpoint=${fakes.arm.url}`]);
    expect(ls.code).toBe(2);
    expect(ls.stderr).toMatch(expected);
    expect(ls.stderr).toMatch(/^ {2}azureml:\/\/subscription\/resource-group\/workspace$/m);
    // The other forms in-process (the same code, no child each).
    for (const uri of [
      `azureml://${SUBSCRIPTION}`,
      `azureml://${SUBSCRIPTION}/${GROUP}/${WORKSPACE}/models`,
      `azureml://${SUBSCRIPTION}/${GROUP}/registries/${REGISTRY}/x`,
      `azureml:///${GROUP}/${WORKSPACE}`,
      `azureml://${SUBSCRIPTION}/${GROUP}/bad$name`,
    ]) {
      const sync = io();
      expect([uri, await runCli(["sync", "file:./reg", uri, "--json"], sync.io)]).toEqual([uri, 2]);
      expect(sync.lines()[0]).toMatchObject({ type: "error", usage: true, error: { name: "InvalidInputError", operation: "parseRegistryUri" } });
      expect((sync.lines()[0]?.error as { message: string }).message).toMatch(expected);
    }
    // A token pasted into the URI is refused and echoed nowhere.
    const pasted = io();
    expect(await runCli(["ls", `azureml://user:${fakes.arm.token}@${SUBSCRIPTION}/${GROUP}/${WORKSPACE}`], pasted.io)).toBe(2);
    expect(pasted.err()).toMatch(/credentials do not belong in the URI/);
    expect(pasted.err().includes(fakes.arm.token)).toBe(false);
    expect(fakes.arm.requests.length).toBe(requests);
  });

  it("a refused or missing token: exit 1 with a hint naming AZURE_ACCESS_TOKEN, and no token printed", async () => {
    const cwd = await tempDir();
    const wrong = "eyJ0eXAiOiJKV1QiWrongTokenForTheCliTestXyzXyz";
    const requests = fakes.arm.requests.length;
    const refused = await modelreg(cwd, ["ls", wsUri()], { AZURE_ACCESS_TOKEN: wrong });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^modelreg ls: \[azureml\] listModels: /m);
    expect(refused.stderr).toMatch(/^hint: the azureml credentials were refused or are missing: set AZURE_ACCESS_TOKEN, else DefaultAzureCredential/m);
    // The fake saw the wrong token (and refused it), never the right one from somewhere else.
    expect(fakes.arm.requests.slice(requests).length).toBeGreaterThan(0);
    expect(fakes.arm.requests.slice(requests).every((r) => !r.authorized && r.status === 401)).toBe(true);
    // Without AZURE_ACCESS_TOKEN the CLI asks DefaultAzureCredential (@azure/identity, which the bundle does not
    // hold): a typed authentication error with the same hint, nothing sent.
    const sent = fakes.arm.requests.length;
    const missing = await modelreg(cwd, ["ls", wsUri(), "--json"], { AZURE_ACCESS_TOKEN: undefined });
    expect(fakes.arm.requests.length).toBe(sent);
    expect(missing.code).toBe(1);
    expect(missing.lines().at(-1)).toMatchObject({
      type: "error",
      usage: false,
      error: { name: "AuthenticationError", provider: "azureml", message: expect.stringContaining("npm i @azure/identity@4") },
      hint: expect.stringContaining("AZURE_ACCESS_TOKEN"),
    });
  });
});
