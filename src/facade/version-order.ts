/**
 * `listVersions(model, { orderBy: { metric } })`: versions ordered by a metric. No provider modelreg supports can sort
 * model versions by a metric on its side (MLflow's `search_model_versions` orders by name, version and timestamps
 * only; Vertex, W&B and the local registry have no such order), so the facade reads every matching version and sorts
 * them here, for every adapter alike.
 *
 * @module
 */

import { invalidInput } from "../core/errors.js";
import { paginate, type Page, type PageFetcher, type PageIterable } from "../core/pagination.js";
import type { ModelVersion } from "../core/types.js";
import type { VersionOrder } from "../core/model-registry.js";

/** Checks `orderBy`; returns it whole, with the direction filled in. */
export function checkVersionOrder(orderBy: unknown, pageToken: unknown, provider: string): Required<VersionOrder> {
  const op = "listVersions";
  if (typeof orderBy !== "object" || orderBy === null || Array.isArray(orderBy))
    throw invalidInput(op, "orderBy", 'orderBy takes { metric: "auc", direction?: "asc" | "desc" }', provider);
  const { metric, direction = "desc" } = orderBy as VersionOrder;
  if (typeof metric !== "string" || metric.trim() === "") throw invalidInput(op, "orderBy.metric", "orderBy.metric must name a metric, e.g. auc", provider);
  if (direction !== "asc" && direction !== "desc") throw invalidInput(op, "orderBy.direction", 'orderBy.direction is "asc" or "desc"', provider);
  // The order is only known once every version has been read, so there is no page to resume from.
  if (pageToken !== undefined) throw invalidInput(op, "pageToken", "orderBy reads every version, so it takes no pageToken", provider);
  return { metric, direction };
}

/**
 * Versions from `fetchPage`, every page read, then ordered by `order.metric`: best first for `desc`, versions without
 * the metric (or with NaN) last, ties by version number, newest first. Served again in pages of `pageSize`.
 */
export function orderedVersions(
  fetchPage: PageFetcher<ModelVersion>,
  order: Required<VersionOrder>,
  pageSize: number | undefined,
  options: { signal?: AbortSignal; provider: string },
): PageIterable<ModelVersion> {
  let sorted: Promise<ModelVersion[]> | undefined;
  const all = () =>
    (sorted ??= paginate(fetchPage, { ...options, operation: "listVersions" })
      .toArray()
      .then((versions) => versions.sort(compareBy(order))));
  const fetchSorted: PageFetcher<ModelVersion> = async (token) => {
    const versions = await all();
    const size = pageSize ?? versions.length;
    const start = token === undefined ? 0 : Number(token);
    const page: Page<ModelVersion> = { items: versions.slice(start, start + size) };
    if (start + size < versions.length) page.nextPageToken = String(start + size);
    return page;
  };
  return paginate(fetchSorted, { ...options, operation: "listVersions" });
}

function compareBy({ metric, direction }: Required<VersionOrder>): (a: ModelVersion, b: ModelVersion) => number {
  const sign = direction === "asc" ? 1 : -1;
  const value = (v: ModelVersion) => {
    const m = v.metrics[metric];
    return typeof m === "number" && !Number.isNaN(m) ? m : undefined;
  };
  return (a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === undefined || y === undefined) {
      if (x !== y) return x === undefined ? 1 : -1;
    } else if (x !== y) return sign * (x - y);
    return Number(b.version) - Number(a.version);
  };
}
