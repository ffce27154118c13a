import { runRegistryContract } from "modelreg/testing";
import { CUSTOM_IMAGE, useVertexFakes } from "./support/setup.js";

const fakes = useVertexFakes();
// The contract's files are generic (not a framework's model file), so the registry serves them with a custom image, as
// a user's would: a prebuilt image refuses them, and a registry with no image refuses every version.
runRegistryContract("vertex (fake)", () => fakes.registry({ containerImageUri: CUSTOM_IMAGE }), { timeoutMs: 20_000 });
