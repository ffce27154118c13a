// An in-process fake of Vertex AI's Model, Endpoint and Operation resources (msw). It keeps state and follows
// Vertex's rules: version ids count up per model, aliases are unique per model and move, exactly one version holds
// `default`, upload, delete, deploy and undeploy are long-running operations, traffic sums to 100, and names come
// back with the project number, and a version with a prebuilt serving image needs that framework's model file in its
// artifact folder. Every request is checked against the contract derived from the discovery document.
import { http, HttpResponse, type HttpHandler } from "msw";
import { ContractViolation, validateRequest, wantsIntEnums, type GoogleError } from "./contract-validator.js";
import type { GcsFake } from "./gcs-fake.js";

export const PROJECT = "test-project";
export const PROJECT_NUMBER = "123456789012";
export const LOCATION = "us-central1";
export const HOST = `https://${LOCATION}-aiplatform.googleapis.com`;

type Json = Record<string, unknown>;
interface VersionState extends Json {
  versionId: string;
  versionAliases: string[];
  labels: Record<string, string>;
}
interface ModelState {
  id: string;
  displayName: string;
  description?: string;
  labels: Record<string, string>;
  createTime: string;
  nextVersion: number;
  versions: Map<string, VersionState>;
}
interface DeployedModelState {
  id: string;
  model: string;
  modelVersionId: string;
  dedicatedResources?: unknown;
  displayName?: string;
}
interface EndpointState {
  id: string;
  displayName: string;
  labels: Record<string, string>;
  deployedModels: DeployedModelState[];
  trafficSplit: Record<string, number>;
  createTime: string;
}
interface OperationState {
  name: string;
  pollsLeft: number;
  metadata: Json;
  finish: () => { response?: Json; error?: { code: number; message: string } };
  result?: { response?: Json; error?: { code: number; message: string } };
}

const ALIAS = /^[a-z][a-z0-9-]{0,126}[a-z0-9]$/;

/**
 * Vertex's prebuilt serving images (`{us|europe|asia}-docker.pkg.dev/vertex-ai/prediction/<framework>-...`) and the
 * model files each loads from the top of `artifactUri`: Google's import-model page (scikit-learn `model.joblib` or
 * `model.pkl`; XGBoost `model.bst`, `model.joblib` or `model.pkl`; TensorFlow `saved_model.pb`; PyTorch `model.mar`)
 * and python-aiplatform's `_SUPPORTED_MODEL_FILE_NAMES`, which adds `saved_model.pbtxt`; exactly one of them (vertex.md,
 * "Corrections and emphasis"). Written here apart from the adapter's table, so a slip in one does not hide in both.
 */
const PREBUILT_IMAGE = /^(?:us|europe|asia)-docker\.pkg\.dev\/vertex-ai\/prediction\/((?:tf|sklearn|xgboost|pytorch)[^/]*)$/;
const PREBUILT_FILES: Array<[RegExp, string[]]> = [
  [/^sklearn-/, ["model.joblib", "model.pkl"]],
  [/^xgboost-/, ["model.bst", "model.joblib", "model.pkl"]],
  [/^tf2?-/, ["saved_model.pb", "saved_model.pbtxt"]],
  [/^pytorch-/, ["model.mar"]],
  [/^/, ["model.pkl", "model.joblib", "model.bst", "model.mar", "saved_model.pb", "saved_model.pbtxt"]],
];

/**
 * The numbers of the enums the fake answers with, by field name (the discovery document has the names only; these
 * are the proto's, from google-cloud-aiplatform's aiplatform_v1/types/model.py, Model.DeploymentResourcesType).
 */
const ENUM_NUMBERS: Record<string, Record<string, number>> = {
  supportedDeploymentResourcesTypes: { DEPLOYMENT_RESOURCES_TYPE_UNSPECIFIED: 0, DEDICATED_RESOURCES: 1, AUTOMATIC_RESOURCES: 2, SHARED_RESOURCES: 3 },
};

/** A JSON answer with the enum fields of {@link ENUM_NUMBERS} as numbers, for `$alt=json;enum-encoding=int`. */
function enumsAsNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(enumsAsNumbers);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      const numbers = ENUM_NUMBERS[k];
      if (!numbers) return [k, enumsAsNumbers(v)];
      const one = (x: unknown) => (typeof x === "string" && x in numbers ? numbers[x] : x);
      return [k, Array.isArray(v) ? v.map(one) : one(v)];
    }),
  );
}

class FakeError extends Error {
  constructor(readonly error: GoogleError) {
    super(error.message);
  }
}
const fail = (code: number, status: string, message: string) => new FakeError({ code, status, message });

