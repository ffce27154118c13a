/**
 * Canary rollouts on an Azure ML online endpoint ({@link AzureMlEndpoints.canaryRollout}), stepped by modelreg as on
 * Vertex: the version is deployed beside what is serving at the first step, its share of the endpoint's `traffic` is
 * raised through `steps`, and `check` decides after each. A failed check puts back the split from before the rollout
 * and deletes the new deployment (Azure refuses to delete a deployment with traffic, so in that order); when the
 * rollout created the endpoint, the endpoint is deleted instead.
 *
 * @module
 */

import type { Endpoint } from "../../core/endpoints.js";
import { invalidInput } from "../../core/errors.js";
import type { VersionRefInput } from "../../core/refs.js";
import type { EndpointOperations, ServedVersion } from "./azureml-endpoint-operations.js";
import type { AzureMlDeployInput, AzureMlEndpoints } from "./azureml-endpoints.js";
import { PROVIDER } from "./azureml-names.js";
import { makeRoom, trafficOf } from "./azureml-traffic.js";

/** What a canary health check sees. */
export interface AzureMlCanaryStep {
  /** The percent of traffic the new version has now. */
  percent: number;
  /** The endpoint as it is now. */
  endpoint: Endpoint;
}

/** Options for {@link AzureMlEndpoints.canaryRollout}: `deploy`'s, `providerOptions.azureml` included, and the steps. */
export interface AzureMlCanaryOptions extends Omit<AzureMlDeployInput, "trafficPercent" | "wait"> {
  /** Traffic percentages to step through. Default `[5, 25, 50, 100]`. */
  steps?: number[];
  /** Decides after each step whether the new version is healthy. A `false` or a throw rolls back. */
  check: (step: AzureMlCanaryStep) => boolean | Promise<boolean>;
  /** Called after each step takes effect. */
  onStep?: (step: AzureMlCanaryStep) => void;
}

/** How a canary rollout ended. */
export interface AzureMlCanaryResult {
  /** True when the last step was reached and passed. */
  completed: boolean;
  /** The percentages that took effect, in order. */
  steps: number[];
  /** The percent at which the check failed. */
  failedAt?: number;
  /** Why it failed: the check's error message, or that it returned false. */
  reason?: string;
  /** The endpoint at the end; with no deployments when the rollout created it and then deleted it. */
  endpoint: Endpoint;
}

/** Calls the check; a throw is a failure with the error's message as the reason. */
async function healthOf(check: AzureMlCanaryOptions["check"], step: AzureMlCanaryStep): Promise<string | undefined> {
  try {
    return (await check(step)) === true ? undefined : "the health check returned false";
  } catch (error) {
    return `the health check threw: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Runs a canary rollout (see the module's description). */
export async function canaryRollout(ops: EndpointOperations, ref: VersionRefInput, options: AzureMlCanaryOptions): Promise<AzureMlCanaryResult> {
  const op = "canaryRollout";
  if (typeof options !== "object" || options === null) throw invalidInput(op, "options", "name the endpoint and a health check: { endpoint, check }", PROVIDER);
  const steps = options.steps ?? [5, 25, 50, 100];
  if (!Array.isArray(steps) || steps.length === 0 || steps.some((s, i) => !Number.isInteger(s) || s < 1 || s > 100 || (i > 0 && s <= (steps[i - 1] as number))))
    throw invalidInput(op, "steps", "steps must be increasing whole percents from 1 to 100", PROVIDER);
  const { steps: _steps, check, onStep, ...deployOptions } = options;
  if (typeof check !== "function") throw invalidInput(op, "check", "a canary needs a health check", PROVIDER);
  if (onStep !== undefined && typeof onStep !== "function") throw invalidInput(op, "onStep", "onStep must be a function", PROVIDER);
  const plan = ops.checkDeploy({ ...deployOptions, trafficPercent: steps[0] as number }, op);
  const version = await ops.registry.getVersion(ref, options);
  const served: ServedVersion = ops.servedOf(version, plan, op);
  // The split before the rollout (by deployment name) is what a rollback restores; none when the rollout makes the endpoint.
  const prior = await ops.find(plan.endpoint, op, options);
  const started = await ops.startDeploy(served, plan, op, options);
  await ops.finishDeploy(started, plan, op, options);
  let state = await ops.read(plan.endpoint, op, options);
  const name = ops.deploymentOf(state, served, op).name;
  const others = () => Object.fromEntries(Object.entries(trafficOf(state)).filter(([k]) => k !== name));
  // Nothing else was serving: the version took all traffic at once, so there is one step to check.
  const planned = Object.values(others()).some((v) => v > 0) ? steps : [100];
  const done: number[] = [];
  for (const [i, percent] of planned.entries()) {
    if (i > 0) state = await ops.moveTraffic(state, { ...makeRoom(others(), percent), [name]: percent }, op, options);
    const step = { percent, endpoint: ops.view(state) };
    done.push(percent);
    onStep?.(step);
    const reason = await healthOf(check, step);
    if (reason === undefined) continue;
    let endpoint: Endpoint;
    if (prior === undefined) {
      // The rollout made the endpoint: rolling back is deleting it (with its deployment).
      endpoint = { ...ops.view(state), deployedModels: [], trafficSplit: {} };
      await ops.deleteEndpoint(plan.endpoint, op, options);
    } else {
      const now = await ops.read(plan.endpoint, op, options);
      endpoint = ops.view(await ops.removeVersion(now, served, trafficOf(prior), op, options));
    }
    await ops.emit(
      [{ type: "rollback.completed", model: served.model, version: served.version, details: { endpoint: endpoint.name, failedAt: percent, reason } }],
      options,
    );
    return { completed: false, steps: done, failedAt: percent, reason, endpoint };
  }
  return { completed: true, steps: done, endpoint: ops.view(state) };
}
