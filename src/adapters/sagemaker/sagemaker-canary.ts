/**
 * Canary rollouts on a SageMaker endpoint ({@link SageMakerEndpoints.canaryRollout}), two ways:
 *
 * - **Stepped by modelreg** (as on Vertex): the version is deployed as a new variant beside what is serving, its
 *   weight is raised through `steps`, and `check` decides after each step. A failed check restores the weights from
 *   before and removes the variant (or deletes the endpoint, when the rollout created it).
 * - **SageMaker's blue/green canary** (`blueGreen`, with CloudWatch alarm names): the version replaces one variant's
 *   model through `UpdateEndpoint` with `DeploymentConfig.BlueGreenUpdatePolicy` (`CANARY`) and
 *   `AutoRollbackConfiguration`; SageMaker shifts traffic and rolls back when an alarm fires. Its guardrails need the
 *   variant's name to stay, so it replaces a version rather than adding one (reference §9).
 *
 * @module
 */

import type { DeployOptions, Endpoint } from "../../core/endpoints.js";
import { ConflictError, NotFoundError, invalidInput } from "../../core/errors.js";
import type { VersionRefInput } from "../../core/refs.js";
import { type ServedVersion, deploymentName, makeRoom } from "./sagemaker-endpoint-api.js";
import { type EndpointOperations, knownVersions, type ResolvedPackage, sameVersion, weightsOf } from "./sagemaker-endpoint-operations.js";
import type { SageMakerEndpoints } from "./sagemaker-endpoints.js";
import { PROVIDER } from "./sagemaker-transport.js";

/** What a canary health check sees. */
export interface SageMakerCanaryStep {
  /** The percent of traffic the new version has now. */
  percent: number;
  /** The endpoint as it is now. */
  endpoint: Endpoint;
}

/** SageMaker's own canary: a blue/green update guarded by CloudWatch alarms. */
export interface SageMakerBlueGreenCanary {
  /** CloudWatch alarm names (1-10); SageMaker rolls the update back when one fires while traffic shifts. */
  alarms: string[];
  /** The deployed version whose variant gets the new version's model. Default: the endpoint's only variant. */
  replace?: VersionRefInput;
  /** The canary fleet: instances, or a percent (at most 50) of the variant's capacity. Default one instance. */
  canarySize?: {
    /** `INSTANCE_COUNT` (instances) or `CAPACITY_PERCENT` (a percent of the variant's capacity). */
    type: "INSTANCE_COUNT" | "CAPACITY_PERCENT";
    /** How many instances, or what percent (1-50). */
    value: number;
  };
  /** How long the canary serves before the rest shifts (0-3600 s). Default 600. */
  waitIntervalSeconds?: number;
  /** How long the old fleet stays after the shift, for a rollback (0-3600 s). Default 600. */
  terminationWaitSeconds?: number;
  /** How long the whole update may take (600-28800 s). Default 1800. */
  maximumExecutionTimeoutSeconds?: number;
}

/** Options for {@link SageMakerEndpoints.canaryRollout}. */
export interface SageMakerCanaryOptions extends Omit<DeployOptions, "trafficPercent" | "wait"> {
  /** Traffic percentages modelreg steps through. Default `[5, 25, 50, 100]`. Not with `blueGreen`. */
  steps?: number[];
  /**
   * Decides whether the new version is healthy: after each step, or with `blueGreen` once SageMaker has shifted all
   * traffic. A `false` or a throw rolls back. Required unless `blueGreen` is given.
   */
  check?: (step: SageMakerCanaryStep) => boolean | Promise<boolean>;
  /** Called after each step takes effect. */
  onStep?: (step: SageMakerCanaryStep) => void;
  /** Use SageMaker's blue/green canary instead of modelreg's steps. */
  blueGreen?: SageMakerBlueGreenCanary;
}

/** How a canary rollout ended. */
export interface SageMakerCanaryResult {
  /** True when the version took all of its traffic and passed. */
  completed: boolean;
  /** The percentages that took effect, in order (with `blueGreen`, the share at the end; none when SageMaker rolled back). */
  steps: number[];
  /** The percent at which the check failed. */
  failedAt?: number;
  /** Why it failed: the check's error message, that it returned false, or SageMaker's reason for its rollback. */
  reason?: string;
  /** What rolled it back: modelreg after `check`, or SageMaker after an alarm. */
  rolledBackBy?: "check" | "alarms";
  /** The endpoint at the end; with no deployed models when the rollout created it and then deleted it. */
  endpoint: Endpoint;
}

