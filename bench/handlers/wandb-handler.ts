// A one-adapter serverless handler, bundled by bench/cold-start.ts to measure what modelreg/wandb adds to a function.
import { createWandbRegistry } from "modelreg/wandb";

export async function handler(): Promise<string> {
  const r = createWandbRegistry({ apiKey: process.env.WANDB_API_KEY, entity: process.env.WANDB_ENTITY, project: process.env.WANDB_PROJECT });
  return (await r.getVersion("fraud@champion")).version;
}
