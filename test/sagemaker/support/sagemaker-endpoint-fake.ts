// An in-process fake (msw) of SageMaker's deploy operations: CreateModel, DeleteModel, Create/Describe/Delete
// EndpointConfig, Create/Describe/List/Update/Delete Endpoint, UpdateEndpointWeightsAndCapacities, and ListTags for
// endpoint configs. It keeps state and behaves as AWS documents where moto does not (reference §9, §12.1, §12.10):
// endpoints go Creating -> InService and Updating -> InService over a few DescribeEndpoint polls, UpdateEndpoint moves
// an endpoint to another config (rolling back, through RollingBack, when the new fleet fails or a blue/green update's
// alarm fires), a change is refused while one is under way, and a duplicate name is "Cannot create already existing".
// Every request must be SigV4-signed for sagemaker with the canary credentials and fit the botocore-derived contract
// (sageMakerRequestProblems); a request that does not is refused and recorded in `problems`.
import { createHash, createHmac } from "node:crypto";
import { http, HttpResponse, type HttpHandler } from "msw";
import { sageMakerRequestProblems } from "../../support/aws-contract.js";
import { MOTO_CREDENTIALS } from "../../support/moto-server.js";
import { AwsError, invalid, reply } from "./aws-json-errors.js";

export const REGION = "us-east-1";
export const ACCOUNT = "123456789012";
export const SAGEMAKER_URL = `https://api.sagemaker.${REGION}.amazonaws.com`;

type Json = Record<string, unknown>;
type Variant = { VariantName: string; ModelName?: string; InstanceType?: string; InitialInstanceCount?: number; InitialVariantWeight?: number } & Json;
interface LiveVariant {
  VariantName: string;
  CurrentWeight: number;
  DesiredWeight: number;
  CurrentInstanceCount: number;
  DesiredInstanceCount: number;
}
interface Pending {
  kind: "create" | "update" | "weights" | "delete";
  pollsLeft: number;
  configName?: string;
  body?: Json;
  /** Set when the change fails: the endpoint ends Failed (create) or rolls back (update). */
  failure?: string;
  rollingBack?: boolean;
}
interface EndpointState {
  name: string;
  configName: string;
  status: string;
  failureReason?: string;
  variants: LiveVariant[];
  created: number;
  modified: number;
  lastDeploymentConfig?: Json;
  pending?: Pending;
}