/** Runs a canary rollout: modelreg's steps, or SageMaker's blue/green canary when `blueGreen` is given. */
export async function canaryRollout(ops: EndpointOperations, ref: VersionRefInput, options: SageMakerCanaryOptions): Promise<SageMakerCanaryResult> {
  if (typeof options !== "object" || options === null) throw invalidInput("canaryRollout", "options", "name the endpoint and a check", PROVIDER);
  return options.blueGreen === undefined ? stepped(ops, ref, options) : blueGreen(ops, ref, options, options.blueGreen);
}

/** Calls the check; a throw is a failure with the error's message as the reason. */
async function healthOf(check: (step: SageMakerCanaryStep) => boolean | Promise<boolean>, step: SageMakerCanaryStep): Promise<string | undefined> {
  try {
    return (await check(step)) === true ? undefined : "the health check returned false";
  } catch (error) {
    return `the health check threw: ${error instanceof Error ? error.message : String(error)}`;
  }
}

async function stepped(ops: EndpointOperations, ref: VersionRefInput, options: SageMakerCanaryOptions): Promise<SageMakerCanaryResult> {
  const op = "canaryRollout";
  const steps = options.steps ?? [5, 25, 50, 100];
  if (!Array.isArray(steps) || steps.length === 0 || steps.some((s, i) => !Number.isInteger(s) || s < 1 || s > 100 || (i > 0 && s <= (steps[i - 1] as number))))
    throw invalidInput(op, "steps", "steps must be increasing whole percents from 1 to 100", PROVIDER);
  const { steps: _steps, check, onStep, blueGreen: _blueGreen, ...deployOptions } = options;
  if (typeof check !== "function") throw invalidInput(op, "check", "a canary needs a health check (or blueGreen with CloudWatch alarms)", PROVIDER);
  const plan = ops.checkDeploy({ ...deployOptions, trafficPercent: steps[0] as number }, op);
  const pkg = await ops.approvedPackage(ref, op, options);
  const served: ServedVersion = { model: pkg.model, version: String(pkg.version) };
  const key = `${served.model}/${served.version}`;
  // The weights before the rollout are what a rollback restores; there are none when the rollout creates the endpoint.
  const prior = await ops.moves.state(plan.endpoint, op, options).catch((error: unknown) => {
    if (NotFoundError.isInstance(error)) return undefined;
    throw error;
  });
  const move = await ops.startDeploy(pkg, plan, op, options);
  let endpoint = (await ops.moves.finish(move, op, options)).view;
  await ops.emit(
    [
      {
        type: "version.updated",
        model: served.model,
        version: served.version,
        details: { deployedTo: endpoint.name, trafficPercent: endpoint.trafficSplit[key] },
      },
    ],
    options,
  );
  const others = () => Object.fromEntries(Object.entries(endpoint.trafficSplit).filter(([k]) => k !== key));
  // Nothing else was serving: the version took all traffic at once, so there is one step to check.
  const plannedSteps = Object.values(others()).some((v) => v > 0) ? steps : [100];
  const done: number[] = [];
  for (const [i, percent] of plannedSteps.entries()) {
    if (i > 0) endpoint = await ops.setTrafficSplit(plan.endpoint, { ...makeRoom(others(), percent), [key]: percent }, options);
    done.push(percent);
    onStep?.({ percent, endpoint });
    const reason = await healthOf(check, { percent, endpoint });
    if (reason === undefined) continue;
    const now = await ops.moves.state(plan.endpoint, op, options);
    if (prior === undefined) {
      // The rollout made the endpoint: an endpoint needs a variant, so taking the version away is deleting it.
      await ops.moves.deleteEndpoint(now, op, options);
      endpoint = { ...now.view, deployedModels: [], trafficSplit: {} };
    } else {
      endpoint = (await ops.removeVersion(now, served, weightsOf(prior), op, options)).view;
    }
    await ops.emit(
      [{ type: "rollback.completed", model: served.model, version: served.version, details: { endpoint: endpoint.name, failedAt: percent, reason } }],
      options,
    );
    return { completed: false, steps: done, failedAt: percent, reason, rolledBackBy: "check", endpoint };
  }
  return { completed: true, steps: done, endpoint };
}

