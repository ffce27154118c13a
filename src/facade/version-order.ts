/**
 * `listVersions(model, { orderBy: { metric } })`: the order itself. No provider modelreg supports can sort model
 * versions by a metric on its side (MLflow's `search_model_versions` orders by name, version and timestamps only;
 * Vertex, W&B and the local registry have no such order), so the facade reads every matching version and sorts them
 * here, for every adapter alike. Loaded by the first listing that asks for an order.
 *
 * @module
 */

import type { VersionOrder } from "../core/model-registry.js";
import type { ModelVersion } from "../core/types.js";

/**
 * Sorts `versions` in place by `order.metric`: best first for `desc`, versions without the metric (or with NaN) last,
 * ties by version number, newest first.
 */
export function sortVersions(versions: ModelVersion[], { metric, direction }: Required<VersionOrder>): ModelVersion[] {
  const sign = direction === "asc" ? 1 : -1;
  const value = (v: ModelVersion) => {
    const m = v.metrics[metric];
    return typeof m === "number" && !Number.isNaN(m) ? m : undefined;
  };
  return versions.sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === undefined || y === undefined) {
      if (x !== y) return x === undefined ? 1 : -1;
    } else if (x !== y) return sign * (x - y);
    return Number(b.version) - Number(a.version);
  });
}