const arn = (kind: string, name: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${kind}/${name.toLowerCase()}`;

const ACTIONS = new Set([
  "CreateModel",
  "DeleteModel",
  "CreateEndpointConfig",
  "DescribeEndpointConfig",
  "DeleteEndpointConfig",
  "CreateEndpoint",
  "DescribeEndpoint",
  "ListEndpoints",
  "UpdateEndpoint",
  "UpdateEndpointWeightsAndCapacities",
  "DeleteEndpoint",
  "ListTags",
]);

/** The fake's state and its msw handlers. */
export class SageMakerEndpointFake {
  /** Model packages by ARN, with their approval status: CreateModel refuses one that is not Approved. */
  readonly packages = new Map<string, { approvalStatus: string | undefined }>();
  readonly models = new Map<string, { arn: string; packageArn: string; role?: string }>();
  readonly configs = new Map<string, { arn: string; variants: Variant[]; tags: Array<{ Key: string; Value: string }>; created: number }>();
  readonly endpoints = new Map<string, EndpointState>();
  /** Every request, in order: the action and its body. */
  readonly requests: Array<{ action: string; body: Json }> = [];
  /** Requests the contract or the signature check refused (a modelreg bug if ever non-empty). */
  readonly problems: string[] = [];
  /** DescribeEndpoint polls an endpoint spends Creating, Updating or Deleting. */
  transitionPolls = 2;
  /** SageMaker models whose fleets fail their health check: an endpoint that starts one fails (or rolls back). */
  readonly failingModels = new Set<string>();
  /** CloudWatch alarms in ALARM: a blue/green update guarded by one rolls back. */
  readonly firingAlarms = new Set<string>();
  #clock = 1_700_000_000;

  /** Registers a package (`model-package/<model>/<version>`; `null`: no approval status) and returns its ARN. */
  addPackage(model: string, version: number, approvalStatus: string | null = "Approved"): string {
    const packageArn = arn("model-package", `${model}/${version}`);
    this.packages.set(packageArn, { approvalStatus: approvalStatus ?? undefined });
    return packageArn;
  }

  /** The actions requested since `from`. */
  actions(from = 0): string[] {
    return this.requests.slice(from).map((r) => r.action);
  }

  handlers(): HttpHandler[] {
    return [
      http.post(`${SAGEMAKER_URL}/`, async ({ request }) => {
        const target = request.headers.get("x-amz-target") ?? "";
        const action = target.replace(/^SageMaker\./, "");
        if (!ACTIONS.has(action)) return undefined;
        const text = await request.clone().text();
        const body = JSON.parse(text || "{}") as Json;
        // ListTags of other resources (groups) is the registry fake's.
        if (action === "ListTags" && !String(body.ResourceArn).includes(":endpoint-config/")) return undefined;
        this.requests.push({ action, body });
        const refused = [...signatureProblems(request, text), ...sageMakerRequestProblems(target, body)];
        if (refused.length > 0) {
          this.problems.push(...refused.map((p) => `${action}: ${p}`));
          return reply(invalid(refused.join("; ")));
        }
        try {
          return HttpResponse.json(this.#handle(action, body), { headers: { "x-amzn-requestid": crypto.randomUUID() } });
        } catch (error) {
          if (error instanceof AwsError) return reply(error);
          throw error;
        }
      }),
    ];
  }

  #handle(action: string, body: Json): Json {
    const now = this.#clock++;
    switch (action) {
      case "CreateModel": {
        const name = body.ModelName as string;
        if (this.models.has(name)) throw invalid(`Cannot create already existing model "${arn("model", name)}".`);
        const containers = (body.Containers ?? []) as Json[];
        const packageArn = containers[0]?.ModelPackageName as string | undefined;
        if (containers.length !== 1 || !packageArn) throw invalid("This fake takes one container that names a model package.");
        const pkg = this.packages.get(packageArn);
        if (!pkg) throw invalid(`ModelPackage ${packageArn} does not exist.`);
        // SM:CreateModelPackage: a versioned package "must be set to Approved to deploy". Which call AWS refuses at is
        // unverified; CreateModel is the first that names the package.
        if (pkg.approvalStatus !== "Approved") throw invalid(`Model package ${packageArn} is not approved for deployment.`);
        this.models.set(name, { arn: arn("model", name), packageArn, ...(typeof body.ExecutionRoleArn === "string" && { role: body.ExecutionRoleArn }) });
        return { ModelArn: arn("model", name) };
      }
      case "DeleteModel": {
        if (!this.models.delete(body.ModelName as string)) throw invalid(`Could not find model "${arn("model", body.ModelName as string)}".`);
        return {};
      }
      case "CreateEndpointConfig": {
        const name = body.EndpointConfigName as string;
        if (this.configs.has(name)) throw invalid(`Cannot create already existing endpoint configuration "${arn("endpoint-config", name)}".`);
        const variants = body.ProductionVariants as Variant[];
        if (new Set(variants.map((v) => v.VariantName)).size !== variants.length)
          throw invalid("Variant names must be unique within an endpoint configuration.");
        for (const v of variants) {
          if (!v.ModelName || !this.models.has(v.ModelName)) throw invalid(`Could not find model "${arn("model", v.ModelName ?? "")}".`);
          if (!v.InstanceType || !v.InitialInstanceCount) throw invalid(`Variant ${v.VariantName} needs InstanceType and InitialInstanceCount.`);
        }
        this.configs.set(name, { arn: arn("endpoint-config", name), variants, tags: (body.Tags ?? []) as Array<{ Key: string; Value: string }>, created: now });
        return { EndpointConfigArn: arn("endpoint-config", name) };
      }
      case "DescribeEndpointConfig": {
        const config = this.#config(body.EndpointConfigName as string);
        return {
          EndpointConfigName: body.EndpointConfigName,
          EndpointConfigArn: config.arn,
          ProductionVariants: config.variants,
          CreationTime: config.created,
        };
      }
      case "DeleteEndpointConfig": {
        const name = body.EndpointConfigName as string;
        this.#config(name);
        // AWS lets an in-use config be deleted (and loses track of the endpoint's instance type); the fake refuses, so
        // a test sees modelreg try.
        const user = [...this.endpoints.values()].find((e) => e.configName === name || e.pending?.configName === name);
        if (user) throw invalid(`Endpoint configuration ${name} is in use by endpoint ${user.name}.`);
        this.configs.delete(name);
        return {};
      }
      case "CreateEndpoint": {
        const name = body.EndpointName as string;
        if (this.endpoints.has(name)) throw invalid(`Cannot create already existing endpoint "${arn("endpoint", name)}".`);
        const configName = body.EndpointConfigName as string;
        const config = this.#config(configName);
        this.endpoints.set(name, {
          name,
          configName,
          status: "Creating",
          variants: [],
          created: now,
          modified: now,
          pending: { kind: "create", pollsLeft: this.transitionPolls, configName, ...this.#failure(config.variants, body) },
        });
        return { EndpointArn: arn("endpoint", name) };
      }
      case "UpdateEndpoint": {
        const endpoint = this.#ready(body.EndpointName as string);
        const configName = body.EndpointConfigName as string;
        const config = this.#config(configName);
        endpoint.status = "Updating";
        endpoint.modified = now;
        endpoint.pending = { kind: "update", pollsLeft: this.transitionPolls, configName, body, ...this.#failure(config.variants, body) };
        return { EndpointArn: arn("endpoint", endpoint.name) };
      }
      case "UpdateEndpointWeightsAndCapacities": {
        const endpoint = this.#ready(body.EndpointName as string);
        const desired = body.DesiredWeightsAndCapacities as Array<{ VariantName: string; DesiredWeight?: number; DesiredInstanceCount?: number }>;
        const seen = new Set<string>();
        for (const d of desired) {
          if (seen.has(d.VariantName)) throw invalid(`The variant name "${d.VariantName}" was non-unique within the request.`);
          seen.add(d.VariantName);
          if (!endpoint.variants.some((v) => v.VariantName === d.VariantName))
            throw invalid(`The variant name(s) "${d.VariantName}" is/are not present within endpoint configuration "${endpoint.configName}".`);
        }
        for (const d of desired) {
          const v = endpoint.variants.find((x) => x.VariantName === d.VariantName) as LiveVariant;
          if (d.DesiredWeight !== undefined) v.DesiredWeight = d.DesiredWeight;
          if (d.DesiredInstanceCount !== undefined) v.DesiredInstanceCount = d.DesiredInstanceCount;
        }
        endpoint.status = "Updating";
        endpoint.pending = { kind: "weights", pollsLeft: this.transitionPolls };
        return { EndpointArn: arn("endpoint", endpoint.name) };
      }
      case "DescribeEndpoint":
        return this.#describe(this.#endpoint(body.EndpointName as string));
      case "ListEndpoints": {
        const all = [...this.endpoints.values()].sort((a, b) => (body.SortOrder === "Ascending" ? a.created - b.created : b.created - a.created));
        const start = Number(body.NextToken ?? 0);
        const size = (body.MaxResults as number | undefined) ?? 10;
        const page = all.slice(start, start + size);
        return {
          Endpoints: page.map((e) => ({
            EndpointName: e.name,
            EndpointArn: arn("endpoint", e.name),
            CreationTime: e.created,
            LastModifiedTime: e.modified,
            EndpointStatus: e.status,
          })),
          ...(start + size < all.length && { NextToken: String(start + size) }),
        };
      }
      case "DeleteEndpoint": {
        const endpoint = this.#endpoint(body.EndpointName as string);
        endpoint.status = "Deleting";
        endpoint.pending = { kind: "delete", pollsLeft: this.transitionPolls };
        return {};
      }
      case "ListTags": {
        const config = [...this.configs.values()].find((c) => c.arn === body.ResourceArn);
        if (!config) throw invalid(`Could not find endpoint-config with arn ${String(body.ResourceArn)}`);
        return { Tags: config.tags };
      }
      default:
        throw new AwsError("UnknownOperationException", `${action} is not handled`);
    }
  }

  /** Whether (and why) a fleet of these variants fails: a failing model, or a blue/green update whose alarm fires. */
  #failure(variants: Variant[], body: Json): { failure?: string } {
    const bad = variants.find((v) => v.ModelName && this.failingModels.has(v.ModelName));
    if (bad) return { failure: `The primary container for production variant ${bad.VariantName} did not pass the ping health check.` };
    const alarms = ((body.DeploymentConfig as Json | undefined)?.AutoRollbackConfiguration as Json | undefined)?.Alarms as
      | Array<{ AlarmName: string }>
      | undefined;
    const firing = alarms?.find((a) => this.firingAlarms.has(a.AlarmName));
    return firing ? { failure: `Rolled back because alarm ${firing.AlarmName} went into ALARM state.` } : {};
  }

  /** DescribeEndpoint, which moves an endpoint one poll along its change. */
  #describe(endpoint: EndpointState): Json {
    const pending = endpoint.pending;
    if (pending && --pending.pollsLeft <= 0) this.#settle(endpoint, pending);
    if (!this.endpoints.has(endpoint.name)) throw invalid(`Could not find endpoint "${arn("endpoint", endpoint.name)}".`);
    return {
      EndpointName: endpoint.name,
      EndpointArn: arn("endpoint", endpoint.name),
      EndpointConfigName: endpoint.configName,
      ...(endpoint.variants.length > 0 && { ProductionVariants: endpoint.variants }),
      EndpointStatus: endpoint.status,
      ...(endpoint.failureReason && { FailureReason: endpoint.failureReason }),
      CreationTime: endpoint.created,
      LastModifiedTime: endpoint.modified,
      ...(endpoint.lastDeploymentConfig && { LastDeploymentConfig: endpoint.lastDeploymentConfig }),
    };
  }

  #settle(endpoint: EndpointState, pending: Pending): void {
    endpoint.pending = undefined;
    if (pending.kind === "delete") {
      this.endpoints.delete(endpoint.name);
      return;
    }
    if (pending.kind === "weights") {
      for (const v of endpoint.variants) Object.assign(v, { CurrentWeight: v.DesiredWeight, CurrentInstanceCount: v.DesiredInstanceCount });
      endpoint.status = "InService";
      return;
    }
    if (pending.failure && pending.kind === "create") {
      Object.assign(endpoint, { status: "Failed", failureReason: pending.failure });
      return;
    }
    if (pending.failure && !pending.rollingBack) {
      // A failed update rolls back: RollingBack for a poll, then InService on the config it had.
      endpoint.status = "RollingBack";
      endpoint.pending = { ...pending, rollingBack: true, pollsLeft: 1 };
      return;
    }
    if (pending.failure) {
      Object.assign(endpoint, { status: "InService", failureReason: pending.failure });
      return;
    }
    const config = this.#config(pending.configName as string);
    const retain = pending.body?.RetainAllVariantProperties === true;
    const excluded = new Set(
      ((pending.body?.ExcludeRetainedVariantProperties ?? []) as Array<{ VariantPropertyType: string }>).map((p) => p.VariantPropertyType),
    );
    endpoint.variants = config.variants.map((v) => {
      const old = retain ? endpoint.variants.find((o) => o.VariantName === v.VariantName) : undefined;
      const weight = old && !excluded.has("DesiredWeight") ? old.DesiredWeight : (v.InitialVariantWeight ?? 1);
      const count = old && !excluded.has("DesiredInstanceCount") ? old.DesiredInstanceCount : (v.InitialInstanceCount as number);
      return { VariantName: v.VariantName, CurrentWeight: weight, DesiredWeight: weight, CurrentInstanceCount: count, DesiredInstanceCount: count };
    });
    Object.assign(endpoint, { configName: pending.configName, status: "InService", failureReason: undefined });
    if (pending.body?.DeploymentConfig) endpoint.lastDeploymentConfig = pending.body.DeploymentConfig as Json;
  }

  #endpoint(name: string): EndpointState {
    const endpoint = this.endpoints.get(name);
    if (!endpoint) throw invalid(`Could not find endpoint "${arn("endpoint", name)}".`);
    return endpoint;
  }

  /** An endpoint that may change now: SageMaker refuses an update while another is under way. */
  #ready(name: string): EndpointState {
    const endpoint = this.#endpoint(name);
    if (endpoint.status !== "InService") throw invalid(`Cannot update in-progress endpoint "${arn("endpoint", name)}".`);
    return endpoint;
  }

  #config(name: string) {
    const config = this.configs.get(name);
    if (!config) throw invalid(`Could not find endpoint configuration "${arn("endpoint-config", name)}".`);
    return config;
  }
}

/**
 * Checks the request's SigV4 signature as SageMaker would (AWS docs "Create a signed AWS API request"): the scope is
 * `<date>/us-east-1/sagemaker/aws4_request` with the canary key, the session token is sent, and the signature matches
 * one computed here over the canonical request (`POST`, `/`, no query, the signed headers, the body's SHA-256).
 */
function signatureProblems(request: Request, body: string): string[] {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(request.headers.get("authorization") ?? "");
  if (!auth) return ["not signed with AWS4-HMAC-SHA256"];
  const [keyId, date, region, service, terminator] = (auth[1] as string).split("/");
  if (keyId !== MOTO_CREDENTIALS.accessKeyId || region !== REGION || service !== "sagemaker" || terminator !== "aws4_request")
    return [`signed for ${auth[1]}, not ${MOTO_CREDENTIALS.accessKeyId}/<date>/${REGION}/sagemaker/aws4_request`];
  if (request.headers.get("x-amz-security-token") !== MOTO_CREDENTIALS.sessionToken) return ["the session token is missing"];
  const signed = (auth[2] as string).split(";");
  if (!signed.includes("host") || !signed.includes("x-amz-target")) return ["host and x-amz-target must be signed"];
  const url = new URL(request.url);
  const header = (name: string) => (name === "host" ? url.host : (request.headers.get(name) ?? "")).trim().replace(/\s+/g, " ");
  const canonical = ["POST", "/", "", signed.map((n) => `${n}:${header(n)}\n`).join(""), signed.join(";"), sha256(body)].join("\n");
  const amzDate = request.headers.get("x-amz-date") ?? "";
  const toSign = ["AWS4-HMAC-SHA256", amzDate, `${date}/${region}/${service}/aws4_request`, sha256(canonical)].join("\n");
  let key: Buffer = hmac(`AWS4${MOTO_CREDENTIALS.secretAccessKey}`, date as string);
  for (const part of [region, service, "aws4_request"]) key = hmac(key, part as string);
  return hmac(key, toSign).toString("hex") === auth[3] ? [] : ["the signature does not match"];
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();
