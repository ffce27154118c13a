// The SageMaker adapter's own behaviour against the in-process fakes: where it puts things (the package's fields, the
// S3 layout), the stage mapping, names SageMaker cannot hold, tags that do not fit, and the folder claim when another
// tool registers a version in between.
import { createHash } from "node:crypto";
import { ConflictError, InvalidInputError, NotFoundError, type RegistryEvent } from "modelreg";
import { describe, expect, it } from "vitest";
import { awsError } from "./support/aws-json-errors.js";
import { BUCKET, IMAGE, useSageMakerFakes } from "./support/setup.js";

const fakes = useSageMakerFakes();

/** A package as the fake keeps it (the fields these tests read). */
interface PackageJson {
  InferenceSpecification?: { Containers: Array<{ ModelDataSource: { S3DataSource: { S3Uri: string } } }> };
  ModelApprovalStatus?: string;
  ModelLifeCycle?: unknown;
  ApprovalDescription?: string;
  CustomerMetadataProperties: Record<string, string>;
  MetadataProperties?: unknown;
  Task?: string;
  ModelMetrics: { ModelQuality: { Statistics: { S3Uri: string; ContentDigest: string } } };
  ModelCard: { ModelCardContent: string };
}
const packageOf = (model: string, version: number) => fakes.sagemaker.package(model, version) as unknown as PackageJson;
const keys = (prefix: string) => [...(fakes.s3.buckets.get(BUCKET)?.keys() ?? [])].filter((k) => k.startsWith(prefix)).sort();
const text = (key: string) => new TextDecoder().decode(fakes.s3.object(BUCKET, key)?.bytes);
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");
const files = (n = 2) => ({ entries: Array.from({ length: n }, (_, i) => ({ path: i === 0 ? "model.bin" : `sub/part-${i}.bin`, content: `bytes ${i}` })) });

