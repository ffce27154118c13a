import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { AuthenticationError, ConflictError, InvalidInputError, NotFoundError, TimeoutError, AbortedError } from "modelreg";
import { validateRequest, ContractViolation } from "./support/contract-validator.js";
import { GCS } from "./support/gcs-fake.js";
import { BUCKET, useVertexFakes } from "./support/setup.js";
import { HOST, LOCATION, PROJECT, PROJECT_NUMBER } from "./support/vertex-fake.js";

const fakes = useVertexFakes();
const files = (content = "weights") => ({
  entries: [
    { path: "model.pkl", content },
    { path: "sub/config.json", content: "{}" },
  ],
});

describe("the fake Vertex service", () => {
  it("rejects a malformed request the way Google does: unknown field, wrong type, missing required field", async () => {
    const bad = [
      { model: { displayName: "m", containerSpec: { imageUri: "x" }, colour: "red" } },
      { model: { displayName: "m", containerSpec: { imageUri: "x" }, labels: { a: 1 } } },
      { model: { containerSpec: { imageUri: "x" } } },
    ];
    const answers = [];
    for (const body of bad) {
      const res = await fetch(`${HOST}/v1/projects/${PROJECT}/locations/${LOCATION}/models:upload`, {
        method: "POST",
        headers: { authorization: "Bearer t", "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      answers.push({ status: res.status, body: (await res.json()) as { error: { status: string; message: string } } });
    }
    expect(answers.map((a) => [a.status, a.body.error.status])).toEqual([
      [400, "INVALID_ARGUMENT"],
      [400, "INVALID_ARGUMENT"],
      [400, "INVALID_ARGUMENT"],
    ]);
    expect(answers[0]?.body.error.message).toMatch(/Unknown name "colour" at 'model'/);
    expect(answers[1]?.body.error.message).toMatch(/model\.labels\[a\]/);
    expect(answers[2]?.body.error.message).toMatch(/model\.displayName is required/);
    expect(() =>
      validateRequest("aiplatform.projects.locations.models.list", {
        pathParams: { parent: `projects/${PROJECT}/locations/${LOCATION}` },
        query: new URLSearchParams("pageSize=ten"),
        body: undefined,
      }),
    ).toThrow(ContractViolation);
    expect(fakes.vertex.violations.length).toBeGreaterThanOrEqual(3);
  });
});

describe("createVertexRegistry", () => {
  it("refuses bad settings before any request", () => {
    expect(() => fakes.registry({ location: "global" })).toThrow(InvalidInputError);
    expect(() => fakes.registry({ artifactRoot: "s3://x" })).toThrow(InvalidInputError);
    expect(() => fakes.registry({ project: "Bad Project" })).toThrow(InvalidInputError);
  });

  it("asks getAccessToken for every request and sends the quota project", async () => {
    const seen: Array<[string | null, string | null]> = [];
    fakes.server.events.on("request:start", ({ request }) => {
      if (request.url.startsWith(HOST)) seen.push([request.headers.get("authorization"), request.headers.get("x-goog-user-project")]);
    });
    let n = 0;
    const registry = fakes.registry({ accessToken: undefined, getAccessToken: () => `token-${++n}`, quotaProject: "billing-project" });
    await registry.createVersion("auth-check", { artifacts: files() });
    fakes.server.events.removeAllListeners();
    expect(new Set(seen.map(([a]) => a)).size).toBeGreaterThan(1);
    expect(seen.every(([a, q]) => /^Bearer token-\d+$/.test(a ?? "") && q === "billing-project")).toBe(true);
  });

  it("explains what to do when no credentials are available", async () => {
    const registry = fakes.registry({ accessToken: undefined });
    await expect(registry.getModel("x")).rejects.toThrow(AuthenticationError);
    await expect(registry.getModel("x")).rejects.toThrow(/google-auth-library/);
  });
});

describe("Vertex versions", () => {
  it("uploads to gs://bucket/prefix/<model>/<token>/<attempt>/, names come back with the project number, metadata is kept beside", async () => {
    const registry = fakes.registry();
    const v1 = await registry.createVersion("fraud", {
      artifacts: files("one"),
      metrics: { auc: 0.9 },
      tags: { team: "risk", "Not A Label": "x" },
      lineage: { codeCommit: "abc" },
    });
    const v2 = await registry.createVersion("fraud", { artifacts: files("two"), description: "retrained" });
    expect([v1.version, v2.version]).toEqual(["1", "2"]);
    const token = (v: typeof v1) => (v.raw as { labels: Record<string, string> }).labels["modelreg-token"];
    expect(v1.artifacts.uri).toMatch(new RegExp(`^gs://${BUCKET}/models/fraud/${token(v1)}/[0-9a-f]{16}/$`));
    expect(v2.artifacts.uri).toMatch(new RegExp(`^gs://${BUCKET}/models/fraud/${token(v2)}/[0-9a-f]{16}/$`));
    expect((v1.raw as { name: string }).name).toBe(`projects/${PROJECT_NUMBER}/locations/${LOCATION}/models/fraud`);
    const dir1 = String(v1.artifacts.uri).slice("gs://".length);
    expect([...fakes.gcs.objects.keys()].filter((k) => k.startsWith(dir1))).toEqual([`${dir1}model.pkl`, `${dir1}sub/config.json`]);
    // A tag that is not a valid label still round-trips, through the metadata file.
    expect((await registry.getVersion("fraud/1")).tags).toEqual({ team: "risk", "Not A Label": "x" });
    const labels = (v1.raw as { labels: Record<string, string> }).labels;
    expect(labels.team).toBe("risk");
    expect(Object.keys(labels)).not.toContain("Not A Label");
    expect((await registry.getVersion("fraud/2")).description).toBe("retrained");
  });

  it("gives the first version the default alias, as Vertex does, and keeps it out of the user's aliases", async () => {
    const registry = fakes.registry();
    const v = await registry.createVersion("defaults", { artifacts: files(), aliases: ["champion"] });
    expect((v.raw as { versionAliases: string[] }).versionAliases.sort()).toEqual(["champion", "default"]);
    expect(v.aliases).toEqual(["champion"]);
    expect(await registry.resolveAlias("defaults", "default")).toBe("1");
    await expect(registry.setAlias("defaults", "default", "1")).rejects.toThrow(InvalidInputError);
    await expect(registry.setAlias("defaults", "Champion", "1")).rejects.toThrow(InvalidInputError);
  });

  it("maps stages onto managed aliases so models/<id>@production serves the production version", async () => {
    const registry = fakes.registry();
    await registry.createVersion("staged", { artifacts: files("1") });
    await registry.createVersion("staged", { artifacts: files("2") });
    await registry.transitionStage("staged/1", "production");
    await registry.transitionStage("staged/2", "production", { archiveExisting: true });
    const res = await fetch(`${HOST}/v1/projects/${PROJECT}/locations/${LOCATION}/models/staged@production`, { headers: { authorization: "Bearer t" } });
    expect(((await res.json()) as { versionId: string }).versionId).toBe("2");
    expect((await registry.getVersion("staged/1")).stage).toBe("archived");
    await registry.transitionStage("staged/2", "archived");
    const gone = await fetch(`${HOST}/v1/projects/${PROJECT}/locations/${LOCATION}/models/staged@production`, { headers: { authorization: "Bearer t" } });
    expect(gone.status).toBe(404);
  });

  it("deletes the default version as Vertex does: default moves to the most recent remaining version; the only version takes the model", async () => {
    const registry = fakes.registry();
    const made = [];
    for (const n of ["1", "2", "3"]) made.push(await registry.createVersion("move-default", { artifacts: files(n) }));
    const dirs = made.map((v) => String(v.artifacts.uri).slice("gs://".length));
    const under = (dir: string) => [...fakes.gcs.objects.keys()].filter((k) => k.startsWith(dir));
    expect(await registry.resolveAlias("move-default", "default")).toBe("1");
    await registry.deleteVersion("move-default/1");
    expect(await registry.resolveAlias("move-default", "default")).toBe("3");
    expect(under(dirs[0] as string)).toEqual([]);
    await registry.deleteVersion("move-default/3");
    expect(await registry.resolveAlias("move-default", "default")).toBe("2");
    expect((await registry.listVersions("move-default").toArray()).map((v) => v.version)).toEqual(["2"]);
    expect(under(dirs[1] as string)).toHaveLength(2);
    // The only version: Vertex's deleteVersion refuses it, so the model goes with models.delete.
    const seen = fakes.vertex.requests.length;
    await registry.deleteVersion("move-default/2");
    expect(fakes.vertex.requests.slice(seen).filter((r) => r.startsWith("DELETE"))).toEqual([
      `DELETE /v1/projects/${PROJECT}/locations/${LOCATION}/models/move-default`,
    ]);
    expect(fakes.vertex.models.has("move-default")).toBe(false);
    await expect(registry.getModel("move-default")).rejects.toThrow(NotFoundError);
    expect(under(`${BUCKET}/models/move-default/`)).toEqual([]);
  });

  it("deletes only the files modelreg stored for a version: versions made by another tool keep theirs", async () => {
    const registry = fakes.registry();
    const mine = await registry.createVersion("mixed", { artifacts: files("mine") });
    const put = (bucket: string, name: string) =>
      fakes.gcs.objects.set(fakes.gcs.key(bucket, name), { bytes: new TextEncoder().encode(name), contentType: "application/octet-stream", generation: "1" });
    // Another tool's files: in another bucket (and, by chance, the same path in the registry's bucket), in a prefix of
    // the registry's bucket shared with other models, and in a numbered folder under the model's own folder.
    const foreign = [
      ["other-bucket", "team/x/model.pkl"],
      [BUCKET, "team/x/model.pkl"],
      [BUCKET, "models/shared/model.pkl"],
      [BUCKET, "models/shared/other-model/model.pkl"],
      [BUCKET, "models/mixed/7/model.pkl"],
    ] as const;
    for (const [bucket, name] of foreign) put(bucket, name);
    const uploadElsewhere = async (artifactUri: string, labels: Record<string, string> = {}) => {
      const auth = { authorization: "Bearer other-tool", "content-type": "application/json" };
      const res = await fetch(`${HOST}/v1/projects/${PROJECT}/locations/${LOCATION}/models:upload`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({
          parentModel: `projects/${PROJECT}/locations/${LOCATION}/models/mixed`,
          model: { displayName: "mixed", artifactUri, labels, containerSpec: { imageUri: "us-docker.pkg.dev/vertex-ai/prediction/sklearn-cpu.1-3:latest" } },
        }),
      });
      let op = (await res.json()) as { name: string; done?: boolean; response?: { modelVersionId: string } };
      while (!op.done) op = (await (await fetch(`${HOST}/v1/${op.name}`, { headers: auth })).json()) as typeof op;
      return String(op.response?.modelVersionId);
    };
    const otherBucket = await uploadElsewhere("gs://other-bucket/team/x/");
    const sharedPrefix = await uploadElsewhere(`gs://${BUCKET}/models/shared/`);
    // Even a copied modelreg label does not make a folder modelreg's: the folder must be the one it makes for the token.
    const numbered = await uploadElsewhere(`gs://${BUCKET}/models/mixed/7/`, { modelreg: "true", "modelreg-token": "kforeign" });
    const another = await registry.createVersion("mixed", { artifacts: files("mine too") });
    expect([otherBucket, sharedPrefix, numbered, another.version]).toEqual(["2", "3", "4", "5"]);

    for (const v of [otherBucket, sharedPrefix, numbered]) await registry.deleteVersion(`mixed/${v}`);
    for (const [bucket, name] of foreign) expect(fakes.gcs.objects.has(fakes.gcs.key(bucket, name)), `${bucket}/${name}`).toBe(true);
    const mineDir = String(mine.artifacts.uri).slice("gs://".length);
    const anotherDir = String(another.artifacts.uri).slice("gs://".length);
    const under = (dir: string) => [...fakes.gcs.objects.keys()].filter((k) => k.startsWith(dir));
    expect(under(mineDir)).toHaveLength(2);

    await registry.deleteVersion(`mixed/${another.version}`);
    expect(under(anotherDir)).toEqual([]);
    expect(under(mineDir)).toHaveLength(2);
    for (const [bucket, name] of foreign) expect(fakes.gcs.objects.has(fakes.gcs.key(bucket, name)), `${bucket}/${name}`).toBe(true);
  });

  it("removes the files it stored when models.upload is refused or its operation fails, and a retry never reuses that folder", async () => {
    const registry = fakes.registry();
    await registry.createVersion("refused", { artifacts: files("1") });
    const before = [...fakes.gcs.objects.keys()].sort();
    const artifactDirOf = (body: Record<string, unknown> | undefined) => String((body?.model as { artifactUri: string }).artifactUri).slice("gs://".length);
    // Refused at once (HTTP 400), after every file was stored.
    fakes.vertex.uploadFaults.push({ at: "request", error: { code: 400, status: "INVALID_ARGUMENT", message: "Invalid model.artifact_uri." } });
    await expect(registry.createVersion("refused", { artifacts: files("2") })).rejects.toThrow(InvalidInputError);
    const refusedDir = artifactDirOf(fakes.vertex.uploads.at(-1));
    expect(refusedDir).toMatch(new RegExp(`^${BUCKET}/models/refused/`));
    // Accepted, then the operation ends in an error (gRPC 9, FAILED_PRECONDITION).
    fakes.vertex.uploadFaults.push({ at: "operation", error: { code: 9, message: "Cannot read the artifacts." } });
    await expect(registry.createVersion("refused", { artifacts: files("3") })).rejects.toThrow(ConflictError);
    const failedDir = artifactDirOf(fakes.vertex.uploads.at(-1));
    expect([...fakes.gcs.objects.keys()].sort()).toEqual(before);
    expect([...fakes.gcs.objects.keys()].filter((k) => k.startsWith(refusedDir) || k.startsWith(failedDir))).toEqual([]);
    expect((await registry.listVersions("refused").toArray()).map((v) => v.version)).toEqual(["1"]);

    // A retry of the same call (same idempotency key) after a failure whose cleanup was lost writes a folder of its
    // own: the leftovers of the first attempt (extra.bin) never become part of the version.
    fakes.server.use(http.delete(`${GCS}/storage/v1/b/:bucket/o/:name`, () => HttpResponse.json({ error: { code: 403, message: "no" } }, { status: 403 })));
    fakes.vertex.uploadFaults.push({ at: "operation", error: { code: 9, message: "Cannot read the artifacts." } });
    const twoFiles = {
      entries: [
        { path: "model.pkl", content: "w" },
        { path: "extra.bin", content: "x" },
      ],
    };
    await expect(registry.createVersion("refused", { artifacts: twoFiles, idempotencyKey: "k-1" })).rejects.toThrow(ConflictError);
    const leftDir = artifactDirOf(fakes.vertex.uploads.at(-1));
    expect(fakes.gcs.objects.has(`${leftDir}extra.bin`)).toBe(true);
    fakes.server.resetHandlers();
    const v = await registry.createVersion("refused", { artifacts: { entries: [{ path: "model.pkl", content: "w" }] }, idempotencyKey: "k-1" });
    const dir = String(v.artifacts.uri).slice("gs://".length);
    expect(dir).not.toBe(leftDir);
    expect([...fakes.gcs.objects.keys()].filter((k) => k.startsWith(dir))).toEqual([`${dir}model.pkl`]);
    expect((await registry.listArtifacts(`refused/${v.version}`)).map((f) => f.path)).toEqual(["model.pkl"]);
  });

  it("polls long-running operations with backoff, and stops at the deadline or the signal", async () => {
    fakes.vertex.operationPolls = 3;
    try {
      const v = await fakes.registry().createVersion("slow", { artifacts: files() });
      expect(v.version).toBe("1");
      const polls = fakes.vertex.requests.filter((r) => r.startsWith("GET") && r.includes("/models/slow/operations/"));
      expect(polls.length).toBe(4);
      fakes.vertex.operationPolls = 1000;
      await expect(fakes.registry({ operationDeadlineMs: 50 }).createVersion("slower", { artifacts: files() })).rejects.toThrow(TimeoutError);
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("stop")), 30);
      await expect(fakes.registry().createVersion("slowest", { artifacts: files() }, { signal: controller.signal })).rejects.toThrow(AbortedError);
    } finally {
      fakes.vertex.operationPolls = 1;
    }
  });

  it("does not create a second version when the upload's response is lost; it finds the first by its token label", async () => {
    const registry = fakes.registry();
    await registry.createVersion("lossy", { artifacts: files("1") });
    let cut = true;
    fakes.server.use(
      http.post(`${HOST}/v1/projects/${PROJECT}/locations/${LOCATION}/models:upload`, async ({ request }) => {
        if (!cut) return undefined as never;
        cut = false;
        // Let the fake process the upload and finish its operation, as Vertex would on its own, then lose the answer.
        const op = (await (await fetch(request.clone())).json()) as { name: string };
        for (let i = 0; i < 5; i++) {
          const state = (await (await fetch(`${HOST}/v1/${op.name}`, { headers: { authorization: "Bearer t" } })).json()) as { done?: boolean };
          if (state.done) break;
        }
        return HttpResponse.json({ error: { code: 503, status: "UNAVAILABLE", message: "backend unavailable" } }, { status: 503 });
      }),
    );
    const v = await registry.createVersion("lossy", { artifacts: files("2") });
    expect(v.version).toBe("2");
    expect((await registry.listVersions("lossy").toArray()).map((x) => x.version)).toEqual(["2", "1"]);
  });
});
