// A hostile SageMaker and S3 (the fakes, fed what a compromised or buggy account could hold): listings and records
// whose paths try to escape the download directory, records edited by hand, drifted response shapes, aliases that
// name no version, and errors that echo the credentials. Nothing may be written outside the target, and no secret may
// reach an error.
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { rejectionOf } from "../support/rejection.js";
import { ESCAPING_PATHS, expectKind, expectNothingWritten, strays, tree, workspace } from "../support/hostile.js";
import { SAGEMAKER_URL } from "./support/sagemaker-fake.js";
import { BUCKET, CREDENTIALS, IMAGE, useSageMakerFakes } from "./support/setup.js";

// Answers the next DescribeModelPackage of a package named here with the given body, and lets all else through.
let describeAs: { arnEnd: string; body: unknown; status?: number } | undefined;
let errorEcho: string | undefined;
const fakes = useSageMakerFakes([
  http.post(`${SAGEMAKER_URL}/`, async ({ request }) => {
    const target = request.headers.get("x-amz-target");
    if (errorEcho !== undefined && target === "SageMaker.DescribeModelPackageGroup")
      return HttpResponse.json(
        { __type: "AccessDeniedException", message: errorEcho },
        { status: 400, headers: { "x-amzn-errortype": "AccessDeniedException" } },
      );
    if (!describeAs || target !== "SageMaker.DescribeModelPackage") return undefined;
    const body = (await request.clone().json()) as { ModelPackageName: string };
    if (!body.ModelPackageName.endsWith(describeAs.arnEnd)) return undefined;
    return HttpResponse.json(describeAs.body as object, { status: describeAs.status ?? 200 });
  }),
]);
const encode = (text: string) => new TextEncoder().encode(text);

describe("paths that try to escape", () => {
  it("refuses a package made elsewhere whose S3 prefix lists escaping keys, before writing anything", async () => {
    const registry = fakes.registry();
    // A key ending in "/" names a folder, not a file (SageMaker makes it a directory under /opt/ml/model): it is left
    // out of the files, as the last test shows, rather than refused.
    for (const [i, path] of ESCAPING_PATHS.filter((p) => !p.endsWith("/")).entries()) {
      const group = `hostile-list-${i}`;
      fakes.s3.put(BUCKET, `byo/${group}/model.bin`, encode("fine"));
      fakes.s3.put(BUCKET, `byo/${group}/${path}`, encode("escape"));
      fakes.sagemaker.register(group, {
        ModelApprovalStatus: "Approved",
        InferenceSpecification: {
          Containers: [
            { Image: IMAGE, ModelDataSource: { S3DataSource: { S3Uri: `s3://${BUCKET}/byo/${group}/`, S3DataType: "S3Prefix", CompressionType: "None" } } },
          ],
        },
      });
      const ws = await workspace();
      const error = await rejectionOf(registry.downloadArtifacts(`${group}/1`, ws.target));
      expectKind(error, ["InvalidInputError", "ResponseValidationError", "CorruptDataError"]);
      await expectNothingWritten(ws);
    }
  });

  it("refuses a modelreg record whose file list was edited to escape, and one that is not a record", async () => {
    const registry = fakes.registry({ image: IMAGE });
    const v = await registry.createVersion("hostile-record", { artifacts: { entries: [{ path: "model.bin", content: "weights" }] } });
    const key = "models/hostile-record/1.modelreg.json";
    const record = JSON.parse(new TextDecoder().decode(fakes.s3.object(BUCKET, key)?.bytes)) as { files: Array<{ path: string }> };
    for (const path of ["../x", "a/../../x", "/etc/x"]) {
      record.files = [{ ...record.files[0], path } as { path: string }];
      fakes.s3.put(BUCKET, key, encode(JSON.stringify(record)), "application/json");
      const ws = await workspace();
      expectKind(await rejectionOf(registry.downloadArtifacts(v, ws.target)), ["InvalidInputError", "ResponseValidationError", "CorruptDataError"]);
      await expectNothingWritten(ws);
      expect(await strays(ws)).toEqual([]);
    }
    fakes.s3.put(BUCKET, key, encode('{"format":"modelreg-sagemaker/1","files":"all of them"}'), "application/json");
    expectKind(await rejectionOf(registry.getVersion(v)), ["CorruptDataError"]);
  });
});

describe("drifted or lying answers", () => {
  it("refuses a package description without its ARN, and reads an alias that names no version as no alias", async () => {
    const registry = fakes.registry({ image: IMAGE });
    await registry.createVersion("hostile-shape", { artifacts: { entries: [{ path: "model.bin", content: "x" }] } });
    describeAs = { arnEnd: "hostile-shape/1", body: { ModelPackageVersion: "one" } };
    try {
      expectKind(await rejectionOf(registry.getVersion("hostile-shape/1")), ["ResponseValidationError"]);
    } finally {
      describeAs = undefined;
    }
    const group = fakes.sagemaker.groups.get("hostile-shape");
    group?.tags.push({ Key: "modelreg:alias:ghost", Value: "../1" }, { Key: "modelreg:alias:later", Value: "7" });
    expect((await registry.getModel("hostile-shape")).aliases).toEqual({ later: "7" });
    expectKind(await rejectionOf(registry.getVersion("hostile-shape@ghost")), ["NotFoundError"]);
    // An alias on a version that is gone reads as the missing version it is.
    expectKind(await rejectionOf(registry.getVersion("hostile-shape@later")), ["NotFoundError"]);
  });

  it("keeps the secret key and session token out of an error that echoes them", async () => {
    const registry = fakes.registry();
    errorEcho = `User with key ${CREDENTIALS.secretAccessKey} and token ${CREDENTIALS.sessionToken} is not authorized`;
    try {
      const error = expectKind(await rejectionOf(registry.getModel("hostile-echo")), ["PermissionDeniedError"]);
      expect(error.message).not.toContain(CREDENTIALS.secretAccessKey);
      expect(error.message).not.toContain(CREDENTIALS.sessionToken);
      expect(JSON.stringify(error)).not.toContain(CREDENTIALS.secretAccessKey);
    } finally {
      errorEcho = undefined;
    }
  });
});

describe("what a download writes", () => {
  it("writes a foreign package's files only inside the target, and leaves zero-byte folder keys out", async () => {
    const registry = fakes.registry();
    fakes.s3.put(BUCKET, "byo/hostile-folders/", new Uint8Array(0));
    fakes.s3.put(BUCKET, "byo/hostile-folders/sub/", new Uint8Array(0));
    fakes.s3.put(BUCKET, "byo/hostile-folders/sub/model.bin", encode("weights"));
    fakes.sagemaker.register("hostile-folders", {
      InferenceSpecification: {
        Containers: [
          {
            Image: IMAGE,
            ModelDataSource: { S3DataSource: { S3Uri: `s3://${BUCKET}/byo/hostile-folders/`, S3DataType: "S3Prefix", CompressionType: "None" } },
          },
        ],
      },
    });
    const ws = await workspace();
    await registry.downloadArtifacts("hostile-folders/1", ws.target);
    expect(await tree(ws.target)).toEqual(["sub/model.bin"]);
    expect(await strays(ws)).toEqual([]);
  });
});