/** The fake's state and handlers. */
/**
 * Google's label rules (keys start with a lowercase letter; keys and values hold lowercase letters, letters without
 * case such as CJK, digits, `_` and `-`, up to 63 characters; at most 64 labels), for models.upload and models.patch.
 */
function checkLabels(labels: Record<string, string>): void {
  if (Object.keys(labels).length > 64) throw fail(400, "INVALID_ARGUMENT", "A resource can have at most 64 labels.");
  for (const [k, v] of Object.entries(labels)) {
    if (!/^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u.test(k) || typeof v !== "string" || !/^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u.test(v)) {
      throw fail(400, "INVALID_ARGUMENT", `Invalid label ${k}=${String(v)}.`);
    }
  }
}

export class VertexFake {
  readonly models = new Map<string, ModelState>();
  readonly endpoints = new Map<string, EndpointState>();
  readonly operations = new Map<string, OperationState>();
  /** Every request seen, as `METHOD path`. */
  readonly requests: string[] = [];
  /** Polls an operation needs before it is done. */
  operationPolls = 1;
  /**
   * Faults for the next `models.upload` calls, one each, in order: refused at once with an HTTP error (as for a bad
   * container spec or labels), or accepted and its operation ends in a gRPC error (as when Vertex cannot read the
   * artifacts). Either way no version is made, as on the service.
   */
  readonly uploadFaults: Array<{ at: "request"; error: GoogleError } | { at: "operation"; error: { code: number; message: string } }> = [];
  /** Every `models.upload` body received, in order. */
  readonly uploads: Json[] = [];
  /** Requests the contract refused, with Google's error. */
  readonly violations: GoogleError[] = [];
  #ids = 1000;
  /** Ids of endpoints whose create operation has not finished. */
  readonly #creatingEndpoints = new Set<string>();
  #clock = Date.parse("2026-11-01T00:00:00Z");

  /** @param storage - The Cloud Storage fake, read to check a prebuilt image's model files as Vertex does. */
  constructor(readonly storage?: GcsFake) {}

  #now(): string {
    this.#clock += 1000;
    return new Date(this.#clock).toISOString();
  }

