// An in-process fake (msw) of SageMaker Model Registry: model package groups, versioned model packages and group tags.
// It keeps state and behaves as AWS documents where moto does not (reference §5, §6, §12): ClientToken is honoured
// (a resend returns the first package), UpdateModelPackage changes only the fields it is given and merges
// CustomerMetadataProperties, DeleteModelPackage and DeleteModelPackageGroup exist (a group with packages is refused),
// AddTags overwrites a key, ModelLifeCycle, ModelCard and SourceUri are kept, package ARNs keep the group's case, a
// missing resource is a ValidationException "does not exist", version numbers are assigned at create and never reused,
// and versioned packages cannot be tagged. Every request must be SigV4-signed for sagemaker (when credentials are
// given) and fit the botocore-derived contract (sageMakerRequestProblems); one that does not is answered with a 400
// and recorded in `violations`. Actions it does not serve (the deploy operations) fall through to the next handler.
import { createHash } from "node:crypto";
import { http, HttpResponse, type HttpHandler } from "msw";
import { sageMakerRequestProblems } from "../../support/aws-contract.js";
import { type SigV4Credentials, verifySigV4 } from "../../support/sigv4-verify.js";
import { AwsError, invalid, reply } from "./aws-json-errors.js";

export const REGION = "us-east-1";
export const ACCOUNT = "123456789012";
export const SAGEMAKER_URL = `https://api.sagemaker.${REGION}.amazonaws.com`;

type Json = Record<string, unknown>;
type Tag = { Key: string; Value: string };

interface Group {
  name: string;
  arn: string;
  description?: string;
  created: number;
  tags: Tag[];
  nextVersion: number;
  packages: Map<number, Json>;
}

/** A fault for the next request(s) of an action. */
export interface SageMakerFault {
  action: string;
  /** `network`: the connection drops (`afterHandling`: after the action took effect); `status`: an AWS error. */
  kind: "network" | "status";
  afterHandling?: boolean;
  status?: number;
  code?: string;
  message?: string;
  /** How many matching requests it hits. Default 1. */
  times?: number;
}

const ACTIONS = new Set([
  "CreateModelPackageGroup",
  "DescribeModelPackageGroup",
  "ListModelPackageGroups",
  "DeleteModelPackageGroup",
  "CreateModelPackage",
  "DescribeModelPackage",
  "ListModelPackages",
  "UpdateModelPackage",
  "DeleteModelPackage",
  "AddTags",
  "ListTags",
  "DeleteTags",
]);

/** What a CreateModelPackage keeps, as DescribeModelPackage gives it back. */
const KEPT = [
  "ModelPackageDescription",
  "InferenceSpecification",
  "ModelApprovalStatus",
  "MetadataProperties",
  "ModelMetrics",
  "CustomerMetadataProperties",
  "ModelCard",
  "ModelLifeCycle",
  "SourceUri",
  "Domain",
  "Task",
  "SamplePayloadUrl",
  "SkipModelValidation",
  "DriftCheckBaselines",
  "SecurityConfig",
];

/** The fake's state and its msw handlers. */
export class SageMakerFake {
  readonly groups = new Map<string, Group>();
  /** Every request the fake served, in order: the action, its body and the status answered. */
  readonly requests: Array<{ action: string; body: Json; status: number }> = [];
  /** Requests that broke the contract or the signature (a modelreg bug if ever non-empty). */
  readonly violations: string[] = [];
  /** ClientToken to the ARN it made. */
  readonly clientTokens = new Map<string, string>();
  /** Called before the fake serves an action (a test's way to act as another client in between); may throw {@link awsError}. */
  beforeAction: ((action: string, body: Json) => void) | undefined;
  readonly #faults: SageMakerFault[] = [];
  readonly #credentials: SigV4Credentials | undefined;
  /** Seconds since the epoch, as SageMaker's timestamps are: now, and always later than the last one given. */
  #clock = 0;

  /** @param options - The credentials every request must be signed with (none: signatures are not checked). */
  constructor(options: { credentials?: SigV4Credentials } = {}) {
    this.#credentials = options.credentials;
  }

  /** Queues a fault. */
  inject(fault: SageMakerFault): void {
    this.#faults.push({ ...fault, times: fault.times ?? 1 });
  }

  /** Drops the faults not yet taken. */
  clearFaults(): void {
    this.#faults.length = 0;
  }

