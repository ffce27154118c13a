/**
 * The requests behind SageMaker endpoint changes: reading an endpoint with its config, waiting for `InService`,
 * making a version's model, moving an endpoint to a new endpoint config (and cleaning up the one it leaves, or the
 * one it never took), changing weights in place, and deleting an endpoint a canary made.
 *
 * @module
 */

import type { Endpoint, LongRunningOptions } from "../../core/endpoints.js";
import { AbortedError, ConflictError, ModelRegistryError, NotFoundError, PermissionDeniedError, ServerError, TimeoutError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import {
  type EndpointConfig,
  type EndpointDescription,
  type ProductionVariant,
  type ServedVersion,
  VERSION_TAG_PREFIX,
  type VariantView,
  endpointArnSchema,
  endpointConfigArnSchema,
  endpointConfigSchema,
  endpointDescriptionSchema,
  isManagedConfig,
  listTagsSchema,
  newConfigName,
  parseDeploymentName,
  toEndpoint,
  variantViews,
} from "./sagemaker-endpoint-api.js";
import type { SageMakerEndpointSettings } from "./sagemaker-endpoints.js";
import { PROVIDER, type SageMakerTransport } from "./sagemaker-transport.js";
import { sleep } from "../../runtime/sleep.js";

/** An endpoint as read: SageMaker's description, its config, its variants, and the spec's view. */
export interface EndpointState {
  /** `DescribeEndpoint`. */
  endpoint: EndpointDescription;
  /** `DescribeEndpointConfig` of its config; `undefined` when that config was deleted while in use. */
  config: EndpointConfig | undefined;
  /** Its variants. */
  variants: VariantView[];
  /** The spec's view. */
  view: Endpoint;
}

/** An endpoint moving to a new config (or being created on one). */
export interface Move {
  /** The endpoint's name. */
  endpoint: string;
  /** Its ARN. */
  arn: string;
  /** The config it moves to. */
  configName: string;
  /** The config it leaves, if it had one. */
  previousConfig: string | undefined;
}

/** Statuses an endpoint does not leave by waiting. */
const FAILED = new Set(["Failed", "UpdateRollbackFailed", "OutOfService"]);

/** The requests behind endpoint changes. */
export class EndpointMoves {
  /**
   * @param transport - The SageMaker transport.
   * @param settings - Role and polling.
   */
  constructor(
    readonly transport: SageMakerTransport,
    private readonly settings: SageMakerEndpointSettings,
  ) {}

  /** `DescribeEndpoint`. */
  describe(name: string, op: string, options: CallOptions | undefined): Promise<EndpointDescription> {
    return this.transport.call({ operation: op, action: "DescribeEndpoint", body: { EndpointName: name }, schema: endpointDescriptionSchema, options });
  }

  /** Reads an endpoint with its config. */
  async state(name: string, op: string, options: CallOptions | undefined): Promise<EndpointState> {
    return this.stateOf(await this.describe(name, op, options), op, options);
  }

  /** Reads an endpoint's config (and, for models whose names do not say their version, the config's tags). */
  async stateOf(endpoint: EndpointDescription, op: string, options: CallOptions | undefined): Promise<EndpointState> {
    const config = endpoint.EndpointConfigName
      ? await this.transport
          .call({
            operation: op,
            action: "DescribeEndpointConfig",
            body: { EndpointConfigName: endpoint.EndpointConfigName },
            schema: endpointConfigSchema,
            options,
          })
          .catch((error: unknown) => {
            // AWS lets a config in use be deleted; the endpoint still shows its variants.
            if (NotFoundError.isInstance(error)) return undefined;
            throw error;
          })
      : undefined;
    const hashed = config?.ProductionVariants.some((v) => v.ModelName && !parseDeploymentName(v.ModelName));
    const tags = config && hashed ? await this.#versionTags(config.EndpointConfigArn, op, options) : new Map<string, ServedVersion>();
    const variants = variantViews(endpoint, config, tags);
    return { endpoint, config, variants, view: toEndpoint(endpoint, variants, config) };
  }

  /** The config's {@link VERSION_TAG_PREFIX} tags; none when the caller may not list tags (the models show by name). */
  async #versionTags(arn: string, op: string, options: CallOptions | undefined): Promise<Map<string, ServedVersion>> {
    const found = new Map<string, ServedVersion>();
    let token: string | undefined;
    try {
      for (let page = 0; page < 5; page++) {
        const res = await this.transport.call({
          operation: op,
          action: "ListTags",
          body: { ResourceArn: arn, ...(token && { NextToken: token }) },
          schema: listTagsSchema,
          options,
        });
        for (const tag of res.Tags ?? []) {
          const served = /^([^/]+)\/(\d+)$/.exec(tag.Value);
          if (tag.Key.startsWith(VERSION_TAG_PREFIX) && served)
            found.set(tag.Key.slice(VERSION_TAG_PREFIX.length), { model: served[1] as string, version: served[2] as string });
        }
        token = res.NextToken ?? undefined;
        if (!token) break;
      }
    } catch (error) {
      if (!PermissionDeniedError.isInstance(error)) throw error;
    }
    return found;
  }

  /** Refuses to change an endpoint that is not `InService`: SageMaker refuses updates while one is under way. */
  requireInService(state: EndpointState, op: string): void {
    const { EndpointName: name, EndpointStatus: status, FailureReason: reason } = state.endpoint;
    if (status === "InService") return;
    const hint = status === "Failed" ? `${reason ? ` (${reason})` : ""}; delete it and deploy again` : "; wait until it is InService";
    throw new ConflictError(`endpoint ${name} is ${status}${hint}`, { provider: PROVIDER, operation: op, providerCode: `EndpointStatus.${status}` });
  }

  /** The config's variants as they are, to copy into a new config. */
  keptVariants(state: EndpointState, op: string): ProductionVariant[] {
    if (!state.config)
      throw new ConflictError(`the config of endpoint ${state.endpoint.EndpointName} was deleted while in use, so its variants cannot be copied`, {
        provider: PROVIDER,
        operation: op,
      });
    return state.config.ProductionVariants.map(
      (v) => Object.fromEntries(Object.entries(v).filter(([, value]) => value !== null && value !== undefined)) as ProductionVariant,
    );
  }

  /** Makes the version's SageMaker model from its package, or reuses the one of that name. */
  async ensureModel(modelName: string, packageArn: string, op: string, options: CallOptions | undefined): Promise<void> {
    const role = this.settings.executionRoleArn;
    try {
      await this.transport.call({
        operation: op,
        action: "CreateModel",
        body: { ModelName: modelName, Containers: [{ ModelPackageName: packageArn }], ...(role && { ExecutionRoleArn: role }) },
        options,
      });
    } catch (error) {
      // "Cannot create already existing model": the name is the version's, so an earlier deploy made it.
      if (!ConflictError.isInstance(error)) throw error;
    }
  }

  /**
   * Creates a config with these variants and moves the endpoint onto it (`UpdateEndpoint`), or creates the endpoint
   * (`CreateEndpoint`) when there is none. When that request fails, the new config is deleted if nothing uses it.
   */
  async start(
    endpoint: string,
    current: EndpointState | undefined,
    variants: ProductionVariant[],
    known: Map<string, ServedVersion>,
    op: string,
    options: LongRunningOptions,
    deploymentConfig?: Record<string, unknown>,
  ): Promise<Move> {
    const configName = newConfigName(endpoint);
    const tags = variants.flatMap((v) => {
      const served = v.ModelName && !parseDeploymentName(v.ModelName) ? known.get(v.ModelName) : undefined;
      return served ? [{ Key: `${VERSION_TAG_PREFIX}${v.ModelName}`, Value: `${served.model}/${served.version}` }] : [];
    });
    await this.transport.call({
      operation: op,
      action: "CreateEndpointConfig",
      body: { EndpointConfigName: configName, ProductionVariants: variants, ...(tags.length > 0 && { Tags: tags }) },
      schema: endpointConfigArnSchema,
      options,
    });
    const body = current
      ? {
          EndpointName: endpoint,
          EndpointConfigName: configName,
          // Keep instance counts set since (by autoscaling or UpdateEndpointWeightsAndCapacities); weights come from the
          // new config, except in a blue/green update, which keeps the variants and so their weights.
          RetainAllVariantProperties: true,
          ...(deploymentConfig ? { DeploymentConfig: deploymentConfig } : { ExcludeRetainedVariantProperties: [{ VariantPropertyType: "DesiredWeight" }] }),
        }
      : { EndpointName: endpoint, EndpointConfigName: configName };
    try {
      const res = await this.#retryStaleConfig(
        () => this.transport.call({ operation: op, action: current ? "UpdateEndpoint" : "CreateEndpoint", body, schema: endpointArnSchema, options }),
        options,
      );
      return { endpoint, arn: res.EndpointArn, configName, previousConfig: current?.endpoint.EndpointConfigName };
    } catch (error) {
      await this.#discard(configName, endpoint, op, options);
      throw error;
    }
  }

  /**
   * Right after `CreateEndpointConfig`, SageMaker may not see the config yet: its docs advise retrying a validation
   * error of that kind. Twice more, after a short wait.
   */
  async #retryStaleConfig<T>(send: () => Promise<T>, options: CallOptions | undefined): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        if (!NotFoundError.isInstance(error) || attempt >= 3) throw error;
        await sleep(Math.min(this.settings.pollIntervalMs ?? 5000, 2000) * attempt, options?.signal);
      }
    }
  }

  /** Deletes a config a failed `CreateEndpoint`/`UpdateEndpoint` left, unless the endpoint is (or may be) moving to it. */
  async #discard(configName: string, endpoint: string, op: string, options: CallOptions | undefined): Promise<void> {
    try {
      const now = await this.describe(endpoint, op, options).catch((error: unknown) => {
        if (NotFoundError.isInstance(error)) return undefined;
        throw error;
      });
      // An endpoint that is Updating may have taken the request whose answer was lost.
      if (!now || (["InService", "Failed"].includes(now.EndpointStatus) && now.EndpointConfigName !== configName)) await this.deleteConfig(configName, options);
    } catch {
      // Unknown: leave the config rather than delete one that may be in use; the request's own error is what matters.
    }
  }

  /** Waits for a move to finish and checks the endpoint took the new config. */
  async finish(move: Move, op: string, options: LongRunningOptions): Promise<EndpointState> {
    const { state, took } = await this.settle(move, op, options);
    if (!took) {
      const reason = state.endpoint.FailureReason ? `: ${state.endpoint.FailureReason}` : "";
      throw new ServerError(`endpoint ${move.endpoint} did not take endpoint config ${move.configName}; SageMaker rolled the update back${reason}`, {
        provider: PROVIDER,
        operation: op,
        providerCode: "UpdateRolledBack",
        isRetryable: false,
      });
    }
    return state;
  }

  /**
   * Waits for `InService` and tells whether the endpoint took the new config (SageMaker rolls a failed update back to
   * the old one). Deletes whichever config the endpoint is not on, when it is no longer needed: the old one (if modelreg
   * made it) after a move, the new one after a rollback.
   */
  async settle(move: Move, op: string, options: LongRunningOptions, minDeadlineMs = 0): Promise<{ state: EndpointState; took: boolean }> {
    const final = await this.waitInService(move.endpoint, op, options, minDeadlineMs);
    const took = final.EndpointConfigName === move.configName;
    if (!took) await this.deleteConfig(move.configName, options);
    else if (move.previousConfig && move.previousConfig !== move.configName && isManagedConfig(move.previousConfig))
      await this.deleteConfig(move.previousConfig, options);
    return { state: await this.stateOf(final, op, options), took };
  }

  /** Sets weights in place (`UpdateEndpointWeightsAndCapacities`) and waits for `InService`. */
  async setWeights(state: EndpointState, weights: Record<string, number>, op: string, options: CallOptions | undefined): Promise<EndpointState> {
    const name = state.endpoint.EndpointName;
    await this.transport.call({
      operation: op,
      action: "UpdateEndpointWeightsAndCapacities",
      body: {
        EndpointName: name,
        DesiredWeightsAndCapacities: Object.entries(weights).map(([VariantName, DesiredWeight]) => ({ VariantName, DesiredWeight })),
      },
      schema: endpointArnSchema,
      idempotent: true,
      options,
    });
    return this.stateOf(await this.waitInService(name, op, options), op, options);
  }

  /** Polls `DescribeEndpoint` until `InService`, as AWS's `EndpointInService` waiter does. */
  async waitInService(name: string, op: string, options: LongRunningOptions | undefined, minDeadlineMs = 0): Promise<EndpointDescription> {
    // The caller's deadline wins; otherwise the default, stretched to what a blue/green update may take.
    const deadline = Date.now() + (options?.deadlineMs ?? Math.max(this.settings.operationDeadlineMs ?? 3_600_000, minDeadlineMs));
    const first = this.settings.pollIntervalMs ?? 5000;
    let delay = first;
    for (;;) {
      const now = await this.describe(name, op, options);
      const status = now.EndpointStatus;
      if (status === "InService") return now;
      const o = { provider: PROVIDER, operation: op, providerCode: `EndpointStatus.${status}` };
      if (FAILED.has(status))
        throw new ServerError(`endpoint ${name} is ${status}${now.FailureReason ? `: ${now.FailureReason}` : ""}`, { ...o, isRetryable: false });
      if (status === "Deleting") throw new ConflictError(`endpoint ${name} is being deleted`, o);
      if (options?.signal?.aborted)
        throw new AbortedError(`stopped waiting for endpoint ${name} (${status}); the change continues on AWS's side`, { ...o, cause: options.signal.reason });
      if (Date.now() + delay > deadline) throw new TimeoutError(`endpoint ${name} was still ${status} at the deadline; the change continues on AWS's side`, o);
      await sleep(delay, options?.signal);
      delay = Math.min(delay * 1.5, Math.max(30_000, first));
    }
  }

  /** Deletes an endpoint, waits until it is gone, then deletes its config if modelreg made it. */
  async deleteEndpoint(state: EndpointState, op: string, options: LongRunningOptions): Promise<void> {
    const name = state.endpoint.EndpointName;
    await this.transport.call({ operation: op, action: "DeleteEndpoint", body: { EndpointName: name }, options });
    const deadline = Date.now() + (options.deadlineMs ?? this.settings.operationDeadlineMs ?? 3_600_000);
    let delay = this.settings.pollIntervalMs ?? 5000;
    // An endpoint being deleted still uses its config.
    for (;;) {
      const gone = await this.describe(name, op, options).then(
        () => false,
        (error: unknown) => {
          if (NotFoundError.isInstance(error)) return true;
          throw error;
        },
      );
      if (gone || Date.now() + delay > deadline || options.signal?.aborted) break;
      await sleep(delay, options.signal);
      delay = Math.min(delay * 1.5, 30_000);
    }
    const config = state.endpoint.EndpointConfigName;
    if (config && isManagedConfig(config)) await this.deleteConfig(config, options);
  }

  /**
   * Deletes a config. A failure is left alone: the endpoint change it follows has happened, and a config costs
   * nothing; reporting the change as failed would be wrong.
   */
  async deleteConfig(name: string, options: CallOptions | undefined): Promise<void> {
    try {
      await this.transport.call({
        operation: "deleteEndpointConfig",
        action: "DeleteEndpointConfig",
        body: { EndpointConfigName: name },
        idempotent: true,
        options,
      });
    } catch (error) {
      if (!ModelRegistryError.isInstance(error)) throw error;
    }
  }
}
