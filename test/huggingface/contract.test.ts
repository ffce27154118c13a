import { runRegistryContract } from "modelreg/testing";
import { useHubFake } from "./support/setup.js";

const hub = useHubFake();
runRegistryContract("huggingface (fake)", () => hub.registry(), { timeoutMs: 20_000 });
