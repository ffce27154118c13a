// modelreg's side of the MLClient interop tests: the Azure ML adapter pointed at the same ARM fake and the same Azurite
// as MLClient (test/azureml/official/support/mlclient-loopback.ts).
//
// - ARM: the adapter talks to the same HTTPS front as MLClient (which forwards to the fake: the operation URLs of
//   long-running operations name the front, and the adapter polls only its own ARM host), with the fake's token and
//   api-version 2025-12-01.
// - Blob: one Azurite over HTTPS, reached two ways. The workspace datastore names it path-style
//   (`endpoint` 127.0.0.1:{port}, `protocol` https), which the adapter uses (`https://127.0.0.1:{port}/devstoreaccount1/
//   {container}`) and MLClient ignores (it builds `https://devstoreaccount1.blob.core.localhost:{port}` from its cloud's
//   storage endpoint). Registry blob URLs are host-style (the fake's blob.publicEndpoint), which both use. Azurite takes
//   the account from the host when the host is a name, from the path when it is an IP, so both reach one account.
// - TLS and names for modelreg: its default transport goes through `https.globalAgent` (src/http/node-fetch.ts), so
//   for the file's duration that agent trusts the test CA besides the usual roots and resolves `*.localhost` to
//   127.0.0.1 (RFC 6761; glibc here does not). Both are put back afterwards (the azure project's forks are not
//   isolated between files).
import { lookup as dnsLookup, type LookupOptions } from "node:dns";
import https from "node:https";
import { rootCertificates } from "node:tls";
import { createAzureMlRegistry, type AzureMlRegistry, type AzureMlRegistrySettings } from "modelreg/azureml";
import { afterAll, beforeAll } from "vitest";
import { GROUP, type MlClientLoopback, REGISTRY, SUBSCRIPTION, WORKSPACE } from "./mlclient-loopback.js";

type Lookup = NonNullable<https.AgentOptions["lookup"]>;

/** `*.localhost` to loopback, everything else as the system resolves it. */
const loopbackLookup = ((hostname: string, options: LookupOptions, callback: never) =>
  dnsLookup(hostname.toLowerCase().endsWith(".localhost") ? "127.0.0.1" : hostname, options, callback)) as Lookup;

/** Makes modelreg's transport trust the loopback CA and resolve *.localhost for the file (put back after it). */
export function useModelregTransport(loop: MlClientLoopback): void {
  const options = https.globalAgent.options;
  let previous: { ca: unknown; lookup: unknown } | undefined;
  beforeAll(() => {
    previous = { ca: options.ca, lookup: options.lookup };
    options.ca = [...rootCertificates, loop.ca];
    options.lookup = loopbackLookup;
  });
  afterAll(() => {
    if (!previous) return;
    // Put back as it was: a key left set to undefined would still win over a request's own `ca` (Node's agent
    // spreads its options over the request's), failing the next file's TLS.
    if (previous.ca === undefined) delete options.ca;
    else options.ca = previous.ca as typeof options.ca;
    if (previous.lookup === undefined) delete options.lookup;
    else options.lookup = previous.lookup as Lookup;
    // Sockets opened with the test CA are not reused by whatever runs next in this process.
    https.globalAgent.destroy();
  });
}

/** A modelreg registry over the fake's workspace or registry. */
export function modelregOn(loop: MlClientLoopback, scope: "workspace" | "registry", settings: Partial<AzureMlRegistrySettings> = {}): AzureMlRegistry {
  return createAzureMlRegistry({
    subscriptionId: SUBSCRIPTION,
    resourceGroup: GROUP,
    ...(scope === "workspace" ? { workspace: WORKSPACE } : { registry: REGISTRY }),
    endpoint: loop.frontUrl,
    token: loop.arm.token,
    pollIntervalMs: 5,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    env: {},
    actor: "modelreg-interop",
    ...settings,
  } as AzureMlRegistrySettings);
}