/** The blue/green settings, checked, with AWS's documented example values as defaults. */
function blueGreenPolicy(given: SageMakerBlueGreenCanary, op: string) {
  const field = (name: string) => `blueGreen.${name}`;
  if (typeof given !== "object" || given === null) throw invalidInput(op, "blueGreen", "blueGreen needs { alarms }", PROVIDER);
  const alarms = given.alarms;
  if (!Array.isArray(alarms) || alarms.length < 1 || alarms.length > 10)
    throw invalidInput(op, field("alarms"), "a blue/green canary needs 1-10 CloudWatch alarm names to roll back on", PROVIDER);
  for (const alarm of alarms)
    if (typeof alarm !== "string" || alarm.trim() === "" || alarm.length > 255)
      throw invalidInput(op, field("alarms"), "an alarm name has 1-255 characters, not all blank", PROVIDER);
  const size = given.canarySize ?? { type: "INSTANCE_COUNT", value: 1 };
  if (
    typeof size !== "object" ||
    size === null ||
    !["INSTANCE_COUNT", "CAPACITY_PERCENT"].includes(size.type) ||
    !Number.isInteger(size.value) ||
    size.value < 1 ||
    (size.type === "CAPACITY_PERCENT" && size.value > 50)
  )
    throw invalidInput(op, field("canarySize"), "canarySize is { type: INSTANCE_COUNT, value >= 1 } or { type: CAPACITY_PERCENT, value 1-50 }", PROVIDER);
  const seconds = (name: keyof SageMakerBlueGreenCanary, fallback: number, min: number, max: number): number => {
    const value = given[name] ?? fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
      throw invalidInput(op, field(name), `${name} must be whole seconds from ${min} to ${max}`, PROVIDER);
    return value;
  };
  const wait = seconds("waitIntervalSeconds", 600, 0, 3600);
  const termination = seconds("terminationWaitSeconds", 600, 0, 3600);
  const maximum = seconds("maximumExecutionTimeoutSeconds", 1800, 600, 28800);
  return {
    alarms,
    // The wait for InService stretches to what SageMaker may take: the whole update, then the old fleet's wait.
    minDeadlineMs: (maximum + termination) * 1000,
    deploymentConfig: {
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: { Type: "CANARY", CanarySize: { Type: size.type, Value: size.value }, WaitIntervalInSeconds: wait },
        TerminationWaitInSeconds: termination,
        MaximumExecutionTimeoutInSeconds: maximum,
      },
      AutoRollbackConfiguration: { Alarms: alarms.map((AlarmName) => ({ AlarmName })) },
    },
  };
}

