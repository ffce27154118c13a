import { runRegistryContract } from "modelreg/testing";
import { afterAll, expect } from "vitest";
import { IMAGE, useSageMakerFakes } from "./support/setup.js";

const fakes = useSageMakerFakes();
// Versions get a serving image, as a user's registry with its `image` setting would, so every package has an
// InferenceSpecification pointing at its folder.
runRegistryContract("sagemaker (fake)", () => fakes.registry({ image: IMAGE }), { timeoutMs: 20_000 });

afterAll(() => {
  // A request SageMaker or S3 would refuse (contract, signature) is a modelreg bug, even where the suite passed.
  expect(fakes.sagemaker.violations).toEqual([]);
  expect(fakes.s3.violations).toEqual([]);
  expect(fakes.s3.signatureFailures).toEqual([]);
});
