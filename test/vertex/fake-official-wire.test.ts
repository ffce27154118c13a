// What Google's official Python clients send, as the Vertex and Cloud Storage fakes must take it (issue 15 item 8):
// each case is a request google-cloud-aiplatform 2.7.0 (REST) or google-cloud-storage 3.17.1 sent to the fakes on
// loopback (test/vertex/official/), reduced to the part the fake used to refuse.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ContractViolation, validateRequest, wantsIntEnums } from "./support/contract-validator.js";
import { GCS } from "./support/gcs-fake.js";
import { BUCKET, useVertexFakes } from "./support/setup.js";
import { HOST, LOCATION, PROJECT, PROJECT_NUMBER } from "./support/vertex-fake.js";

const fakes = useVertexFakes();
const auth = { authorization: "Bearer dummy", "content-type": "application/json" };
/** aiplatform's REST transport adds this to every call (rest_base.py: `query_params["$alt"]`). */
const ALT = "%24alt=json%3Benum-encoding%3Dint";

describe("the Vertex fake takes what google-cloud-aiplatform's REST transport sends", () => {
  it("accepts the $alt system parameter on every call, and still refuses unknown parameters", async () => {
    const res = await fetch(`${HOST}/v1/projects/${PROJECT}/locations/${LOCATION}/models?${ALT}`, { headers: auth });
    expect(res.status).toBe(200);
    const unknown = await fetch(`${HOST}/v1/projects/${PROJECT}/locations/${LOCATION}/models?%24colour=red`, { headers: auth });
    expect(unknown.status).toBe(400);
    expect(wantsIntEnums(new URLSearchParams(ALT))).toBe(true);
    expect(wantsIntEnums(new URLSearchParams("alt=json"))).toBe(false);
  });

  it("takes enums as numbers (enum-encoding=int) as well as names, and refuses an unknown name", () => {
    const deploy = (acceleratorType: unknown) => () =>
      validateRequest("aiplatform.projects.locations.endpoints.deployModel", {
        pathParams: { endpoint: `projects/${PROJECT}/locations/${LOCATION}/endpoints/1` },
        query: new URLSearchParams(ALT),
        body: { deployedModel: { model: "m", dedicatedResources: { machineSpec: { machineType: "n1-standard-2", acceleratorType } } } },
      });
    expect(deploy(5)).not.toThrow();
    expect(deploy("NVIDIA_TESLA_T4")).not.toThrow();
    expect(deploy("NVIDIA_TESLA_NOPE")).toThrow(ContractViolation);
    expect(deploy(1.5)).toThrow(ContractViolation);
  });

  it("serves operation polls under /ui/, where the client's operations client sends them", async () => {
    const upload = await fetch(`${HOST}/v1/projects/${PROJECT}/locations/${LOCATION}/models:upload?${ALT}`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ modelId: "polled", model: { displayName: "polled", containerSpec: { imageUri: "us-docker.pkg.dev/p/r/i:1" } } }),
    });
    const op = (await upload.json()) as { name: string; done?: boolean };
    expect(op.done).toBeUndefined();
    let polled: { done?: boolean; response?: { modelVersionId?: string } } = {};
    for (let i = 0; i < 3 && !polled.done; i++) {
      const res = await fetch(`${HOST}/ui/${op.name}?${ALT}`, { headers: auth });
      expect(res.status).toBe(200);
      polled = (await res.json()) as typeof polled;
    }
    expect(polled).toMatchObject({ done: true, response: { modelVersionId: "1" } });
    expect(op.name).toMatch(new RegExp(`^projects/${PROJECT_NUMBER}/locations/${LOCATION}/models/polled/operations/\\d+$`));
    // Only operations live under /ui/.
    expect((await fetch(`${HOST}/ui/projects/${PROJECT}/locations/${LOCATION}/models/polled`, { headers: auth })).status).toBe(404);
  });
});

describe("the Vertex fake answers in the enum encoding asked for", () => {
  it("gives supportedDeploymentResourcesTypes as numbers with enum-encoding=int, as names without", async () => {
    await fakes.registry().createVersion("enc", {
      artifacts: { entries: [{ path: "w.bin", content: "w" }] },
      providerOptions: { vertex: { container: { imageUri: "us-docker.pkg.dev/p/r/i:1" } } },
    });
    const get = async (query: string) =>
      ((await (await fetch(`${HOST}/v1/projects/${PROJECT}/locations/${LOCATION}/models/enc${query}`, { headers: auth })).json()) as Record<string, unknown>)
        .supportedDeploymentResourcesTypes;
    expect(await get(`?${ALT}`)).toEqual([1]);
    expect(await get("")).toEqual(["DEDICATED_RESOURCES"]);
  });
});

describe("the Cloud Storage fake takes what google-cloud-storage sends", () => {
  it("stores a multipart upload with a quoted boundary, with the media part's content type", async () => {
    const data = Buffer.from("weights ✓ \r\n--not-a-boundary\r\n");
    const boundary = "===============4937148622043127186==";
    const meta = JSON.stringify({ name: "staged/model.bin" });
    // The layout of _media/_upload.py's construct_multipart_request, byte for byte.
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n${meta}\r\n--${boundary}\r\ncontent-type: text/plain\r\n\r\n`),
      data,
      Buffer.from(`\r\n--${boundary}--`),
    ]);
    const res = await fetch(`${GCS}/upload/storage/v1/b/${BUCKET}/o?uploadType=multipart`, {
      method: "POST",
      headers: { authorization: "Bearer dummy", "content-type": `multipart/related; boundary="${boundary}"` },
      body,
    });
    expect(res.status).toBe(200);
    const stored = fakes.gcs.objects.get(fakes.gcs.key(BUCKET, "staged/model.bin"));
    expect(Buffer.from(stored?.bytes ?? []).equals(data)).toBe(true);
    expect(stored?.contentType).toBe("text/plain");
  });

  it("serves media under /download/storage/v1 with the x-goog-hash the client checks", async () => {
    const bytes = new Uint8Array([1, 2, 3, 250]);
    fakes.gcs.objects.set(fakes.gcs.key(BUCKET, "a/b.bin"), { bytes, contentType: "application/octet-stream", generation: "7" });
    const res = await fetch(`${GCS}/download/storage/v1/b/${BUCKET}/o/${encodeURIComponent("a/b.bin")}?alt=media`, {
      headers: { authorization: "Bearer dummy" },
    });
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    const md5 = createHash("md5").update(bytes).digest("base64");
    expect(res.headers.get("x-goog-hash")).toMatch(new RegExp(`^crc32c=[A-Za-z0-9+/]{6}==,md5=${md5.replace(/[+]/g, "\\+")}$`));
  });
});

describe("the Cloud Storage fake serves the bucket reads google-cloud-storage makes", () => {
  it("answers storage.buckets.get with the bucket, and 404 for a bucket that does not exist", async () => {
    const get = (bucket: string) => fetch(`${GCS}/storage/v1/b/${bucket}?projection=noAcl&prettyPrint=false`, { headers: { authorization: "Bearer dummy" } });
    const res = await get(BUCKET);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ kind: "storage#bucket", name: BUCKET, projectNumber: PROJECT_NUMBER });
    expect((await get("no-such-bucket")).status).toBe(404);
  });
});