describe("names", () => {
  it("refuses model names SageMaker cannot hold before any request", async () => {
    const registry = fakes.registry({ image: IMAGE });
    const before = [fakes.sagemaker.requests.length, fakes.s3.requests.length];
    for (const name of ["fraud.v2", "under_score", "a".repeat(64), "ends-"]) {
      await expect(registry.createVersion(name, { artifacts: files() })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(registry.getModel(name)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(registry.createModel({ name })).rejects.toMatchObject({ field: "name", provider: "sagemaker" });
    }
    expect([fakes.sagemaker.requests.length, fakes.s3.requests.length]).toEqual(before);
  });

  it("refuses an alias too long for its group tag, and providerOptions SageMaker does not take", async () => {
    const registry = fakes.registry({ image: IMAGE });
    const before = fakes.sagemaker.requests.length;
    await expect(registry.createVersion("names-alias", { artifacts: files(), aliases: [`a${"b".repeat(113)}`] })).rejects.toMatchObject({
      name: "InvalidInputError",
      field: "aliases[0]",
    });
    await expect(
      registry.createVersion("names-alias", { artifacts: files(), providerOptions: { sagemaker: { imageUri: IMAGE } } } as never),
    ).rejects.toMatchObject({ name: "InvalidInputError", field: expect.stringMatching(/^providerOptions\.sagemaker/) });
    for (const [option, field] of [
      [{ image: "has space:1" }, "providerOptions.sagemaker.image"],
      [{ environment: { "1BAD": "x" } }, "providerOptions.sagemaker.environment"],
      [{ supportedResponseMIMETypes: ["json"] }, "providerOptions.sagemaker.supportedResponseMIMETypes"],
      [{ modelCardStatus: "Done" }, "providerOptions.sagemaker.modelCardStatus"],
    ] as const)
      await expect(registry.createVersion("names-alias", { artifacts: files(), providerOptions: { sagemaker: option } } as never)).rejects.toMatchObject({
        name: "InvalidInputError",
        field: expect.stringContaining(field),
      });
    expect(fakes.sagemaker.requests.length).toBe(before);
    expect(() => fakes.registry({ image: "two words" })).toThrow(expect.objectContaining({ name: "InvalidInputError", field: "image" }));
    expect(() => fakes.registry({ artifactRoot: "gs://bucket" })).toThrow(expect.objectContaining({ name: "InvalidInputError", field: "artifactRoot" }));
  });
});

describe("where a version goes", () => {
  it("streams the files to <model>/<n>/ and points an approvable package at them, with its metadata where SageMaker users look", async () => {
    const registry = fakes.registry({ image: IMAGE });
    const v = await registry.createVersion("place-fraud", {
      artifacts: files(),
      description: "first",
      metrics: { auc: 0.91 },
      tags: { team: "risk" },
      lineage: { codeCommit: "9f2c1e7", codeRepository: "https://example.com/fraud.git" },
      modelCard: { summary: "scores transactions", limitations: "not for loans" },
      providerOptions: { sagemaker: { supportedContentTypes: ["application/json"], environment: { MODEL_NAME: "fraud" }, task: "CLASSIFICATION" } },
    });
    expect(v.version).toBe("1");
    const pkg = packageOf("place-fraud", 1);
    expect(pkg.InferenceSpecification).toEqual({
      Containers: [
        {
          Image: IMAGE,
          ModelDataSource: { S3DataSource: { S3Uri: `s3://${BUCKET}/models/place-fraud/1/`, S3DataType: "S3Prefix", CompressionType: "None" } },
          Environment: { MODEL_NAME: "fraud" },
        },
      ],
      SupportedContentTypes: ["application/json"],
    });
    expect(pkg.ModelApprovalStatus).toBe("PendingManualApproval");
    expect(pkg.ModelLifeCycle).toEqual({ Stage: "Development", StageStatus: "InProgress" });
    expect(pkg.CustomerMetadataProperties).toMatchObject({ team: "risk", "modelreg:stage": "draft", "modelreg:folder": "1" });
    expect(pkg.CustomerMetadataProperties["modelreg:token"]).toMatch(/^[a-zA-Z0-9-]{1,36}$/);
    expect(pkg.MetadataProperties).toEqual({ GeneratedBy: "modelreg", CommitId: "9f2c1e7", Repository: "https://example.com/fraud.git" });
    expect(pkg.Task).toBe("CLASSIFICATION");
    // The metrics document sits outside the folder the package serves, and its digest is the one declared.
    const stats = pkg.ModelMetrics.ModelQuality.Statistics;
    expect(stats.S3Uri).toBe(`s3://${BUCKET}/models/place-fraud/1.metrics.json`);
    expect(stats.ContentDigest).toBe(`sha256:${sha256(fakes.s3.object(BUCKET, "models/place-fraud/1.metrics.json")?.bytes ?? "")}`);
    const card = JSON.parse(pkg.ModelCard.ModelCardContent);
    expect(card).toMatchObject({
      intended_uses: { purpose_of_model: "scores transactions" },
      additional_information: { caveats_and_recommendations: "not for loans" },
      evaluation_details: [{ metric_groups: [{ name: "metrics", metric_data: [{ name: "auc", type: "number", value: 0.91 }] }] }],
    });
    expect(card).not.toHaveProperty("model_package_details");
    // The folder holds the version's files and nothing else (no zero-byte "folder" keys, no record).
    expect(keys("models/place-fraud/1/")).toEqual(["models/place-fraud/1/model.bin", "models/place-fraud/1/sub/part-1.bin"]);
    expect(JSON.parse(text("models/place-fraud/1.modelreg.json"))).toMatchObject({ format: "modelreg-sagemaker/1", folder: 1, description: "first" });
  });

  it("without a serving image, makes the package without an InferenceSpecification and keeps the location in its properties", async () => {
    const registry = fakes.registry();
    const v = await registry.createVersion("place-noimage", { artifacts: files() });
    const pkg = packageOf("place-noimage", 1);
    expect(pkg.InferenceSpecification).toBeUndefined();
    expect(pkg.CustomerMetadataProperties["modelreg:artifacts"]).toBe(`s3://${BUCKET}/models/place-noimage/1/`);
    expect(v.artifacts.uri).toBe(`s3://${BUCKET}/models/place-noimage/1/`);
    expect((await registry.listArtifacts(v)).map((f) => f.path)).toEqual(["model.bin", "sub/part-1.bin"]);
  });

  it("keeps tags that do not fit CustomerMetadataProperties in the record only, and reads them all back", async () => {
    const registry = fakes.registry({ image: IMAGE });
    const tags: Record<string, string> = { json: '{"below":["1"]}', "modelreg:stage": "mine", "has#hash": "x" };
    for (let i = 0; i < 60; i++) tags[`t${String(i).padStart(2, "0")}`] = String(i);
    const v = await registry.createVersion("place-tags", { artifacts: files(1), tags });
    const properties = packageOf("place-tags", 1).CustomerMetadataProperties;
    expect(Object.keys(properties)).toHaveLength(50);
    expect(properties).not.toHaveProperty("json");
    expect(properties).not.toHaveProperty("has#hash");
    // A user's tag named like modelreg's own property never replaces it.
    expect(properties["modelreg:stage"]).toBe("draft");
    expect((await registry.getVersion(v)).tags).toEqual(tags);
    expect((await registry.getVersion(v)).stage).toBe("draft");
  });

  it("keeps the files in the folder it claimed when another tool registers a version in between", async () => {
    const registry = fakes.registry({ image: IMAGE });
    await registry.createModel({ name: "place-race" });
    fakes.sagemaker.beforeAction = (action) => {
      if (action !== "CreateModelPackage") return;
      fakes.sagemaker.beforeAction = undefined;
      fakes.sagemaker.register("place-race", { ModelPackageDescription: "someone else's" });
    };
    const v = await registry.createVersion("place-race", { artifacts: files() });
    expect(v.version).toBe("2");
    const pkg = packageOf("place-race", 2);
    expect(pkg.InferenceSpecification?.Containers[0]?.ModelDataSource.S3DataSource.S3Uri).toBe(`s3://${BUCKET}/models/place-race/1/`);
    expect(pkg.CustomerMetadataProperties["modelreg:folder"]).toBe("1");
    expect(v.artifacts).toMatchObject({ fileCount: 2, uri: `s3://${BUCKET}/models/place-race/1/` });
    expect((await registry.openArtifact(v, "model.bin")).size).toBe("bytes 0".length);
    // The next version claims the folder after the highest version, not the one taken.
    const next = await registry.createVersion("place-race", { artifacts: files(1) });
    expect(next.version).toBe("3");
    expect(keys("models/place-race/3/")).toEqual(["models/place-race/3/model.bin"]);
  });
});

describe("stages", () => {
  it("moves the approval status, the lifecycle and the stage property together, and says who moved it", async () => {
    const registry = fakes.registry({ image: IMAGE });
    const v = await registry.createVersion("stage-map", { artifacts: files(1) });
    const expected = {
      staging: ["PendingManualApproval", { Stage: "Staging", StageStatus: "InProgress" }],
      production: ["Approved", { Stage: "Production", StageStatus: "Approved" }],
      archived: ["Rejected", { Stage: "Archived", StageStatus: "Retired" }],
      draft: ["PendingManualApproval", { Stage: "Development", StageStatus: "InProgress" }],
    } as const;
    let from = "draft";
    for (const [stage, [approval, lifeCycle]] of Object.entries(expected)) {
      await registry.transitionStage(v, stage as keyof typeof expected, { actor: "bob" });
      const pkg = packageOf("stage-map", 1);
      expect([pkg.ModelApprovalStatus, pkg.ModelLifeCycle, pkg.CustomerMetadataProperties["modelreg:stage"]]).toEqual([approval, lifeCycle, stage]);
      expect(pkg.ApprovalDescription).toBe(`modelreg: ${from} to ${stage} by bob`);
      from = stage;
    }
  });

  it("reads the stage of packages made elsewhere from their lifecycle, else their approval status", async () => {
    const registry = fakes.registry();
    fakes.sagemaker.register("stage-foreign", { ModelApprovalStatus: "Approved" });
    fakes.sagemaker.register("stage-foreign", { ModelApprovalStatus: "Rejected" });
    fakes.sagemaker.register("stage-foreign", {});
    fakes.sagemaker.register("stage-foreign", { ModelApprovalStatus: "Approved", ModelLifeCycle: { Stage: "Staging", StageStatus: "InProgress" } });
    fakes.sagemaker.register("stage-foreign", { ModelLifeCycle: { Stage: "QA", StageStatus: "OnHold" }, ModelApprovalStatus: "PendingManualApproval" });
    const stages = (await registry.listVersions("stage-foreign").toArray()).map((v) => [v.version, v.stage]);
    expect(stages).toEqual([
      ["5", "draft"],
      ["4", "staging"],
      ["3", "draft"],
      ["2", "archived"],
      ["1", "production"],
    ]);
  });

  it("undoes the moves it made when a later one fails, and tells subscribers of one it could not undo", async () => {
    const registry = fakes.registry({ image: IMAGE });
    const [v1, v2, v3] = [
      await registry.createVersion("stage-undo", { artifacts: files(1) }),
      await registry.createVersion("stage-undo", { artifacts: files(1) }),
      await registry.createVersion("stage-undo", { artifacts: files(1) }),
    ];
    await registry.transitionStage(v1, "production");
    const heard: RegistryEvent[] = [];
    const stop = registry.events.subscribe((e) => {
      heard.push(e);
    });
    const refuse = (...endings: string[]) => {
      fakes.sagemaker.beforeAction = (action, body) => {
        if (action !== "UpdateModelPackage" || !String(body.ModelPackageArn).endsWith(endings[0] as string)) return;
        endings.shift();
        if (endings.length === 0) fakes.sagemaker.beforeAction = undefined;
        throw awsError("ValidationException", "refused");
      };
    };
    try {
      // v1 is archived, then v2's move fails: v1 goes back to production.
      refuse("/2");
      await expect(registry.transitionStage(v2, "production", { archiveExisting: true })).rejects.toMatchObject({ message: expect.stringMatching(/refused/) });
      expect((await registry.getVersion(v1)).stage).toBe("production");
      expect((await registry.getVersion(v2)).stage).toBe("draft");
      expect(heard).toEqual([]);
      // Now the undo fails too: v1 stays archived, and subscribers hear so.
      refuse("/3", "/1");
      await expect(registry.transitionStage(v3, "production", { archiveExisting: true })).rejects.toBeDefined();
      expect((await registry.getVersion(v1)).stage).toBe("archived");
      expect(heard.map((e) => [e.type, e.version, e.from, e.to])).toEqual([["stage.changed", v1.version, "production", "archived"]]);
    } finally {
      stop();
      fakes.sagemaker.beforeAction = undefined;
    }
  });
});

describe("models", () => {
  it("keeps a new description in the model's record (a group's cannot change), and tags on the group where they fit", async () => {
    const registry = fakes.registry();
    await registry.createModel({ name: "model-desc", description: "old", tags: { team: "risk", "odd{": "x" } });
    const updated = await registry.updateModel("model-desc", { description: "new\nlines", tags: { owner: "ml", team: null } });
    expect(updated).toMatchObject({ description: "new\nlines", tags: { owner: "ml", "odd{": "x" } });
    const group = fakes.sagemaker.groups.get("model-desc");
    expect(group?.description).toBe("old");
    expect(group?.tags).toEqual([{ Key: "owner", Value: "ml" }]);
    await expect(registry.createModel({ name: "model-desc" })).rejects.toBeInstanceOf(ConflictError);
  });

  it("deletes a model's packages, then its group, then what modelreg kept in S3 for it", async () => {
    const registry = fakes.registry({ image: IMAGE });
    await registry.createVersion("model-gone", { artifacts: files(), aliases: ["champion"] });
    await registry.createVersion("model-gone", { artifacts: files(), metrics: { auc: 0.5 } });
    expect(keys("models/model-gone/").length).toBeGreaterThan(4);
    await registry.deleteModel("model-gone");
    expect(fakes.sagemaker.groups.has("model-gone")).toBe(false);
    expect(keys("models/model-gone/")).toEqual([]);
    await expect(registry.getModel("model-gone")).rejects.toBeInstanceOf(NotFoundError);
  });
});
