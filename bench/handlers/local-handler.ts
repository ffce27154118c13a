// A one-adapter serverless handler, bundled by bench/cold-start.ts to measure what modelreg/local adds to a function.
import { createLocalRegistry } from "modelreg/local";

export async function handler(): Promise<string> {
  const r = createLocalRegistry({ root: process.env.MODELREG_LOCAL_ROOT });
  return (await r.getVersion("fraud@champion")).version;
}
