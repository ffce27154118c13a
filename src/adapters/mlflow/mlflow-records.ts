/**
 * Reading what MLflow keeps about a version: its record (by number, by alias, or the highest number for `latest`),
 * its run's params and metrics, and where its files are.
 *
 * @module
 */

import { InvalidInputError, NotFoundError, ResponseValidationError } from "../../core/errors.js";
import { preview } from "../../core/validation.js";
import type { CallOptions } from "../../core/options.js";
import type { VersionRef } from "../../core/refs.js";
import type { ModelVersion } from "../../core/types.js";
import {
  downloadUriResponse,
  loggedModelResponse,
  modelVersionResponse,
  registeredModelResponse,
  runResponse,
  searchVersionsResponse,
  type MlflowModelVersion,
} from "./mlflow-api.js";
import { type ArtifactLocation, below, locateArtifacts } from "./mlflow-artifacts.js";
import { tagRecord, toModelVersion, type RunData } from "./mlflow-convert.js";
import { PROVIDER, type MlflowTransport } from "./mlflow-transport.js";

/** A version's record: `{ model, version }` as it is, an alias through MLflow, `latest` as the highest number. */
export async function getRecord(transport: MlflowTransport, ref: VersionRef, op: string, options: CallOptions | undefined): Promise<MlflowModelVersion> {
  if ("version" in ref) {
    const res = await transport.call({
      operation: op,
      method: "GET",
      path: "model-versions/get",
      query: { name: ref.model, version: ref.version },
      schema: modelVersionResponse,
      options,
    });
    return res.model_version;
  }
  if (ref.alias === "latest") {
    // The server's own "latest" picks per-stage latest versions; the highest number is what users mean.
    const res = await transport.call({
      operation: op,
      method: "GET",
      path: "model-versions/search",
      query: { filter: `name = '${ref.model}'`, order_by: "version_number DESC", max_results: 1 },
      schema: searchVersionsResponse,
      options,
    });
    const top = res.model_versions?.[0];
    if (!top) {
      // No versions, or no model: reading the model tells the two apart (and throws NotFoundError for the latter).
      await transport.call({
        operation: op,
        method: "GET",
        path: "registered-models/get",
        query: { name: ref.model },
        schema: registeredModelResponse,
        options,
      });
      throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no versions`, { provider: PROVIDER, operation: op });
    }
    return getRecord(transport, { model: ref.model, version: top.version }, op, options);
  }
  try {
    const res = await transport.call({
      operation: op,
      method: "GET",
      path: "registered-models/alias",
      query: { name: ref.model, alias: ref.alias },
      schema: modelVersionResponse,
      options,
    });
    return res.model_version;
  } catch (error) {
    // MLflow answers an unknown alias with 400 INVALID_PARAMETER_VALUE.
    if (InvalidInputError.isInstance(error) && error.providerCode === "INVALID_PARAMETER_VALUE") {
      throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no alias ${JSON.stringify(ref.alias)}`, {
        provider: PROVIDER,
        operation: op,
        cause: error,
      });
    }
    throw error;
  }
}

/** The params, metrics and user of a version's run; `undefined` when it has none (any more). */
export async function runData(transport: MlflowTransport, version: MlflowModelVersion, options: CallOptions | undefined): Promise<RunData | undefined> {
  if (!version.run_id) return undefined;
  try {
    const res = await transport.call({ operation: "getRun", method: "GET", path: "runs/get", query: { run_id: version.run_id }, schema: runResponse, options });
    const data = res.run.data;
    const tags = tagRecord(data?.tags);
    return {
      params: Object.fromEntries((data?.params ?? []).map((p) => [p.key, p.value ?? ""])),
      metrics: Object.fromEntries((data?.metrics ?? []).map((m) => [m.key, m.value])),
      ...(tags["mlflow.user"] && { user: tags["mlflow.user"] }),
    };
  } catch (error) {
    // A version registered from a run that was deleted since still reads, without params and metrics.
    if (NotFoundError.isInstance(error)) return undefined;
    throw error;
  }
}

/** A version as users see it: the record with its run's params and metrics, and its own aliases. */
export async function readVersion(transport: MlflowTransport, record: MlflowModelVersion, options: CallOptions | undefined): Promise<ModelVersion> {
  return toModelVersion(record, await runData(transport, record, options), record.aliases ?? []);
}

/** The logged model behind a version: OSS servers never return `model_id`, but the source names it. */
export function modelIdOf(version: MlflowModelVersion): string | undefined {
  return version.model_id || /^models:\/(m-[0-9a-f]+)$/.exec(version.source ?? "")?.[1];
}

/** The version's artifact location as MLflow reports it (`get-download-uri`). */
export async function downloadUri(transport: MlflowTransport, version: MlflowModelVersion, op: string, options: CallOptions | undefined): Promise<string> {
  const res = await transport.call({
    operation: op,
    method: "GET",
    path: "model-versions/get-download-uri",
    query: { name: version.name, version: version.version },
    schema: downloadUriResponse,
    options,
  });
  return res.artifact_uri;
}

/** Where a version's files are: its logged model's location (3.x), else what `get-download-uri` says. */
export async function artifactRoot(
  transport: MlflowTransport,
  version: MlflowModelVersion,
  op: string,
  options: CallOptions | undefined,
): Promise<ArtifactLocation> {
  const modelId = modelIdOf(version);
  if (modelId) {
    const res = await transport.call({ operation: op, method: "GET", path: `logged-models/${modelId}`, schema: loggedModelResponse, options });
    return locateArtifacts(res.model.info.artifact_uri ?? "", transport, op);
  }
  const uri = await downloadUri(transport, version, op, options);
  // `MlflowClient.create_model_version(name, "runs:/<run>/model", run_id)` keeps the source as given, and the server
  // hands it back unresolved; MLflow's client reads it under the run's artifact URI, and so does this adapter.
  const runs = /^runs:\/([^/]+)\/?(.*)$/.exec(uri);
  if (runs) {
    const res = await transport.call({ operation: op, method: "GET", path: "runs/get", query: { run_id: runs[1] as string }, schema: runResponse, options });
    const base = locateArtifacts(res.run.info.artifact_uri ?? "", transport, op);
    const sub = (runs[2] ?? "").replace(/\/+$/, "");
    if (sub.split("/").some((segment) => segment === ".." || segment === "."))
      throw new ResponseValidationError(`the version's source ${preview(uri)} leaves its run's artifacts`, {
        provider: PROVIDER,
        operation: op,
        field: "source",
      });
    return below(base, sub);
  }
  return locateArtifacts(uri, transport, op);
}