  /** The requests of one action. */
  sent(action: string): Array<{ action: string; body: Json; status: number }> {
    return this.requests.filter((r) => r.action === action);
  }

  /** A package by group and version. */
  package(group: string, version: number): Json | undefined {
    return this.groups.get(group)?.packages.get(version);
  }

  /** Registers a package as another tool would, and returns its ARN. */
  register(group: string, input: Json = {}): string {
    if (!this.groups.has(group)) this.#handle("CreateModelPackageGroup", { ModelPackageGroupName: group });
    return (this.#handle("CreateModelPackage", { ModelPackageGroupName: group, ...input }) as { ModelPackageArn: string }).ModelPackageArn;
  }

  handlers(): HttpHandler[] {
    return [
      http.post(`${SAGEMAKER_URL}/`, async ({ request }) => {
        const target = request.headers.get("x-amz-target");
        const action = (target ?? "").replace(/^SageMaker\./, "");
        if (!ACTIONS.has(action)) return undefined;
        const text = await request.clone().text();
        let body: Json;
        try {
          body = JSON.parse(text || "{}") as Json;
        } catch {
          return reply(new AwsError("SerializationException", "the body is not JSON"));
        }
        // ListTags of endpoint configs is the endpoint fake's.
        if (action === "ListTags" && String(body.ResourceArn).includes(":endpoint-config/")) return undefined;
        const record = { action, body, status: 200 };
        this.requests.push(record);
        const respond = (response: Response) => {
          record.status = response.type === "error" ? 0 : response.status;
          return response;
        };
        const problems = [...this.#signatureProblems(request, text), ...sageMakerRequestProblems(target, body)];
        if (request.headers.get("content-type") !== "application/x-amz-json-1.1") problems.push("Content-Type is not application/x-amz-json-1.1");
        if (problems.length > 0) {
          this.violations.push(...problems.map((p) => `${action}: ${p}`));
          return respond(reply(invalid(problems.join("; "))));
        }
        const fault = this.#takeFault(action);
        if (fault?.kind === "network" && !fault.afterHandling) return respond(HttpResponse.error());
        if (fault?.kind === "status") return respond(reply(new AwsError(fault.code ?? "InternalFailure", fault.message ?? "injected", fault.status ?? 500)));
        let result: Json;
        try {
          this.beforeAction?.(action, body);
          result = this.#handle(action, body);
        } catch (error) {
          if (error instanceof AwsError) return respond(reply(error));
          throw error;
        }
        if (fault?.kind === "network") return respond(HttpResponse.error());
        return respond(HttpResponse.json(result, { headers: { "x-amzn-requestid": crypto.randomUUID() } }));
      }),
    ];
  }

  #signatureProblems(request: Request, text: string): string[] {
    if (!this.#credentials) return [];
    const failure = verifySigV4(
      { method: request.method, url: new URL(request.url), headers: request.headers, bodySha256: createHash("sha256").update(text).digest("hex") },
      { credentials: this.#credentials, region: REGION, service: "sagemaker" },
    );
    return failure ? [`signature: ${failure.code} ${failure.message}`] : [];
  }

  #takeFault(action: string): SageMakerFault | undefined {
    const at = this.#faults.findIndex((f) => f.action === action);
    if (at === -1) return undefined;
    const fault = this.#faults[at] as SageMakerFault;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.#faults.splice(at, 1);
    return fault;
  }

  #group(nameOrArn: unknown): Group {
    const name = String(nameOrArn).replace(/^arn:[^:]+:sagemaker:[^:]*:\d{12}:model-package-group\//, "");
    const group = this.groups.get(name);
    if (!group) throw invalid(`ModelPackageGroup arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package-group/${name} does not exist.`);
    return group;
  }

  /** A package by ARN (case kept, as AWS writes it) or `group/n`. */
  #package(nameOrArn: unknown): { group: Group; version: number; pkg: Json } {
    const text = String(nameOrArn);
    const m = /^(?:arn:[^:]+:sagemaker:[^:]*:\d{12}:model-package\/)?([^/]+)\/(\d+)$/.exec(text);
    const group = m ? this.groups.get(m[1] as string) : undefined;
    const pkg = group?.packages.get(Number(m?.[2]));
    if (!group || !pkg || (text.startsWith("arn:") && pkg.ModelPackageArn !== text)) throw invalid(`ModelPackage ${text} does not exist.`);
    return { group, version: Number(m?.[2]), pkg };
  }

  #handle(action: string, body: Json): Json {
    const now = (this.#clock = Math.max(this.#clock + 0.001, Date.now() / 1000));
    switch (action) {
      case "CreateModelPackageGroup": {
        const name = String(body.ModelPackageGroupName);
        const arn = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package-group/${name}`;
        if (this.groups.has(name)) throw invalid(`Model Package Group already exists: ${arn}`);
        const tags = (body.Tags as Tag[] | undefined) ?? [];
        this.groups.set(name, {
          name,
          arn,
          ...(body.ModelPackageGroupDescription !== undefined && { description: String(body.ModelPackageGroupDescription) }),
          created: now,
          tags: [...tags],
          nextVersion: 1,
          packages: new Map(),
        });
        return { ModelPackageGroupArn: arn };
      }
      case "DescribeModelPackageGroup":
        return this.#groupRecord(this.#group(body.ModelPackageGroupName));
      case "ListModelPackageGroups": {
        const contains = body.NameContains === undefined ? undefined : String(body.NameContains).toLowerCase();
        const groups = [...this.groups.values()].filter((g) => contains === undefined || g.name.toLowerCase().includes(contains));
        const byName = body.SortBy === "Name";
        groups.sort((a, b) => (byName ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.created - b.created));
        if (body.SortOrder === "Descending") groups.reverse();
        const { items, next } = page(groups, body);
        return { ModelPackageGroupSummaryList: items.map((g) => this.#groupRecord(g)), ...(next && { NextToken: next }) };
      }
      case "DeleteModelPackageGroup": {
        const group = this.#group(body.ModelPackageGroupName);
        if (group.packages.size > 0) throw new AwsError("ConflictException", `Model Package Group ${group.name} has model packages; delete them first.`);
        this.groups.delete(group.name);
        return {};
      }
      case "CreateModelPackage": {
        if (body.ModelPackageName !== undefined) throw invalid("the fake makes versioned packages only: give ModelPackageGroupName");
        if (body.Tags !== undefined) throw invalid("Tags cannot be given for a versioned model package: it uses the tags of its model package group");
        const token = body.ClientToken === undefined ? undefined : String(body.ClientToken);
        const known = token === undefined ? undefined : this.clientTokens.get(token);
        if (known !== undefined) return { ModelPackageArn: known };
        const group = this.#group(body.ModelPackageGroupName);
        const properties = body.CustomerMetadataProperties as Json | undefined;
        if (properties && Object.keys(properties).length > 50) throw invalid("CustomerMetadataProperties has more than 50 entries");
        const version = group.nextVersion++;
        const arn = `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model-package/${group.name}/${version}`;
        const pkg: Json = {
          ModelPackageName: group.name,
          ModelPackageGroupName: group.name,
          ModelPackageVersion: version,
          ModelPackageArn: arn,
          CreationTime: now,
          LastModifiedTime: now,
          ModelPackageStatus: "Completed",
          ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
          CertifyForMarketplace: false,
          CreatedBy: { IamIdentity: { Arn: `arn:aws:iam::${ACCOUNT}:user/tester` } },
        };
        for (const key of KEPT) if (body[key] !== undefined) pkg[key] = structuredClone(body[key]);
        group.packages.set(version, pkg);
        if (token !== undefined) this.clientTokens.set(token, arn);
        return { ModelPackageArn: arn };
      }
      case "DescribeModelPackage":
        return structuredClone(this.#package(body.ModelPackageName).pkg);
      case "ListModelPackages": {
        // The documented default is Unversioned: a listing of a group without ModelPackageType shows no versions.
        const type = (body.ModelPackageType as string | undefined) ?? "Unversioned";
        const group = body.ModelPackageGroupName === undefined ? undefined : this.groups.get(String(body.ModelPackageGroupName).replace(/^arn:.*\//, ""));
        let packages =
          type === "Unversioned"
            ? []
            : [...(group ? [group] : body.ModelPackageGroupName === undefined ? this.groups.values() : [])].flatMap((g) => [...g.packages.values()]);
        if (body.ModelApprovalStatus !== undefined) packages = packages.filter((p) => p.ModelApprovalStatus === body.ModelApprovalStatus);
        packages.sort(
          (a, b) => (a.CreationTime as number) - (b.CreationTime as number) || (a.ModelPackageVersion as number) - (b.ModelPackageVersion as number),
        );
        if (body.SortOrder === "Descending") packages.reverse();
        const { items, next } = page(packages, body);
        const summaries = items.map((p) =>
          Object.fromEntries(
            [
              "ModelPackageName",
              "ModelPackageGroupName",
              "ModelPackageVersion",
              "ModelPackageArn",
              "ModelPackageDescription",
              "CreationTime",
              "ModelPackageStatus",
              "ModelApprovalStatus",
              "ModelLifeCycle",
            ]
              .filter((k) => p[k] !== undefined)
              .map((k) => [k, structuredClone(p[k])]),
          ),
        );
        return { ModelPackageSummaryList: summaries, ...(next && { NextToken: next }) };
      }
      case "UpdateModelPackage": {
        const { pkg } = this.#package(body.ModelPackageArn);
        for (const key of ["ModelApprovalStatus", "ApprovalDescription", "ModelLifeCycle", "ModelCard", "SourceUri", "InferenceSpecification"])
          if (body[key] !== undefined) pkg[key] = structuredClone(body[key]);
        if (body.CustomerMetadataProperties !== undefined || body.CustomerMetadataPropertiesToRemove !== undefined) {
          const merged: Json = { ...(pkg.CustomerMetadataProperties as Json | undefined), ...(body.CustomerMetadataProperties as Json | undefined) };
          for (const key of (body.CustomerMetadataPropertiesToRemove as string[] | undefined) ?? []) delete merged[key];
          if (Object.keys(merged).length > 50) throw invalid("CustomerMetadataProperties would have more than 50 entries");
          if (Object.keys(merged).length > 0) pkg.CustomerMetadataProperties = merged;
          else delete pkg.CustomerMetadataProperties;
        }
        pkg.LastModifiedTime = now;
        return { ModelPackageArn: pkg.ModelPackageArn };
      }
      case "DeleteModelPackage": {
        const { group, version, pkg } = this.#package(body.ModelPackageName);
        group.packages.delete(version);
        for (const [token, arn] of this.clientTokens) if (arn === pkg.ModelPackageArn) this.clientTokens.delete(token);
        return {};
      }
      case "AddTags":
      case "ListTags":
      case "DeleteTags": {
        const arn = String(body.ResourceArn);
        if (arn.includes(":model-package/")) throw invalid("a versioned model package has no tags of its own: tag its model package group");
        const group = [...this.groups.values()].find((g) => g.arn === arn);
        if (!group) throw invalid(`Resource ${arn} does not exist.`);
        if (action === "ListTags") {
          const { items, next } = page(group.tags, body);
          return { Tags: structuredClone(items), ...(next && { NextToken: next }) };
        }
        if (action === "DeleteTags") {
          const keys = new Set(body.TagKeys as string[]);
          group.tags = group.tags.filter((t) => !keys.has(t.Key));
          return {};
        }
        const next = [...group.tags];
        for (const tag of body.Tags as Tag[]) {
          const at = next.findIndex((t) => t.Key === tag.Key);
          if (at === -1) next.push({ ...tag });
          else next[at] = { ...tag };
        }
        if (next.length > 50) throw new AwsError("ResourceLimitExceeded", "a resource can have at most 50 tags");
        group.tags = next;
        return { Tags: structuredClone(body.Tags) as Json[] };
      }
      default:
        throw invalid(`the fake does not serve ${action}`);
    }
  }

  #groupRecord(g: Group): Json {
    return {
      ModelPackageGroupName: g.name,
      ModelPackageGroupArn: g.arn,
      ...(g.description !== undefined && { ModelPackageGroupDescription: g.description }),
      CreationTime: g.created,
      CreatedBy: {},
      ModelPackageGroupStatus: "Completed",
    };
  }
}

/** One page by `MaxResults` (default 10) and an opaque `NextToken` (the offset, base64). */
function page<T>(items: T[], body: Json): { items: T[]; next: string | undefined } {
  const start = body.NextToken === undefined ? 0 : Number(Buffer.from(String(body.NextToken), "base64").toString());
  if (!Number.isInteger(start) || start < 0) throw invalid("Invalid pagination token");
  const size = (body.MaxResults as number | undefined) ?? 10;
  const end = start + size;
  return { items: items.slice(start, end), next: end < items.length ? Buffer.from(String(end)).toString("base64") : undefined };
}
