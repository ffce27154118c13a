import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalRegistry } from "modelreg/local";
import { runRegistryContract } from "modelreg/testing";

runRegistryContract("local", async () => {
  const root = await mkdtemp(join(tmpdir(), "modelreg-contract-"));
  return { registry: createLocalRegistry({ root, actor: "contract" }), cleanup: () => rm(root, { recursive: true, force: true }) };
});
