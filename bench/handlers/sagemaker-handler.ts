// A one-adapter serverless handler, bundled by bench/cold-start.ts to measure what modelreg/sagemaker adds to a
// function. Credentials come from the Lambda environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN),
// so the credential chain is never loaded; the SigV4 signer (@smithy/signature-v4, an optional peer imported by a
// computed name) is left out of the bundle and installed beside it.
import { createSageMakerRegistry } from "modelreg/sagemaker";

export async function handler(): Promise<string> {
  const r = createSageMakerRegistry({
    region: process.env.AWS_REGION ?? "us-east-1",
    artifactRoot: process.env.SAGEMAKER_ARTIFACT_ROOT ?? "s3://my-models/registry",
  });
  return (await r.getVersion("fraud@champion")).version;
}
