// Starts Azurite's Blob service (the azurite devDependency, pinned to 3.35.0, the last line that runs on Node 20) on a
// free loopback port: in memory, without telemetry (it would phone home), without access logs. Its one account is the
// well-known emulator account, addressed path-style (`http://127.0.0.1:<port>/devstoreaccount1`). Over HTTPS (a
// certificate from self-signed.ts) it also takes bearer tokens (`--oauth basic`: the token's audience, issuer and
// lifetime are checked, its signature is not), which Azurite refuses over plain HTTP.
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";

/** The emulator's account (Azurite's built-in, the same in every Azurite install). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
/** Its key, published in Azurite's README: not a secret. */
export const AZURITE_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** A running Azurite Blob service. */
export interface Azurite {
  /** The account's blob endpoint, path-style: `http(s)://127.0.0.1:<port>/devstoreaccount1`. */
  blobEndpoint: string;
  /** `devstoreaccount1`. */
  accountName: string;
  /** Its shared key (base64). */
  accountKey: string;
  /** The port it listens on. */
  port: number;
  /** Stops the process and removes its folder. */
  stop(): Promise<void>;
}

/** What {@link startAzurite} takes. */
export interface AzuriteOptions {
  /** Serve HTTPS with this certificate and key (paths to PEM files), and take bearer tokens (`--oauth basic`). */
  https?: { cert: string; key: string };
  /**
   * Take any x-ms-version (`--skipApiVersionCheck`), for clients newer than Azurite 3.35.0's baseline (2025-11-05),
   * such as Python's azure-storage-blob 12.31.1 (2026-10-06). Off by default, so modelreg's own version is checked.
   */
  skipApiVersionCheck?: boolean;
}

const require = createRequire(import.meta.url);

/** The Blob service's entry script (`azurite-blob`), run with this Node. */
function blobMain(): string {
  return join(require.resolve("azurite/package.json"), "..", "dist", "src", "blob", "main.js");
}

/** Whether anything answers HTTP(S) on the port (any status will do: Azurite refuses an unsigned request with 403). */
function answers(port: number, https: boolean): Promise<boolean> {
  return new Promise((done) => {
    const send = https ? httpsRequest : httpRequest;
    const req = send({ host: "127.0.0.1", port, path: `/${AZURITE_ACCOUNT}?comp=list`, method: "GET", timeout: 2000, rejectUnauthorized: false }, (res) => {
      res.resume();
      done(true);
    });
    req.on("error", () => done(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((done) => setTimeout(done, 5000))]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGKILL");
    await exited;
  }
}

async function startOnce(options: AzuriteOptions): Promise<Azurite | "port-taken"> {
  const port = await freePort();
  // Its working directory: Azurite refuses --location with --inMemoryPersistence, and writes nothing there in memory,
  // but a folder of its own, removed at stop, keeps anything it might write out of the checkout.
  const location = await mkdtemp(join(tmpdir(), "modelreg-azurite-"));
  const args = [
    blobMain(),
    "--blobHost",
    "127.0.0.1",
    "--blobPort",
    String(port),
    "--inMemoryPersistence",
    "--disableTelemetry",
    "--silent",
    ...(options.https ? ["--cert", options.https.cert, "--key", options.https.key, "--oauth", "basic"] : []),
    ...(options.skipApiVersionCheck ? ["--skipApiVersionCheck"] : []),
  ];
  // AZURITE_ACCOUNTS would replace the emulator account the tests rely on.
  const env = { ...process.env, AZURITE_ACCOUNTS: undefined };
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env, cwd: location });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const cleanUp = async () => {
    await stopChild(child, exited);
    await rm(location, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const code = await Promise.race([exited, new Promise<"wait">((done) => setTimeout(() => done("wait"), 150))]);
    if (code !== "wait") {
      await rm(location, { recursive: true, force: true });
      if (/EADDRINUSE/.test(output)) return "port-taken";
      throw new Error(`azurite-blob exited with ${code}: ${output}`);
    }
    if (/successfully listens/i.test(output) && (await answers(port, options.https !== undefined))) break;
    if (Date.now() > deadline) {
      await cleanUp();
      throw new Error(`azurite-blob did not answer within 60 s: ${output}`);
    }
  }
  const scheme = options.https ? "https" : "http";
  return {
    blobEndpoint: `${scheme}://127.0.0.1:${port}/${AZURITE_ACCOUNT}`,
    accountName: AZURITE_ACCOUNT,
    accountKey: AZURITE_ACCOUNT_KEY,
    port,
    stop: cleanUp,
  };
}

/**
 * Starts Azurite's Blob service and waits until it answers. Another process may take the free port between the check
 * and Azurite's bind; then it is started again on a fresh one.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  for (let attempt = 0; ; attempt++) {
    const started = await startOnce(options);
    if (started !== "port-taken") return started;
    if (attempt >= 4) throw new Error("azurite-blob found its port taken five times");
  }
}

/**
 * An account SAS for the emulator account (every service permission, containers and blobs, one hour), for test setup
 * that a container SAS cannot do: creating and deleting containers. Doc "Create an account SAS", version 2020-12-06
 * and later.
 */
export function azuriteAccountSas(azurite: Pick<Azurite, "accountName" | "accountKey">): string {
  const version = "2022-11-02";
  const start = `${new Date(Date.now() - 5 * 60_000).toISOString().slice(0, 19)}Z`;
  const expiry = `${new Date(Date.now() + 60 * 60_000).toISOString().slice(0, 19)}Z`;
  const fields = { sp: "racwdl", ss: "b", srt: "sco", st: start, se: expiry, spr: "https,http", sv: version };
  const stringToSign = `${[azurite.accountName, fields.sp, fields.ss, fields.srt, fields.st, fields.se, "", fields.spr, fields.sv, ""].join("\n")}\n`;
  const sig = createHmac("sha256", Buffer.from(azurite.accountKey, "base64")).update(stringToSign, "utf8").digest("base64");
  return new URLSearchParams({ ...fields, sig }).toString();
}

/** Creates a container (a 409 for one that exists is fine), with an account SAS. */
export async function createContainer(
  azurite: Pick<Azurite, "blobEndpoint" | "accountName" | "accountKey">,
  name: string,
  init: { fetch?: typeof fetch } = {},
): Promise<string> {
  const url = `${azurite.blobEndpoint}/${name}`;
  const res = await (init.fetch ?? fetch)(`${url}?restype=container&${azuriteAccountSas(azurite)}`, {
    method: "PUT",
    headers: { "x-ms-version": "2025-11-05" },
  });
  if (!res.ok && res.status !== 409) throw new Error(`creating container ${name}: HTTP ${res.status} ${await res.text()}`);
  return url;
}
