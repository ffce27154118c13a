// A SageMaker registry against the moto server the `aws` project started (test/sagemaker/server/support/global-setup.ts),
// with a bucket of the test file's own: moto's state is shared by every file of the project.
import { inject } from "vitest";
import { createSageMakerRegistry, type SageMakerRegistry, type SageMakerRegistrySettings } from "../../../../src/adapters/sagemaker/index.js";
import { MOTO_CREDENTIALS, MOTO_REGION } from "../../../support/moto-server.js";

/** An ECR image, as a user's settings would name one. */
export const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/serving:1";

/** Makes a bucket on moto (it checks no signature: an unsigned CreateBucket does). */
export async function motoBucket(bucket: string): Promise<void> {
  const made = await fetch(`${inject("motoUrl")}/${bucket}`, { method: "PUT" });
  if (!made.ok) throw new Error(`moto refused to create the bucket: HTTP ${made.status} ${await made.text()}`);
}

/** A registry on moto: its SageMaker API and S3 (path style), artifacts under `s3://<bucket>/<prefix>`. */
export function motoRegistry(bucket: string, prefix: string, settings: Partial<SageMakerRegistrySettings> = {}): SageMakerRegistry {
  const url = inject("motoUrl");
  return createSageMakerRegistry({
    region: MOTO_REGION,
    artifactRoot: `s3://${bucket}/${prefix}`,
    endpoint: url,
    s3Endpoint: url,
    forcePathStyle: true,
    credentials: MOTO_CREDENTIALS,
    actor: "tester",
    env: {},
    ...settings,
  });
}
