import { runRegistryContract } from "modelreg/testing";
import { useVertexFakes } from "./support/setup.js";

const fakes = useVertexFakes();
runRegistryContract("vertex (fake)", () => fakes.registry(), { timeoutMs: 20_000 });
