// The ARM fake (test/azureml/support/arm-fake.ts) and an Azurite served to Azure's official Python client, azure-ai-ml
// 1.35.2 (MLClient, pinned in test/support/official-clients.ts), as it needs them (findings: /work/azure-sdk-wire.md):
//
// - MLClient takes a custom cloud (`cloud` + `cloud_metadata`) whose resource manager, registry discovery and storage
//   endpoint are ours, so nothing in the client is patched: ARM calls go to our HTTPS front, registry discovery too,
//   and Blob storage to `https://{account}.blob.core.localhost:{port}`, the host form the SDK builds from the cloud's
//   `storage_endpoint` (`https://{account}.blob.{storage_endpoint}`; azure-storage-blob finds the account name only in
//   `*.blob.core.*` hosts). Names under .localhost are loopback (RFC 6761); the driver's own process resolves them so
//   (a wrapper of socket.getaddrinfo), which changes where the client connects, not what it sends.
// - Everything is HTTPS (the SDK's bearer policy refuses http, and the blob account URL is https by construction), with
//   a CA and a certificate for 127.0.0.1 and *.blob.core.localhost (test/support/self-signed.ts with that extra
//   name), trusted through REQUESTS_CA_BUNDLE.
// - The front answers the registry discovery call itself (the fake leaves that service out) and strips the
//   `/mferp/managementfrontend` prefix MLClient puts before every registry data-plane path, then forwards to the fake.
// - Azurite (test/support/azurite.ts, over HTTPS) runs with --skipApiVersionCheck: azure-storage-blob (12.31.1, pinned
//   beside azure-ai-ml) sends x-ms-version 2026-10-06, past Azurite 3.35.0's baseline (2025-11-05). That is why these
//   files do not use the azure project's shared Azurite, which checks versions for the adapter's sake.
// - The Python process is a fork of a server that has imported azure.ai.ml once (test/support/python-forkserver.ts):
//   the imports take ~3 s of CPU, 10 s on a busy machine, and every test would pay them.
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY, type Azurite, azuriteAccountSas, startAzurite } from "../../../support/azurite.js";
import { ensureAzureMlClient } from "../../../support/official-clients.js";
import { type PythonForkServer, runInForkServer, startPythonForkServer } from "../../../support/python-forkserver.js";
import { type LoopbackCert, loopbackCert } from "../../../support/self-signed.js";
import { type ArmFake, type ArmFakeOptions, startArmFake } from "../../support/arm-fake.js";

/** What a test that starts Python may take: the first fork server compiles azure.ai.ml's bytecode (~30 s here). */
export const MLCLIENT_TEST_TIMEOUT_MS = 180_000;

/** The subscription, group, workspace and registry the fake serves to MLClient. */
export const SUBSCRIPTION = "7d2b1f3e-4c5a-4e8b-9a0d-1f2e3d4c5b6a";
export const GROUP = "ml-rg";
export const WORKSPACE = "fraud-ws";
export const REGISTRY = "shared-reg";
/** The path MLClient puts before registry data-plane routes (azure/ai/ml/_utils/_registry_utils.py MFE_PATH_PREFIX). */
export const MFE_PREFIX = "/mferp/managementfrontend";

/** The certificate of the front and of Azurite: 127.0.0.1, localhost and *.blob.core.localhost (the storage host). */
const tlsFor = () => loopbackCert({ extraNames: ["*.blob.core.localhost"] });
type Tls = LoopbackCert;

// --- The HTTPS front ------------------------------------------------------------------------------------------------

/** A request the front received, as MLClient sent it (the path before the prefix is stripped). */
export interface FrontRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

/** The discovery answer (shape: azure/ai/ml/_restclient/registry_discovery, read in _utils/_registry_utils.py). */
function discovery(frontUrl: string, registry: string) {
  return {
    registryName: registry,
    primaryRegion: "eastus",
    regions: ["eastus"],
    subscriptionId: SUBSCRIPTION,
    resourceGroup: GROUP,
    primaryRegionResourceProviderUri: `${frontUrl}/`,
    registryFqdns: { eastus: { api: frontUrl } },
  };
}

