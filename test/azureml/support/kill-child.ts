// The writer process of test/azureml/azureml-kill.test.ts, bundled by test/support/child-script.ts and run with plain
// node: one `createVersion` over the parent's ARM fake and Azurite (through the parent's loopback proxies), which the
// parent kills with SIGKILL when the request it waits for arrives. The spec comes as JSON in MODELREG_AZURE_KILL_SPEC
// (kill-spec.ts). It prints `start` before the call and `done <version>` if the call ever returns (the parent then
// knows its kill point was never reached), `fail <message>` if it throws.
import { createAzureMlRegistry } from "../../../src/adapters/azureml/index.js";
import { KILL_BLOCK_BYTES, type KillSpec, killFiles, SPEC_ENV } from "./kill-spec.js";

const spec = JSON.parse(process.env[SPEC_ENV] ?? "null") as KillSpec | null;
if (!spec) throw new Error(`kill-child needs ${SPEC_ENV}`);

const registry = createAzureMlRegistry({
  subscriptionId: spec.subscriptionId,
  resourceGroup: spec.resourceGroup,
  ...(spec.mode === "workspace" ? { workspace: spec.scopeName } : { registry: spec.scopeName }),
  endpoint: spec.endpoint,
  token: spec.token,
  blockBytes: KILL_BLOCK_BYTES,
  pollIntervalMs: 5,
  retryBaseDelayMs: 5,
  retryMaxDelayMs: 20,
  env: {},
  actor: "killed-writer",
});

/** The bytes as a stream of 16 KiB chunks: the adapter reads the file as it uploads it, as it would a file on disk. */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(at, at + 16 * 1024));
      at += 16 * 1024;
    },
  });
}

const entries = Object.entries(killFiles(spec.seed)).map(([path, bytes]) => ({ path, size: bytes.byteLength, open: () => streamOf(bytes) }));
process.stdout.write("start\n");
try {
  const v = await registry.createVersion(spec.model, {
    artifacts: { entries },
    metrics: { auc: 0.91 },
    aliases: spec.aliases,
    ...(spec.idempotencyKey !== undefined && { idempotencyKey: spec.idempotencyKey }),
  });
  process.stdout.write(`done ${v.version}\n`);
} catch (error) {
  process.stdout.write(`fail ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