  #base(project: string): string {
    if (project !== PROJECT && project !== PROJECT_NUMBER) throw fail(403, "PERMISSION_DENIED", `Permission denied on project ${project}`);
    return `projects/${PROJECT_NUMBER}/locations/${LOCATION}`;
  }

  /** The msw handlers. */
  handlers(): HttpHandler[] {
    return [
      // google-cloud-aiplatform's REST transport polls operations under /ui/, not /v1/ (its operations client's
      // http_options list `/ui/{name=projects/*/locations/*/models/*/operations/*}` first, and the first that fits is
      // used): GET /ui/projects/.../operations/N. Only operation reads are served there.
      http.get(`${HOST}/ui/*`, async ({ request }) => {
        const path = decodeURIComponent(new URL(request.url).pathname.slice("/ui/".length));
        if (!/^projects\/[^/]+\/locations\/[^/]+\/(?:(?:models|endpoints)\/[^/]+\/)?operations\/[^/]+$/.test(path)) {
          return this.#error({ code: 404, status: "NOT_FOUND", message: `The requested URL /ui/${path} was not found on this server.` });
        }
        return this.#handle(request, "/ui/");
      }),
      http.all(`${HOST}/v1/*`, ({ request }) => this.#handle(request, "/v1/")),
    ];
  }

  /** One request under `prefix` (`/v1/`, or `/ui/` for operations), after the common checks. */
  async #handle(request: Request, prefix: string) {
    const url = new URL(request.url);
    this.requests.push(`${request.method} ${url.pathname}${url.search}`);
    const text = request.method === "GET" || request.method === "DELETE" ? "" : await request.text();
    let body: unknown;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        return this.#error({ code: 400, status: "INVALID_ARGUMENT", message: "Invalid JSON payload received. Unexpected token." });
      }
    }
    if (!/^Bearer \S+$/.test(request.headers.get("authorization") ?? "")) {
      return this.#error({ code: 401, status: "UNAUTHENTICATED", message: "Request is missing required authentication credential." });
    }
    try {
      const answer = await this.#route(request.method, decodeURIComponent(url.pathname.slice(prefix.length)), url.searchParams, body);
      // Asked for enums as numbers (google-cloud-aiplatform's REST transport always asks), the service answers so.
      if (!wantsIntEnums(url.searchParams) || !answer.headers.get("content-type")?.includes("json")) return answer;
      return HttpResponse.json(enumsAsNumbers(await answer.json()) as Json, { status: answer.status });
    } catch (error) {
      if (error instanceof ContractViolation) {
        this.violations.push(error.error);
        return this.#error(error.error);
      }
      if (error instanceof FakeError) return this.#error(error.error);
      throw error;
    }
  }

  #error(error: GoogleError) {
    return HttpResponse.json({ error }, { status: error.code });
  }

  async #route(method: string, path: string, query: URLSearchParams, body: unknown) {
    let m: RegExpMatchArray | null;
    const P = "projects/([^/]+)/locations/([^/]+)";
    const check = (id: string, params: Record<string, string>) => validateRequest(`aiplatform.projects.locations.${id}`, { pathParams: params, query, body });
    if ((m = path.match(new RegExp(`^${P}/models:upload$`))) && method === "POST") {
      check("models.upload", { parent: `projects/${m[1]}/locations/${m[2]}` });
      return this.#upload(m[1] as string, body as Json);
    }
    if ((m = path.match(new RegExp(`^${P}/models/([^/:@]+)(?:@([^/:]+))?/operations/([^/]+)$`))) && method === "GET") {
      check("models.operations.get", { name: path });
      return this.#operation(path);
    }
    if ((m = path.match(new RegExp(`^${P}/(?:endpoints/[^/]+/)?operations/([^/]+)$`))) && method === "GET") {
      check(path.includes("/endpoints/") ? "endpoints.operations.get" : "operations.get", { name: path });
      return this.#operation(path);
    }
    if ((m = path.match(new RegExp(`^${P}/models$`))) && method === "GET") {
      check("models.list", { parent: `projects/${m[1]}/locations/${m[2]}` });
      return this.#listModels(m[1] as string, query);
    }
    if ((m = path.match(new RegExp(`^${P}/models/([^/:@]+):listVersions$`))) && method === "GET") {
      check("models.listVersions", { name: `projects/${m[1]}/locations/${m[2]}/models/${m[3]}` });
      return this.#listVersions(m[1] as string, m[3] as string, query);
    }
    if ((m = path.match(new RegExp(`^${P}/models/([^/:@]+)@([^/:]+):mergeVersionAliases$`))) && method === "POST") {
      check("models.mergeVersionAliases", { name: `projects/${m[1]}/locations/${m[2]}/models/${m[3]}@${m[4]}` });
      return this.#mergeAliases(m[1] as string, m[3] as string, m[4] as string, body as Json);
    }
    if ((m = path.match(new RegExp(`^${P}/models/([^/:@]+)@([^/:]+):deleteVersion$`))) && method === "DELETE") {
      check("models.deleteVersion", { name: `projects/${m[1]}/locations/${m[2]}/models/${m[3]}@${m[4]}` });
      return this.#deleteVersion(m[1] as string, m[3] as string, m[4] as string);
    }
    if ((m = path.match(new RegExp(`^${P}/models/([^/:@]+)(?:@([^/:]+))?$`)))) {
      const name = `projects/${m[1]}/locations/${m[2]}/models/${m[3]}${m[4] ? `@${m[4]}` : ""}`;
      if (method === "GET") {
        check("models.get", { name });
        return HttpResponse.json(this.#view(m[1] as string, this.#model(m[3] as string), this.#version(this.#model(m[3] as string), m[4])));
      }
      if (method === "PATCH") {
        check("models.patch", { name });
        return this.#patchModel(m[1] as string, m[3] as string, m[4], query, body as Json);
      }
      if (method === "DELETE" && !m[4]) {
        check("models.delete", { name });
        return this.#deleteModel(m[1] as string, m[3] as string);
      }
    }
    if ((m = path.match(new RegExp(`^${P}/endpoints$`)))) {
      const parent = `projects/${m[1]}/locations/${m[2]}`;
      if (method === "POST") {
        check("endpoints.create", { parent });
        return this.#createEndpoint(m[1] as string, body as Json, query.get("endpointId"));
      }
      if (method === "GET") {
        check("endpoints.list", { parent });
        return this.#listEndpoints(m[1] as string, query);
      }
    }
    if ((m = path.match(new RegExp(`^${P}/endpoints/([^/:]+):(deployModel|undeployModel)$`))) && method === "POST") {
      check(`endpoints.${m[4]}`, { endpoint: `projects/${m[1]}/locations/${m[2]}/endpoints/${m[3]}` });
      return m[4] === "deployModel" ? this.#deploy(m[1] as string, m[3] as string, body as Json) : this.#undeploy(m[1] as string, m[3] as string, body as Json);
    }
    if ((m = path.match(new RegExp(`^${P}/endpoints/([^/:]+)$`)))) {
      const name = `projects/${m[1]}/locations/${m[2]}/endpoints/${m[3]}`;
      if (method === "GET") {
        check("endpoints.get", { name });
        return HttpResponse.json(this.#endpointView(m[1] as string, this.#endpoint(m[3] as string)));
      }
      if (method === "PATCH") {
        check("endpoints.patch", { name });
        return this.#patchEndpoint(m[1] as string, m[3] as string, query, body as Json);
      }
    }
    throw fail(404, "NOT_FOUND", `The requested URL /v1/${path} was not found on this server.`);
  }

  #model(id: string): ModelState {
    const model = this.models.get(id);
    if (!model) throw fail(404, "NOT_FOUND", `Model projects/${PROJECT_NUMBER}/locations/${LOCATION}/models/${id} not found.`);
    return model;
  }

  #version(model: ModelState, ref: string | undefined): VersionState {
    const wanted = ref ?? "default";
    const found = /^\d+$/.test(wanted) ? model.versions.get(wanted) : [...model.versions.values()].find((v) => v.versionAliases.includes(wanted));
    if (!found) throw fail(404, "NOT_FOUND", `Model version ${model.id}@${wanted} not found.`);
    return found;
  }

  #view(project: string, model: ModelState, version: VersionState, withVersionInName = false): Json {
    const base = this.#base(project);
    const { versionId, versionAliases, labels, ...rest } = version;
    const deployed = [...this.endpoints.values()].flatMap((e) =>
      e.deployedModels
        .filter((d) => d.model.endsWith(`/models/${model.id}`) && d.modelVersionId === versionId)
        .map((d) => ({ endpoint: `${base}/endpoints/${e.id}`, deployedModelId: d.id })),
    );
    return {
      ...rest,
      name: `${base}/models/${model.id}${withVersionInName ? `@${versionId}` : ""}`,
      displayName: model.displayName,
      ...(model.description !== undefined && { description: model.description }),
      versionId,
      ...(versionAliases.length > 0 && { versionAliases }),
      ...(Object.keys({ ...model.labels, ...labels }).length > 0 && { labels: { ...model.labels, ...labels } }),
      createTime: model.createTime,
      // Output only: how the version can be deployed. A model with a custom container takes dedicated resources;
      // without this field google-cloud-aiplatform's Model.deploy() leaves out the machine spec (vertex.md, last
      // section), which Vertex then refuses.
      supportedDeploymentResourcesTypes: ["DEDICATED_RESOURCES"],
      ...(deployed.length > 0 && { deployedModels: deployed }),
    };
  }

  #startOperation(project: string, resource: string, metadataType: string, finish: OperationState["finish"]) {
    const name = `${this.#base(project)}/${resource}/operations/${this.#ids++}`;
    const op: OperationState = {
      name,
      pollsLeft: this.operationPolls,
      metadata: { "@type": metadataType, genericMetadata: { createTime: this.#now() } },
      finish,
    };
    this.operations.set(name, op);
    return HttpResponse.json({ name, metadata: op.metadata });
  }

  #operation(path: string) {
    const op = this.operations.get(path.replace(/^projects\/[^/]+/, `projects/${PROJECT_NUMBER}`));
    if (!op) throw fail(404, "NOT_FOUND", `Operation ${path} not found.`);
    if (op.pollsLeft > 0) {
      op.pollsLeft--;
      return HttpResponse.json({ name: op.name, metadata: op.metadata });
    }
    op.result ??= op.finish();
    return HttpResponse.json({ name: op.name, metadata: op.metadata, done: true, ...op.result });
  }

  #upload(project: string, body: Json) {
    this.uploads.push(body);
    const input = body.model as Json;
    const aliases = (input.versionAliases as string[] | undefined) ?? [];
    for (const alias of aliases) if (!ALIAS.test(alias)) throw fail(400, "INVALID_ARGUMENT", `Invalid version alias ${alias}.`);
    if (new Set(aliases).size !== aliases.length) throw fail(400, "INVALID_ARGUMENT", "Duplicate version aliases.");
    const containerSpec = input.containerSpec as Json | undefined;
    if (!containerSpec?.imageUri) throw fail(400, "INVALID_ARGUMENT", "Model.container_spec.image_uri is required for custom models.");
    this.#checkPrebuiltFiles(String(containerSpec.imageUri), input.artifactUri as string | undefined);
    let model: ModelState;
    if (body.parentModel) {
      const m = /^projects\/[^/]+\/locations\/[^/]+\/models\/([^/@]+)$/.exec(body.parentModel as string);
      if (!m) throw fail(400, "INVALID_ARGUMENT", `Invalid parent model ${String(body.parentModel)}.`);
      model = this.#model(m[1] as string);
    } else {
      const id = (body.modelId as string | undefined) ?? String(this.#ids++);
      if (body.modelId !== undefined && !/^[a-z_][a-z0-9_-]{0,62}$/.test(id)) throw fail(400, "INVALID_ARGUMENT", `Invalid model id ${id}.`);
      if (this.models.has(id)) throw fail(409, "ALREADY_EXISTS", `Model ${id} already exists.`);
      model = { id, displayName: input.displayName as string, labels: {}, createTime: this.#now(), nextVersion: 1, versions: new Map() };
      if (input.description !== undefined) model.description = input.description as string;
    }
    const fault = this.uploadFaults.shift();
    if (fault?.at === "request") throw new FakeError(fault.error);
    if (fault?.at === "operation") {
      const error = fault.error;
      return this.#startOperation(project, `models/${model.id}`, "type.googleapis.com/google.cloud.aiplatform.v1.UploadModelOperationMetadata", () => ({
        error,
      }));
    }
    const versionId = String(model.nextVersion++);
    const now = this.#now();
    const { versionAliases: _a, labels, displayName: _d, description: _desc, ...rest } = input;
    checkLabels((labels as Record<string, string> | undefined) ?? {});
    const version: VersionState = {
      ...rest,
      versionId,
      versionAliases: [],
      labels: { ...((labels as Record<string, string>) ?? {}) },
      versionCreateTime: now,
      versionUpdateTime: now,
      updateTime: now,
    };
    const wanted = model.versions.size === 0 && !aliases.includes("default") ? ["default", ...aliases] : aliases;
    const isNew = !this.models.has(model.id);
    // The version exists only when the operation finishes, like the service.
    return this.#startOperation(project, `models/${model.id}`, "type.googleapis.com/google.cloud.aiplatform.v1.UploadModelOperationMetadata", () => {
      if (isNew) this.models.set(model.id, model);
      model.versions.set(versionId, version);
      this.#moveAliases(model, version, wanted);
      return {
        response: {
          "@type": "type.googleapis.com/google.cloud.aiplatform.v1.UploadModelResponse",
          model: `${this.#base(project)}/models/${model.id}`,
          modelVersionId: versionId,
        },
      };
    });
  }

  /** A prebuilt image loads its framework's model file from the top of artifactUri: exactly one must be there. */
  #checkPrebuiltFiles(imageUri: string, artifactUri: string | undefined) {
    const image = PREBUILT_IMAGE.exec(imageUri)?.[1];
    if (image === undefined) return;
    const names = (PREBUILT_FILES.find(([pattern]) => pattern.test(image)) as [RegExp, string[]])[1];
    const at = artifactUri === undefined ? undefined : /^gs:\/\/([^/]+)\/(.*?)\/?$/.exec(artifactUri);
    if (!at) throw fail(400, "INVALID_ARGUMENT", `Model.artifact_uri is required for the prebuilt container ${imageUri}.`);
    if (!this.storage) throw new Error("VertexFake needs the GcsFake to check the files of a prebuilt container");
    const folder = `${at[1]}/${at[2]}/`;
    const top = [...this.storage.objects.keys()].filter((k) => k.startsWith(folder)).map((k) => k.slice(folder.length));
    const found = names.filter((name) => top.includes(name));
    if (found.length !== 1) {
      throw fail(
        400,
        "INVALID_ARGUMENT",
        `The model directory ${artifactUri} is expected to contain exactly one of: [${names.join(", ")}]. Found ${found.length}.`,
      );
    }
  }

  #moveAliases(model: ModelState, version: VersionState, aliases: string[]) {
    for (const alias of aliases) {
      for (const other of model.versions.values()) other.versionAliases = other.versionAliases.filter((a) => a !== alias);
      version.versionAliases.push(alias);
    }
  }

  #listModels(project: string, query: URLSearchParams) {
    const filter = query.get("filter") ?? "";
    const matches = (model: ModelState) => {
      for (const clause of filter.split(/\s+AND\s+/i).filter(Boolean)) {
        const m = /^(display_name|displayName|labels\.([\w-]+))\s*=\s*"?([^"]*)"?$/.exec(clause.trim());
        if (!m) throw fail(400, "INVALID_ARGUMENT", `Unsupported filter ${clause}.`);
        const labels = { ...model.labels, ...this.#version(model, undefined).labels };
        if (m[2] ? labels[m[2]] !== m[3] : model.displayName !== m[3]) return false;
      }
      return true;
    };
    const all = [...this.models.values()].filter(matches).map((m) => this.#view(project, m, this.#version(m, undefined)));
    return HttpResponse.json(this.#page("models", all, query));
  }

  #listVersions(project: string, id: string, query: URLSearchParams) {
    const model = this.#model(id);
    const order = query.get("orderBy") ?? "";
    if (order && !/^(create_time|update_time)( desc)?$/.test(order)) throw fail(400, "INVALID_ARGUMENT", `Unsupported order_by ${order}.`);
    const versions = [...model.versions.values()].sort((a, b) => Number(a.versionId) - Number(b.versionId));
    if (order.endsWith(" desc")) versions.reverse();
    const all = versions.map((v) => this.#view(project, model, v, true));
    return HttpResponse.json(this.#page("models", all, query));
  }

  #page(key: string, all: Json[], query: URLSearchParams): Json {
    const size = Math.min(Number(query.get("pageSize") ?? 100) || 100, 100);
    const token = query.get("pageToken");
    const start = token ? Number(Buffer.from(token, "base64url").toString()) : 0;
    if (token && !Number.isInteger(start)) throw fail(400, "INVALID_ARGUMENT", "Invalid page token.");
    const items = all.slice(start, start + size);
    return {
      ...(items.length > 0 && { [key]: items }),
      ...(start + size < all.length && { nextPageToken: Buffer.from(String(start + size)).toString("base64url") }),
    };
  }

  #mergeAliases(project: string, id: string, ref: string, body: Json) {
    const model = this.#model(id);
    if (!/^\d+$/.test(ref)) throw fail(400, "INVALID_ARGUMENT", "The name must include an explicit version id.");
    const version = this.#version(model, ref);
    const changes = body.versionAliases as string[];
    for (const change of changes) {
      const alias = change.startsWith("-") ? change.slice(1) : change;
      if (!ALIAS.test(alias)) throw fail(400, "INVALID_ARGUMENT", `Invalid version alias ${alias}.`);
    }
    if (changes.includes("-default")) throw fail(400, "FAILED_PRECONDITION", "The default alias cannot be removed; set it on another version instead.");
    for (const change of changes.filter((c) => c.startsWith("-"))) version.versionAliases = version.versionAliases.filter((a) => a !== change.slice(1));
    this.#moveAliases(
      model,
      version,
      changes.filter((c) => !c.startsWith("-") && !version.versionAliases.includes(c)),
    );
    version.versionUpdateTime = this.#now();
    return HttpResponse.json(this.#view(project, model, version, true));
  }

  #patchModel(project: string, id: string, ref: string | undefined, query: URLSearchParams, body: Json) {
    const model = this.#model(id);
    const mask = (query.get("updateMask") ?? "").split(",").filter(Boolean);
    if (mask.length === 0) throw fail(400, "INVALID_ARGUMENT", "update_mask is required.");
    const versionLevel = ref !== undefined && ref !== "-";
    for (const path of mask) {
      const allowed = versionLevel ? ["versionDescription", "labels"] : ["displayName", "description", "labels"];
      if (!allowed.includes(path)) throw fail(400, "FAILED_PRECONDITION", `Updating ${path} is not allowed on a ${versionLevel ? "version" : "model"} name.`);
    }
    const version = versionLevel ? this.#version(model, ref) : undefined;
    for (const path of mask) {
      const value = body[path];
      if (path === "labels") {
        const labels = (value as Record<string, string> | undefined) ?? {};
        checkLabels(labels);
        if (version) version.labels = { ...labels };
        else model.labels = { ...labels };
      } else if (path === "versionDescription" && version) {
        version.versionDescription = value;
      } else if (path === "description") {
        model.description = value as string;
      } else if (path === "displayName") {
        model.displayName = value as string;
      }
    }
    return HttpResponse.json(this.#view(project, model, version ?? this.#version(model, undefined), versionLevel));
  }

  #deleteModel(project: string, id: string) {
    const model = this.#model(id);
    if ([...this.endpoints.values()].some((e) => e.deployedModels.some((d) => d.model.endsWith(`/models/${id}`)))) {
      throw fail(400, "FAILED_PRECONDITION", `Model ${id} is deployed to an endpoint; undeploy it first.`);
    }
    return this.#startOperation(project, `models/${model.id}`, "type.googleapis.com/google.cloud.aiplatform.v1.DeleteOperationMetadata", () => {
      this.models.delete(id);
      return { response: { "@type": "type.googleapis.com/google.protobuf.Empty" } };
    });
  }

  #deleteVersion(project: string, id: string, ref: string) {
    const model = this.#model(id);
    const version = this.#version(model, ref);
    if (model.versions.size === 1) throw fail(400, "FAILED_PRECONDITION", "Cannot delete the only version of a model; delete the model instead.");
    if ([...this.endpoints.values()].some((e) => e.deployedModels.some((d) => d.model.endsWith(`/models/${id}`) && d.modelVersionId === version.versionId))) {
      throw fail(400, "FAILED_PRECONDITION", "The version is deployed; undeploy it first.");
    }
    return this.#startOperation(project, `models/${model.id}`, "type.googleapis.com/google.cloud.aiplatform.v1.DeleteOperationMetadata", () => {
      model.versions.delete(version.versionId);
      // Deleting the default version is allowed: `default` moves to the most recent remaining version (Google's
      // model-alias documentation; vertex.md, "Corrections and emphasis").
      if (version.versionAliases.includes("default")) {
        const newest = [...model.versions.values()].reduce((a, b) =>
          String(b.versionCreateTime) > String(a.versionCreateTime) ||
          (b.versionCreateTime === a.versionCreateTime && Number(b.versionId) > Number(a.versionId))
            ? b
            : a,
        );
        this.#moveAliases(model, newest, ["default"]);
      }
      return { response: { "@type": "type.googleapis.com/google.protobuf.Empty" } };
    });
  }

  #endpoint(id: string): EndpointState {
    const endpoint = this.endpoints.get(id);
    if (!endpoint) throw fail(404, "NOT_FOUND", `Endpoint ${id} not found.`);
    return endpoint;
  }

  #endpointView(project: string, e: EndpointState): Json {
    return {
      name: `${this.#base(project)}/endpoints/${e.id}`,
      displayName: e.displayName,
      ...(Object.keys(e.labels).length > 0 && { labels: e.labels }),
      ...(e.deployedModels.length > 0 && { deployedModels: e.deployedModels }),
      ...(Object.keys(e.trafficSplit).length > 0 && { trafficSplit: e.trafficSplit }),
      createTime: e.createTime,
    };
  }

  /**
   * endpoints.create. `endpointId` (discovery: "If the first character is a letter, this value may be up to 63
   * characters, and valid characters are `[a-z0-9-]`. The last character must be a letter or number. If the first
   * character is a number, this value may be up to 9 characters, and valid characters are `[0-9]` with no leading
   * zeros.") names the endpoint; without it Vertex makes a numeric id. An id in use, or one being created, is taken.
   */
  #createEndpoint(project: string, body: Json, endpointId: string | null) {
    if (endpointId !== null && !/^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$|^[1-9]\d{0,8}$/.test(endpointId))
      throw fail(400, "INVALID_ARGUMENT", `Invalid endpoint id ${JSON.stringify(endpointId)}.`);
    if (endpointId !== null && (this.endpoints.has(endpointId) || this.#creatingEndpoints.has(endpointId)))
      throw fail(409, "ALREADY_EXISTS", `Endpoint ${this.#base(project)}/endpoints/${endpointId} already exists.`);
    let id = endpointId ?? String(this.#ids++);
    while (endpointId === null && (this.endpoints.has(id) || this.#creatingEndpoints.has(id))) id = String(this.#ids++);
    this.#creatingEndpoints.add(id);
    const endpoint: EndpointState = {
      id,
      displayName: body.displayName as string,
      labels: (body.labels as Record<string, string>) ?? {},
      deployedModels: [],
      trafficSplit: {},
      createTime: this.#now(),
    };
    return this.#startOperation(project, `endpoints/${id}`, "type.googleapis.com/google.cloud.aiplatform.v1.CreateEndpointOperationMetadata", () => {
      this.#creatingEndpoints.delete(id);
      this.endpoints.set(id, endpoint);
      return { response: { "@type": "type.googleapis.com/google.cloud.aiplatform.v1.Endpoint", ...this.#endpointView(project, endpoint) } };
    });
  }

  #listEndpoints(project: string, query: URLSearchParams) {
    return HttpResponse.json(
      this.#page(
        "endpoints",
        [...this.endpoints.values()].map((e) => this.#endpointView(project, e)),
        query,
      ),
    );
  }

  #checkSplit(split: Record<string, number>, ids: string[]) {
    const total = Object.values(split).reduce((n, v) => n + v, 0);
    if (Object.keys(split).length > 0 && total !== 100) throw fail(400, "INVALID_ARGUMENT", `The traffic split must add up to 100, got ${total}.`);
    for (const [id, v] of Object.entries(split)) {
      if (!ids.includes(id)) throw fail(400, "INVALID_ARGUMENT", `The traffic split names ${id}, which is not deployed.`);
      if (!Number.isInteger(v) || v < 0 || v > 100) throw fail(400, "INVALID_ARGUMENT", `Invalid traffic percentage ${v}.`);
    }
  }

  #deploy(project: string, endpointId: string, body: Json) {
    const endpoint = this.#endpoint(endpointId);
    const dm = body.deployedModel as Json;
    const m = /^projects\/[^/]+\/locations\/[^/]+\/models\/([^/@]+)(?:@(\S+))?$/.exec(dm.model as string);
    if (!m) throw fail(400, "INVALID_ARGUMENT", `Invalid model name ${String(dm.model)}.`);
    const model = this.#model(m[1] as string);
    const version = this.#version(model, m[2]);
    if (!dm.dedicatedResources && !dm.automaticResources)
      throw fail(400, "INVALID_ARGUMENT", "Model does not support automatic resources; dedicated_resources is required.");
    const id = String(this.#ids++);
    const split = (body.trafficSplit as Record<string, number> | undefined) ?? {};
    const resolved = Object.fromEntries(Object.entries(split).map(([k, v]) => [k === "0" ? id : k, v]));
    this.#checkSplit(resolved, [...endpoint.deployedModels.map((d) => d.id), id]);
    return this.#startOperation(project, `endpoints/${endpointId}`, "type.googleapis.com/google.cloud.aiplatform.v1.DeployModelOperationMetadata", () => {
      const deployed: DeployedModelState = {
        id,
        model: `${this.#base(project)}/models/${model.id}`,
        modelVersionId: version.versionId,
        dedicatedResources: dm.dedicatedResources,
      };
      endpoint.deployedModels.push(deployed);
      endpoint.trafficSplit = Object.keys(resolved).length > 0 ? resolved : endpoint.deployedModels.length === 1 ? { [id]: 100 } : endpoint.trafficSplit;
      return { response: { "@type": "type.googleapis.com/google.cloud.aiplatform.v1.DeployModelResponse", deployedModel: deployed } };
    });
  }

  #undeploy(project: string, endpointId: string, body: Json) {
    const endpoint = this.#endpoint(endpointId);
    const id = body.deployedModelId as string;
    if (!endpoint.deployedModels.some((d) => d.id === id)) throw fail(404, "NOT_FOUND", `Deployed model ${id} not found.`);
    // UndeployModelRequest.trafficSplit (discovery): when given it overwrites the endpoint's split, and a model is
    // undeployed only if it has no traffic or the new split takes its traffic away; the model leaving may be listed at
    // 0. Whatever split results must sum to 100 while models remain (Endpoint.trafficSplit).
    const given = (body.trafficSplit as Record<string, number> | undefined) ?? {};
    const remaining = endpoint.deployedModels.filter((d) => d.id !== id).map((d) => d.id);
    if ((given[id] ?? 0) !== 0) throw fail(400, "FAILED_PRECONDITION", `The new traffic_split still gives traffic to deployed model ${id}.`);
    if (Object.keys(given).length === 0 && (endpoint.trafficSplit[id] ?? 0) > 0 && remaining.length > 0) {
      throw fail(400, "FAILED_PRECONDITION", `Deployed model ${id} still receives traffic; give a new traffic_split.`);
    }
    const split = Object.fromEntries(Object.entries(given).filter(([k]) => k !== id));
    this.#checkSplit(split, remaining);
    return this.#startOperation(project, `endpoints/${endpointId}`, "type.googleapis.com/google.cloud.aiplatform.v1.UndeployModelOperationMetadata", () => {
      endpoint.deployedModels = endpoint.deployedModels.filter((d) => d.id !== id);
      endpoint.trafficSplit =
        remaining.length === 0
          ? {}
          : Object.keys(split).length > 0
            ? split
            : Object.fromEntries(Object.entries(endpoint.trafficSplit).filter(([k]) => k !== id));
      return { response: { "@type": "type.googleapis.com/google.cloud.aiplatform.v1.UndeployModelResponse" } };
    });
  }

  #patchEndpoint(project: string, id: string, query: URLSearchParams, body: Json) {
    const endpoint = this.#endpoint(id);
    const mask = (query.get("updateMask") ?? "").split(",").filter(Boolean);
    if (mask.length === 0) throw fail(400, "INVALID_ARGUMENT", "update_mask is required.");
    for (const path of mask) {
      if (path === "trafficSplit") {
        const split = (body.trafficSplit as Record<string, number> | undefined) ?? {};
        this.#checkSplit(
          split,
          endpoint.deployedModels.map((d) => d.id),
        );
        endpoint.trafficSplit = { ...split };
      } else if (path === "displayName") endpoint.displayName = body.displayName as string;
      else if (path === "labels") endpoint.labels = (body.labels as Record<string, string>) ?? {};
      else throw fail(400, "INVALID_ARGUMENT", `Unsupported update mask path ${path}.`);
    }
    return HttpResponse.json(this.#endpointView(project, endpoint));
  }
}