async function blueGreen(
  ops: EndpointOperations,
  ref: VersionRefInput,
  options: SageMakerCanaryOptions,
  given: SageMakerBlueGreenCanary,
): Promise<SageMakerCanaryResult> {
  const op = "canaryRollout";
  const policy = blueGreenPolicy(given, op);
  if (options.steps !== undefined) throw invalidInput(op, "steps", "steps are modelreg's canary; SageMaker's blue/green canary shifts by canarySize", PROVIDER);
  if (options.minReplicas !== undefined || options.maxReplicas !== undefined)
    throw invalidInput(op, "minReplicas", "a blue/green canary keeps the variant's instance count; change it with deploy or setTrafficSplit", PROVIDER);
  if (options.check !== undefined && typeof options.check !== "function") throw invalidInput(op, "check", "check must be a function", PROVIDER);
  // Checks the endpoint, the instance type and the deadline; the defaults it fills in are not used here.
  const endpointName = ops.checkDeploy({ endpoint: options.endpoint, ...(options.machineType && { machineType: options.machineType }) }, op).endpoint;
  const pkg = await ops.approvedPackage(ref, op, options);
  const served: ServedVersion = { model: pkg.model, version: String(pkg.version) };
  const state = await ops.moves.state(endpointName, op, options).catch((error: unknown) => {
    if (!NotFoundError.isInstance(error)) throw error;
    throw new NotFoundError(`no endpoint is named ${endpointName}: a blue/green canary replaces a variant of an endpoint, so deploy first`, {
      provider: PROVIDER,
      operation: op,
      cause: error,
    });
  });
  ops.moves.requireInService(state, op);
  if (state.variants.some((v) => sameVersion(v.served, served)))
    throw new ConflictError(`${served.model}/${served.version} is already deployed to ${endpointName}`, { provider: PROVIDER, operation: op });
  const target = await replaced(ops, state.variants, given.replace, endpointName, op, options);
  const modelName = deploymentName(served.model, served.version);
  await ops.moves.ensureModel(modelName, pkg.arn, op, options);
  const weights = weightsOf(state);
  const variants = ops.moves
    .keptVariants(state, op)
    .map((v) => ({ ...v, InitialVariantWeight: weights[v.VariantName] ?? 0 }))
    .map((v) => (v.VariantName === target.name ? { ...v, ModelName: modelName, ...(options.machineType && { InstanceType: options.machineType }) } : v));
  const move = await ops.moves.start(endpointName, state, variants, knownVersions(state, modelName, served), op, options, policy.deploymentConfig);
  const { state: after, took } = await ops.moves.settle(move, op, options, policy.minDeadlineMs);
  const key = `${served.model}/${served.version}`;
  if (!took) {
    const reason = after.endpoint.FailureReason ?? "SageMaker rolled the blue/green update back";
    await ops.emit(
      [{ type: "rollback.completed", model: served.model, version: served.version, details: { endpoint: after.view.name, reason, alarms: policy.alarms } }],
      options,
    );
    return { completed: false, steps: [], reason, rolledBackBy: "alarms", endpoint: after.view };
  }
  const percent = after.view.trafficSplit[key] ?? 0;
  options.onStep?.({ percent, endpoint: after.view });
  const reason = options.check ? await healthOf(options.check, { percent, endpoint: after.view }) : undefined;
  if (reason !== undefined) {
    // SageMaker's old fleet is gone once the update finished: going back is another update, to the model it had.
    const back = ops.moves
      .keptVariants(after, op)
      .map((v) =>
        v.VariantName === target.name ? { ...v, ModelName: target.modelName, ...(target.instanceType && { InstanceType: target.instanceType }) } : v,
      );
    const moveBack = await ops.moves.start(endpointName, after, back, knownVersions(state), op, options);
    const endpoint = (await ops.moves.finish(moveBack, op, options)).view;
    await ops.emit(
      [{ type: "rollback.completed", model: served.model, version: served.version, details: { endpoint: endpoint.name, failedAt: percent, reason } }],
      options,
    );
    return { completed: false, steps: [percent], failedAt: percent, reason, rolledBackBy: "check", endpoint };
  }
  await ops.emit(
    [
      {
        type: "version.updated",
        model: served.model,
        version: served.version,
        details: {
          deployedTo: after.view.name,
          trafficPercent: percent,
          ...(target.served && { replaced: `${target.served.model}/${target.served.version}` }),
        },
      },
    ],
    options,
  );
  return { completed: true, steps: [percent], endpoint: after.view };
}

/** The variant a blue/green canary replaces: the one serving `replace`, else the endpoint's only variant. */
async function replaced(
  ops: EndpointOperations,
  variants: Awaited<ReturnType<EndpointOperations["moves"]["state"]>>["variants"],
  replace: VersionRefInput | undefined,
  endpoint: string,
  op: string,
  options: SageMakerCanaryOptions,
) {
  if (replace === undefined) {
    if (variants.length === 1 && variants[0]) return variants[0];
    throw new ConflictError(`${endpoint} has ${variants.length} variants; name the version to replace with blueGreen.replace`, {
      provider: PROVIDER,
      operation: op,
    });
  }
  const pkg: ResolvedPackage = await ops.registry.packageOf(replace, options);
  const target = variants.find((v) => sameVersion(v.served, { model: pkg.model, version: String(pkg.version) }));
  if (!target) throw new NotFoundError(`${pkg.model}/${pkg.version} is not deployed to ${endpoint}`, { provider: PROVIDER, operation: op });
  return target;
}
