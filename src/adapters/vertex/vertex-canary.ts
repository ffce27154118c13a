/**
 * The options and result of a canary rollout on a Vertex endpoint ({@link VertexEndpoints.canaryRollout}).
 *
 * @module
 */

import type { DeployOptions, Endpoint } from "../../core/endpoints.js";
import type { VertexEndpoints } from "./vertex-endpoints.js";

/** What a canary health check sees. */
export interface CanaryStep {
  /** The percent of traffic the new version has now. */
  percent: number;
  /** The endpoint as it is now. */
  endpoint: Endpoint;
}

/** Options for {@link VertexEndpoints.canaryRollout}. */
export interface CanaryOptions extends Omit<DeployOptions, "trafficPercent" | "wait"> {
  /** Traffic percentages to step through. Default `[5, 25, 50, 100]`. */
  steps?: number[];
  /** Decides between steps whether the new version is healthy. A `false` or a throw rolls back. */
  check: (step: CanaryStep) => boolean | Promise<boolean>;
  /** Called after each step takes effect. */
  onStep?: (step: CanaryStep) => void;
}

/** How a canary rollout ended. */
export interface CanaryResult {
  /** True when the last step was reached and passed. */
  completed: boolean;
  /** The percentages that took effect, in order. */
  steps: number[];
  /** The percent at which the check failed. */
  failedAt?: number;
  /** Why it failed: the check's error message, or that it returned false. */
  reason?: string;
  /** The endpoint at the end. */
  endpoint: Endpoint;
}
