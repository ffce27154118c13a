/**
 * The MLflow adapter as the rest of modelreg sees it before loading it: `mlflow+http(s)://` URIs, and how to open one.
 *
 * @module
 */

import { comparableUrl, type AdapterDescriptor, type AdapterLocation } from "../../core/adapter-descriptor.js";

/** An `mlflow+http(s)://` URI. */
export interface MlflowLocation extends AdapterLocation<"mlflow"> {
  /** An MLflow tracking server. */
  kind: "mlflow";
  /** The server's URL, without the `mlflow+` prefix. */
  trackingUri: string;
  /** The experiment versions are logged in (`?experiment=`). */
  experimentName?: string;
}

/** An MLflow tracking server: `mlflow+http://host:5000`, `mlflow+https://host/prefix?experiment=NAME`. */
export const mlflowAdapter: AdapterDescriptor<
  "mlflow",
  MlflowLocation,
  // What the factory gets from a URI, written out rather than named: the public RegistryFactories shows it.
  { trackingUri: string; experimentName?: string; actor?: string; env?: Record<string, string | undefined> }
> = {
  id: "mlflow",
  subpath: "modelreg/mlflow",
  schemes: ["mlflow+http", "mlflow+https"],
  uriExample: "mlflow+http://host:5000",
  description: "an MLflow tracking server (mlflow+https:// too; ?experiment=NAME)",
  credentials: ["MLFLOW_TRACKING_TOKEN", "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD"],
  managedAliases: [],
  parseUri({ url }) {
    const parsed = url();
    // A parameter given twice: the last one wins.
    const query: Record<string, string | undefined> = Object.fromEntries(parsed.searchParams);
    const experiment = query.experiment;
    const base = new URL(parsed.href.slice("mlflow+".length));
    base.search = "";
    base.hash = "";
    return { kind: "mlflow", trackingUri: base.href.replace(/\/$/, ""), ...(experiment && { experimentName: experiment }) };
  },
  settings: (location, options) => ({
    trackingUri: location.trackingUri,
    ...(location.experimentName && { experimentName: location.experimentName }),
    ...(options.env && { env: options.env }),
    ...(options.actor && { actor: options.actor }),
  }),
  // The registry is server-wide, so the experiment does not count.
  identity: (location) => `mlflow ${comparableUrl(location.trackingUri)}`,
  load: async () => (await import("./index.js")).createMlflowRegistry,
};
