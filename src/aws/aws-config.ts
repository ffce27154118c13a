/**
 * Region and endpoint the way the AWS SDKs find them: the settings, then `AWS_REGION`, then the profile's `region` in
 * the shared config file; endpoint overrides from `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL` and the profile's
 * `endpoint_url` (unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`). Read without loading any AWS package.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The `[profile name]` (or `[default]`) section of the shared config file, or `{}` when there is none. */
export function sharedConfigProfile(env: Record<string, string | undefined>, profile: string | undefined): Record<string, string> {
  const name = profile ?? env.AWS_PROFILE ?? "default";
  const file = env.AWS_CONFIG_FILE ?? join(env.HOME ?? homedir(), ".aws", "config");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  let inSection = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+|\s*[#;].*$|\s+$/g, "");
    const section = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (section) {
      inSection = section[1] === name;
      continue;
    }
    // A nested block (`s3 =` followed by indented keys) is left out: only top-level keys are read.
    if (!inSection || /^\s/.test(raw)) continue;
    const pair = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (pair?.[1] && pair[2] !== undefined && !(pair[1] in out)) out[pair[1]] = pair[2];
  }
  return out;
}

/** The region: `given`, else `AWS_REGION`, else the profile's `region`; `undefined` when none is set. */
export function resolveRegion(given: string | undefined, env: Record<string, string | undefined>, profile?: string): string | undefined {
  return given ?? (env.AWS_REGION || undefined) ?? sharedConfigProfile(env, profile).region;
}

/**
 * The endpoint override for a service (`SAGEMAKER`, `S3`): `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, then the
 * profile's `endpoint_url`; none when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true`.
 */
export function configuredEndpoint(service: string, env: Record<string, string | undefined>, profile?: string): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === "true") return undefined;
  return env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || sharedConfigProfile(env, profile).endpoint_url || undefined;
}

/** AWS region names: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** The DNS suffix of a region's partition. */
export function dnsSuffix(region: string): string {
  return region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
}
