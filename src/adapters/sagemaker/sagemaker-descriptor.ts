/**
 * The SageMaker adapter as the rest of modelreg sees it before loading it: `sagemaker://` URIs, and how to open one.
 *
 * @module
 */

import { comparableUrl, type AdapterDescriptor, type AdapterLocation } from "../../core/adapter-descriptor.js";
import { SAGEMAKER_MANAGED_ALIASES } from "./sagemaker-aliases.js";

/** A `sagemaker://region/bucket[/prefix]` URI. */
export interface SageMakerLocation extends AdapterLocation<"sagemaker"> {
  /** SageMaker Model Registry. */
  kind: "sagemaker";
  /** The AWS region. */
  region: string;
  /** Where artifacts go, `s3://bucket[/prefix]`. */
  artifactRoot: string;
  /** The serving image new versions get (`?image=`); without it a version's package has no `InferenceSpecification`. */
  image?: string;
  /** Another SageMaker API endpoint (`?endpoint=`). */
  endpoint?: string;
  /** Another S3 endpoint (`?s3Endpoint=`). */
  s3Endpoint?: string;
}

/** AWS region names (as src/aws/aws-config.ts has them; a descriptor loads nothing of the adapter). */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * SageMaker Model Registry: `sagemaker://region/bucket[/prefix]`, artifacts under `s3://bucket/prefix`
 * (`?image=` names the serving image of new versions; `?endpoint=` and `?s3Endpoint=` override the hosts).
 */
export const sagemakerAdapter: AdapterDescriptor<
  "sagemaker",
  SageMakerLocation,
  // What the factory gets from a URI, written out rather than named: the public RegistryFactories shows it.
  {
    region: string;
    artifactRoot: string;
    image?: string;
    endpoint?: string;
    s3Endpoint?: string;
    actor?: string;
    env?: Record<string, string | undefined>;
  }
> = {
  id: "sagemaker",
  subpath: "modelreg/sagemaker",
  schemes: ["sagemaker"],
  uriExample: "sagemaker://region/bucket[/prefix]",
  description: "SageMaker Model Registry, artifacts in that S3 bucket (?image= the serving image; ?endpoint=, ?s3Endpoint= hosts)",
  credentials: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"],
  managedAliases: SAGEMAKER_MANAGED_ALIASES,
  parseUri({ uri, url, fail }) {
    const parsed = url();
    // The URL parser folds "." and ".." segments away, so the URI as written is checked for them.
    const written = uri
      .replace(/^[^:]*:\/\/[^/?#]*\/?/, "")
      .replace(/[?#].*$/, "")
      .replace(/\/+$/, "");
    if (written.split("/").some((s, i) => (s === "" && i > 0) || s === "." || s === ".." || /^%2e(%2e)?$/i.test(s)))
      throw fail('the prefix has an empty, "." or ".." segment');
    // A parameter given twice: the last one wins.
    const query: Record<string, string | undefined> = Object.fromEntries(parsed.searchParams);
    const region = parsed.hostname;
    if (!REGION.test(region)) throw fail("expected sagemaker://<region>/<bucket>[/prefix], with an AWS region such as us-east-1");
    const [bucket = "", ...rest] = decodeURIComponent(parsed.pathname).replace(/^\//, "").replace(/\/+$/, "").split("/");
    if (!BUCKET.test(bucket)) throw fail("sagemaker:// needs the S3 bucket for artifacts: sagemaker://<region>/<bucket>[/prefix]");
    const prefix = rest.join("/");
    const { image, endpoint, s3Endpoint } = query;
    return {
      kind: "sagemaker",
      region,
      artifactRoot: `s3://${bucket}${prefix ? `/${prefix}` : ""}`,
      ...(image && { image }),
      ...(endpoint && { endpoint }),
      ...(s3Endpoint && { s3Endpoint }),
    };
  },
  settings(location, options) {
    const { kind: _kind, ...settings } = location;
    return { ...settings, ...(options.env && { env: options.env }), ...(options.actor && { actor: options.actor }) };
  },
  // One registry is a region's SageMaker (at an endpoint) with modelreg's records under one artifact root.
  identity(location) {
    const endpoint = location.endpoint ? ` ${comparableUrl(location.endpoint)}` : "";
    return `sagemaker ${location.region}${endpoint} ${location.artifactRoot}`;
  },
  load: async () => (await import("./index.js")).createSageMakerRegistry,
};
