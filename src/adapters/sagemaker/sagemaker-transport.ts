/**
 * The SageMaker side of the shared HTTP client: AWS JSON 1.1 (`POST /`, `X-Amz-Target: SageMaker.<Operation>`),
 * SigV4 signing, the regional endpoint or an override, and AWS error codes mapped to modelreg's errors.
 *
 * @module
 */

import type * as z from "zod/mini";
import { type AwsCredentials, credentialSource, rememberingCredentials } from "../../aws/aws-credentials.js";
import { configuredEndpoint, dnsSuffix, REGION_PATTERN, resolveRegion } from "../../aws/aws-config.js";
import { awsErrorForCode, shortErrorCode } from "../../aws/aws-errors.js";
import { awsSigner } from "../../aws/aws-signer.js";
import { InvalidInputError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import { callOptions, clientSettings } from "../../http/call-options.js";
import { describeErrorJson } from "../../http/http-errors.js";
import { createHttpClient } from "../../http/http-client.js";
import type { HttpClient, HttpErrorContext } from "../../http/http-types.js";
import type { SageMakerRegistrySettings } from "./sagemaker-settings.js";

/** The provider name. */
export const PROVIDER = "sagemaker";

/** One SageMaker API call. */
export interface SageMakerCall<S extends z.ZodMiniType> {
  /** The user-facing operation errors name (`createVersion`). */
  operation: string;
  /** The API action (`CreateModelPackage`). */
  action: string;
  /** The request body. */
  body: Record<string, unknown>;
  /** The response schema. */
  schema?: () => S;
  /** Whether sending it twice is safe. Default: true for `Describe*`/`List*`/`Search`, false otherwise. */
  idempotent?: boolean;
  /** The caller's options. */
  options?: CallOptions | undefined;
}

/** Maps `{__type, message}` errors (and `X-Amzn-Errortype`); `undefined` keeps the status mapping. */
export function mapAwsJsonError(context: HttpErrorContext): ReturnType<typeof awsErrorForCode> {
  const body = (typeof context.json === "object" && context.json !== null ? context.json : {}) as Record<string, unknown>;
  const code = shortErrorCode(context.headers.get("x-amzn-errortype") ?? (body.__type as string | undefined) ?? (body.code as string | undefined));
  if (!code) return undefined;
  const raw = (body.message ?? body.Message ?? describeErrorJson(context.json).message ?? code) as string;
  return awsErrorForCode(code, context.redact(`${code}: ${String(raw).slice(0, 1000)}`), context.errorOptions);
}

/** The transport: the region, credentials, and a signed JSON client. */
export class SageMakerTransport {
  /** The signed client of the SageMaker API. */
  readonly http: HttpClient;
  /** The region. */
  readonly region: string;
  /** Current credentials (cached, refreshed before they expire). */
  readonly credentials: () => Promise<AwsCredentials>;
  /** Every secret a response might echo, for redaction. */
  readonly secrets: () => Array<string | undefined>;

  /** @param settings - The registry settings. */
  constructor(settings: SageMakerRegistrySettings) {
    const env = settings.env ?? process.env;
    const region = resolveRegion(settings.region, env, settings.profile);
    if (region === undefined || !REGION_PATTERN.test(region))
      throw new InvalidInputError(region === undefined ? "no region: pass region or set AWS_REGION" : `region ${JSON.stringify(region)} is not an AWS region`, {
        provider: PROVIDER,
        operation: "createSageMakerRegistry",
        field: "region",
      });
    this.region = region;
    ({ credentials: this.credentials, secrets: this.secrets } = rememberingCredentials(credentialSource(settings, PROVIDER)));
    const endpoint = settings.endpoint ?? configuredEndpoint("SAGEMAKER", env, settings.profile) ?? `https://api.sagemaker.${region}.${dnsSuffix(region)}/`;
    this.http = createHttpClient({
      provider: PROVIDER,
      baseUrl: endpoint,
      ...clientSettings(settings),
      timeoutMs: settings.timeoutMs ?? 60_000,
      secrets: this.secrets,
      sign: awsSigner({ service: "sagemaker", region, credentials: this.credentials, provider: PROVIDER }),
      mapError: mapAwsJsonError,
    });
  }

  /** Calls an action and returns its parsed (and, with a schema, checked) response. */
  async call<S extends z.ZodMiniType>(call: SageMakerCall<S> & { schema: () => S }): Promise<z.output<S>>;
  async call(call: SageMakerCall<z.ZodMiniType>): Promise<unknown>;
  async call(call: SageMakerCall<z.ZodMiniType>): Promise<unknown> {
    const res = await this.http.request({
      operation: call.operation,
      method: "POST",
      path: "",
      json: call.body,
      idempotent: call.idempotent ?? /^(Describe|List|Search|BatchDescribe)/.test(call.action),
      ...(call.schema && { schema: call.schema }),
      ...callOptions(call.options),
      headers: {
        ...call.options?.headers,
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `SageMaker.${call.action}`,
      },
    });
    return res.data;
  }
}