async function startFront(tls: Tls, armUrl: string, log: FrontRequest[]): Promise<{ url: string; close(): Promise<void> }> {
  let url = "";
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const target = new URL(req.url ?? "/", url);
    const entry: FrontRequest = { method: req.method ?? "GET", path: target.pathname, query: Object.fromEntries(target.searchParams), status: 0 };
    log.push(entry);
    const disc = /^\/registrymanagement\/v1\.0\/registries\/([^/]+)\/discovery$/.exec(target.pathname);
    if (disc) {
      req.resume();
      const known = disc[1] === REGISTRY && req.headers.authorization !== undefined;
      entry.status = known ? 200 : 404;
      const body = known ? discovery(url, REGISTRY) : { error: { code: "NotFound", message: `Registry ${disc[1]} was not found.` } };
      res.writeHead(entry.status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
      return;
    }
    const path = target.pathname.startsWith(`${MFE_PREFIX}/`) ? target.pathname.slice(MFE_PREFIX.length) : target.pathname;
    const forward = httpRequest(
      `${armUrl}${path}${target.search}`,
      { method: req.method, headers: { ...req.headers, host: new URL(armUrl).host } },
      (answer) => {
        entry.status = answer.statusCode ?? 0;
        res.writeHead(entry.status, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  };
  const server = createHttpsServer({ cert: tls.cert, key: tls.key }, handle);
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => done());
  });
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

// --- The Python side ------------------------------------------------------------------------------------------------

/**
 * What every driver script starts with: *.localhost resolved to loopback in this process only, a credential that hands
 * out the fake's token (and notes the scopes asked for), and MLClient factories for the fake's workspace and registry.
 */
const PRELUDE = `
import json, os, socket, sys, time

_getaddrinfo = socket.getaddrinfo
def _loopback_localhost(host, *args, **kwargs):
    # RFC 6761: names under .localhost are loopback. Only where the client connects changes, not what it sends.
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = _loopback_localhost

from azure.ai.ml import MLClient
from azure.core.credentials import AccessToken

class FakeCredential:
    scopes = []
    def get_token(self, *scopes, **kwargs):
        FakeCredential.scopes.append(list(scopes))
        return AccessToken(os.environ["MODELREG_ARM_TOKEN"], int(time.time()) + 3600)

_FRONT = os.environ["MODELREG_FRONT"]
CLOUD = {
    "azure_portal": _FRONT + "/portal/",
    "resource_manager": _FRONT + "/",
    "active_directory": _FRONT + "/login/",
    "aml_resource_id": _FRONT + "/ml/",
    "storage_endpoint": os.environ["MODELREG_STORAGE_ENDPOINT"],
    "registry_discovery_endpoint": _FRONT + "/",
}

def workspace_client():
    return MLClient(FakeCredential(), os.environ["MODELREG_SUBSCRIPTION"], os.environ["MODELREG_GROUP"], os.environ["MODELREG_WORKSPACE"],
                    enable_telemetry=False, cloud="ModelregFake", cloud_metadata=CLOUD)

def registry_client():
    return MLClient(FakeCredential(), registry_name=os.environ["MODELREG_REGISTRY"], enable_telemetry=False,
                    cloud="ModelregFake", cloud_metadata=CLOUD)

def emit(value):
    """Prints the driver's answer on a line of its own (MLClient's pollers print dots without a newline)."""
    print("\\n" + json.dumps(value), flush=True)

def error_of(call):
    """The exception a call raises, as [type name, first line of its message]; None when it succeeds."""
    try:
        call()
    except Exception as e:
        return [type(e).__name__, str(e).splitlines()[0] if str(e) else ""]
    return None
`;

/** The modules the fork server imports once. */
const PRELOAD = ["azure.ai.ml", "azure.ai.ml.entities", "azure.ai.ml.constants", "azure.storage.blob", "azure.core.credentials"];

/** What {@link useMlClientLoopback} gives a test file. */
export interface MlClientLoopback {
  /** The ARM fake; its state is what MLClient wrote. */
  readonly arm: ArmFake;
  /** What MLClient sent to the front, in order (registry paths with their prefix, discovery included). */
  readonly front: FrontRequest[];
  /** The front's URL (MLClient's resource manager). */
  readonly frontUrl: string;
  /** The Azurite port (host-style `devstoreaccount1.blob.core.localhost:{port}` for Python, 127.0.0.1 path-style here). */
  readonly azuritePort: number;
  /** A folder of the file's own, removed afterwards. */
  readonly home: string;
  /** Runs a driver (after the prelude) and returns the JSON it gives `emit` (its last stdout line). */
  python(code: string, ...args: string[]): Promise<unknown>;
  /** Reads a blob from Azurite (path-style, the account key's SAS), or undefined when it does not exist. */
  readBlob(container: string, blob: string): Promise<Buffer | undefined>;
  /** The blob names in a container under a prefix. */
  listBlobs(container: string, prefix: string): Promise<string[]>;
  /** How long the fork server took to start (the imports), in ms. */
  readonly startupMs: number;
  /** The CA (PEM) that signed the certificate of the front and of Azurite. */
  readonly ca: string;
}

/** The fake, Azurite, the HTTPS front and a Python fork server for one test file. */
export function useMlClientLoopback(options: Partial<ArmFakeOptions> = {}): MlClientLoopback {
  const front: FrontRequest[] = [];
  let tls: Tls | undefined;
  let azurite: Azurite | undefined;
  let arm: ArmFake | undefined;
  let frontServer: { url: string; close(): Promise<void> } | undefined;
  let fork: PythonForkServer | undefined;
  let home = "";
  let startupMs = 0;
  let env: Record<string, string> = {};

  beforeAll(async () => {
    const [python, made] = await Promise.all([ensureAzureMlClient(), tlsFor()]);
    tls = made;
    home = await mkdtemp(join(tmpdir(), "modelreg-mlclient-"));
    // A clean environment: nothing of the test process (credentials, AZUREML_* or ARM_CLOUD_METADATA_URL settings that
    // would steer the SDK) reaches Python.
    const cleared = Object.fromEntries(Object.keys(process.env).map((name) => [name, undefined]));
    const base = { ...cleared, PATH: process.env.PATH ?? "", HOME: home, REQUESTS_CA_BUNDLE: tls.caPath, SSL_CERT_FILE: tls.caPath };
    const started = Date.now();
    const forking = startPythonForkServer(python, PRELOAD, base).then((server) => {
      startupMs = Date.now() - started;
      fork = server;
    });
    azurite = await startAzurite({ https: { cert: tls.certPath, key: tls.keyPath }, skipApiVersionCheck: true });
    // The blob URLs the fake hands out for registries must be host-style for MLClient, which reads a registry asset's
    // URI as https://{host}/{container}/{path} (_artifacts/_constants.py STORAGE_URI_REGEX); the fake's own calls to
    // Azurite stay path-style. `publicEndpoint` is that host-style URL.
    const blob = {
      endpoint: azurite.blobEndpoint,
      publicEndpoint: `https://${AZURITE_ACCOUNT}.blob.core.localhost:${azurite.port}`,
      accountName: AZURITE_ACCOUNT,
      accountKey: AZURITE_ACCOUNT_KEY,
    };
    arm = await startArmFake({
      subscriptionId: SUBSCRIPTION,
      resourceGroup: GROUP,
      workspace: WORKSPACE,
      registry: REGISTRY,
      blob,
      // azure-core takes Retry-After: 0 as no advice and waits its own interval (5 s for endpoints, 30 s for registry
      // assets: azure/core/polling/base_polling.py _extract_delay); 1 s is the shortest whole-second wait. Operations
      // end at their first poll.
      retryAfter: 1,
      lroPolls: 0,
      ...options,
    });
    frontServer = await startFront(tls, arm.url, front);
    // Operation URLs and next links name the front, where MLClient can reach them.
    arm.state.publicUrl = frontServer.url;
    env = {
      MODELREG_FRONT: frontServer.url,
      MODELREG_STORAGE_ENDPOINT: `core.localhost:${azurite.port}`,
      MODELREG_ARM_TOKEN: arm.token,
      MODELREG_SUBSCRIPTION: SUBSCRIPTION,
      MODELREG_GROUP: GROUP,
      MODELREG_WORKSPACE: WORKSPACE,
      MODELREG_REGISTRY: REGISTRY,
    };
    await forking;
  }, MLCLIENT_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([fork?.stop(), frontServer?.close(), arm?.close()]);
    await azurite?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const need = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the MLClient loopback is not running: use it inside a test");
    return value;
  };

  const azuriteGet = (path: string): Promise<{ status: number; body: Buffer }> =>
    new Promise((done, fail) => {
      const sas = azuriteAccountSas({ accountName: AZURITE_ACCOUNT, accountKey: AZURITE_ACCOUNT_KEY });
      const sep = path.includes("?") ? "&" : "?";
      const req = httpsRequest(
        `https://127.0.0.1:${need(azurite).port}/${AZURITE_ACCOUNT}/${path}${sep}${sas}`,
        { headers: { "x-ms-version": "2025-11-05" }, ca: need(tls).ca },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on("error", fail);
        },
      );
      req.on("error", fail);
      req.end();
    });

  return {
    get arm() {
      return need(arm);
    },
    front,
    get frontUrl() {
      return need(frontServer).url;
    },
    get azuritePort() {
      return need(azurite).port;
    },
    get home() {
      return home;
    },
    get startupMs() {
      return startupMs;
    },
    get ca() {
      return need(tls).ca;
    },
    async python(code, ...args) {
      const result = await runInForkServer(need(fork).socket, `${PRELUDE}\n${code}`, args, { cwd: home, env });
      if (result.status !== 0) {
        // Tracebacks may quote URLs with SAS tokens and the fake's token: keep them out of the test's output.
        const mask = (text: string) => text.replaceAll(need(arm).token, "<arm-token>").replace(/([?&]sig=)[^&\s"']+/g, "$1<sig>");
        throw new Error(`the azure-ai-ml driver failed (${result.status}): ${mask(`${result.stderr.slice(-6000)}\n${result.stdout.slice(-1000)}`)}`);
      }
      return JSON.parse(result.stdout.trim().split("\n").pop() ?? "null");
    },
    async readBlob(container, blob) {
      const { status, body } = await azuriteGet(`${container}/${blob.split("/").map(encodeURIComponent).join("/")}`);
      if (status === 404) return undefined;
      if (status !== 200) throw new Error(`Azurite answered ${status} for ${container}/${blob}: ${body.toString()}`);
      return body;
    },
    async listBlobs(container, prefix) {
      const { status, body } = await azuriteGet(`${container}?restype=container&comp=list&prefix=${encodeURIComponent(prefix)}`);
      if (status !== 200) throw new Error(`Azurite answered ${status} listing ${container}: ${body.toString()}`);
      return [...body.toString().matchAll(/<Name>([^<]*)<\/Name>/g)].map((m) => (m[1] as string).replaceAll("&amp;", "&"));
    },
  };
}

/** The SHA-256 of bytes, hex. */
export const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");
