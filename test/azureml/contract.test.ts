// The registry contract against the Azure ML adapter, over the ARM fake and Azurite: once over a workspace's models,
// once over an Azure ML registry's (long-running PUTs and DELETEs, pending uploads).
import { runRegistryContract } from "modelreg/testing";
import { useAzureFakes } from "./support/setup.js";

const fakes = useAzureFakes();
runRegistryContract("azureml workspace (fake ARM, Azurite)", () => fakes.workspace(), { timeoutMs: 20_000 });
runRegistryContract("azureml registry (fake ARM, Azurite)", () => fakes.registry(), { timeoutMs: 20_000 });
