import { runRegistryContract } from "modelreg/testing";
import { ENTITY } from "./support/wandb-fake.js";
import { useWandbFake } from "./support/setup.js";

const fakes = useWandbFake();
runRegistryContract("wandb (fake)", () => fakes.registry({ entity: ENTITY }), { timeoutMs: 20_000 });
