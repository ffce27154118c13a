// Log a trained model to W&B as an artifact, alias it, and link it into the W&B Registry.
//
//   WANDB_API_KEY=... WANDB_ENTITY=my-team WANDB_PROJECT=fraud node --import tsx examples/wandb-to-registry.ts ./out/model
import { pathToFileURL } from "node:url";
import { createWandbRegistry, type LinkResult, type WandbRegistry } from "modelreg/wandb";

/** Logs the files in `directory` as a new version of `model`, aliases it `candidate`, and links it into the registry. */
export async function logAndLink(
  registry: WandbRegistry,
  model: string,
  directory: string,
  auc: number,
  log: (line: string) => void = console.log,
): Promise<LinkResult> {
  const version = await registry.createVersion(model, {
    artifacts: { directory },
    metrics: { auc },
    params: { learning_rate: 0.05 },
    description: "gradient-boosted fraud scorer",
    aliases: ["candidate"],
  });
  log(`logged ${model}:v${version.version} (digest ${version.artifacts.digest})`);
  const linked = await registry.link(version, { registry: "model", collection: "fraud-detection", aliases: ["staging-candidate"] });
  log(`linked into ${linked.orgEntity}/${linked.project}/fraud-detection as v${linked.version}`);
  return linked;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const directory = process.argv[2];
  if (!directory) {
    console.error("usage: WANDB_API_KEY=... node --import tsx examples/wandb-to-registry.ts <model dir>");
    process.exit(2);
  }
  await logAndLink(createWandbRegistry(), "fraud-model", directory, 0.93);
}
