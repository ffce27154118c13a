// A one-adapter serverless handler, bundled by bench/cold-start.ts to measure what modelreg/huggingface adds to a function.
import { createHuggingFaceRegistry } from "modelreg/huggingface";

export async function handler(): Promise<string> {
  const r = createHuggingFaceRegistry({ namespace: process.env.HF_NAMESPACE ?? "acme" });
  return (await r.getVersion("fraud@champion")).version;
}
