// The contract suite against moto's SageMaker and S3 (the `aws` project starts moto). moto emulates most of what the
// adapter calls; the suite's expectations follow the registry's capabilities, so the one thing moto cannot do is
// declared off here rather than skipped: deletes. moto answers DeleteModelPackage and DeleteModelPackageGroup with an
// HTML 500 (reference §12.1), so deleteModel and deleteVersion are declared unsupported for this run, and the suite
// checks that they say so. The other moto differences the adapter meets are absorbed by it: package ARNs with the
// group lowercased (§12.8), AddTags appending a duplicate key (§12.2; the last one is read), UpdateModelPackage
// resetting what it is not given (§12.5; every update carries every field), ModelLifeCycle dropped (§12.6; the stage
// is also a property), ClientToken ignored (§12.4; the lookup by token before a resend, tested on the fake).
import { runRegistryContract } from "modelreg/testing";
import { beforeAll } from "vitest";
import { IMAGE, motoBucket, motoRegistry } from "./support/moto-registry.js";

const BUCKET = "contract-moto";
beforeAll(() => motoBucket(BUCKET));

runRegistryContract(
  "sagemaker (moto)",
  () => {
    const registry = motoRegistry(BUCKET, "contract", { image: IMAGE });
    // moto cannot delete packages or groups (§12.1, HTML 500): the run declares both unsupported, as above.
    Object.defineProperty(registry, "capabilities", { value: Object.freeze({ ...registry.capabilities, deleteModel: false, deleteVersion: false }) });
    return registry;
  },
  { timeoutMs: 30_000, modelPrefix: "motocontract" },
);
