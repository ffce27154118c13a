/**
 * What the contract suite takes.
 *
 * @module
 */

import type { ModelRegistry } from "../core/model-registry.js";

/** A registry under test, with the cleanup to run after the suite. */
export interface ContractSubject {
  /** The registry to test. */
  registry: ModelRegistry;
  /** Called once after every test has run (stop a server, remove a temp directory). */
  cleanup?: () => void | Promise<void>;
}

/** The parts of the contract, each a `describe` block. */
export type ContractArea = "models" | "versions" | "aliases" | "stages" | "artifacts" | "errors" | "events" | "rollback";

/** Options for `runRegistryContract`. */
export interface RegistryContractOptions {
  /** Prefix for the model names the suite creates, so runs against a shared server do not collide. Default `contract`. */
  modelPrefix?: string;
  /** Per-test timeout in milliseconds. Default 60 000 (remote registries are slow). */
  timeoutMs?: number;
  /** Areas to leave out, with a reason in your own test file. */
  skip?: ContractArea[];
}

/** Builds the registry under test: a registry, or a {@link ContractSubject}. */
export type RegistryFactory = () => ModelRegistry | ContractSubject | Promise<ModelRegistry | ContractSubject>;
