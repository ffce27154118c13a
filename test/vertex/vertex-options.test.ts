import { execFileSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { http } from "msw";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "modelreg";
import { GCS } from "./support/gcs-fake.js";
import { CUSTOM_IMAGE, useVertexFakes } from "./support/setup.js";

const fakes = useVertexFakes();
const files = () => ({ entries: [{ path: "model.pkl", content: "weights" }] });
const containerOf = (model: string, version = "1") => fakes.vertex.models.get(model)?.versions.get(version)?.containerSpec;

describe("providerOptions.vertex", () => {
  it("uploads the version with its own serving container, mapped to Vertex's containerSpec", async () => {
    await fakes.registry().createVersion("own-container", {
      artifacts: files(),
      providerOptions: {
        vertex: {
          container: {
            imageUri: "us-docker.pkg.dev/p/serving/fraud:3",
            command: ["python"],
            args: ["serve.py"],
            env: { MODEL_NAME: "fraud" },
            ports: [8080],
            predictRoute: "/predict",
            healthRoute: "/health",
          },
        },
      },
    });
    expect(containerOf("own-container")).toEqual({
      imageUri: "us-docker.pkg.dev/p/serving/fraud:3",
      command: ["python"],
      args: ["serve.py"],
      env: [{ name: "MODEL_NAME", value: "fraud" }],
      ports: [{ containerPort: 8080 }],
      predictRoute: "/predict",
      healthRoute: "/health",
    });
  });

  it("takes the image from the settings' containerImageUri when the call names none, and ignores other providers' options", async () => {
    await fakes
      .registry({ containerImageUri: "us-docker.pkg.dev/p/serving/default:1" })
      .createVersion("settings-image", { artifacts: files(), providerOptions: { vertex: { container: { predictRoute: "/p" } } } });
    expect(containerOf("settings-image")).toEqual({ imageUri: "us-docker.pkg.dev/p/serving/default:1", predictRoute: "/p" });
    await fakes.registry().createVersion("settings-only", { artifacts: files(), providerOptions: { mlflow: { ignored: true } } });
    expect(containerOf("settings-only")).toEqual({ imageUri: CUSTOM_IMAGE });
  });

  it.each([
    [{ container: { imageUrl: "x" } }, "providerOptions.vertex.container"],
    [{ container: { ports: ["8080"] } }, "providerOptions.vertex.container.ports.0"],
    [{ container: { predictRoute: "predict" } }, "providerOptions.vertex.container.predictRoute"],
    [{ container: { env: { "BAD NAME": "x" } } }, "providerOptions.vertex.container.env.BAD NAME"],
    [{ serving: {} }, "providerOptions.vertex"],
  ])("refuses %j with InvalidInputError naming %s, before any request", async (options, field) => {
    const before = fakes.vertex.requests.length + fakes.gcs.requests.length;
    const error = await fakes
      .registry()
      .createVersion("bad-options", { artifacts: files(), providerOptions: { vertex: options as never } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe(field);
    expect(fakes.vertex.requests.length + fakes.gcs.requests.length).toBe(before);
  });

  it("says what is wrong in zod's English, with no other zod loaded to set it (the schema is zod/mini, which sets none)", () => {
    // A fresh process: in this one, any classic zod schema built by another test would set the English messages.
    const script = `
      const { vertexCreateVersionOptionsSchema } = await import(${JSON.stringify(pathToFileURL("src/adapters/vertex/vertex-options.ts").href)});
      const bad = [{ container: { imageUrl: "x" } }, { container: { ports: ["8080"] } }, { container: { ports: [0] } }, { container: { imageUri: "" } }, { container: { predictRoute: "predict" } }];
      console.log(JSON.stringify(bad.map((b) => vertexCreateVersionOptionsSchema().safeParse(b).error?.issues[0]?.message)));`;
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
    expect(JSON.parse(out)).toEqual([
      'Unrecognized key: "imageUrl"',
      "Invalid input: expected number, received string",
      "Too small: expected number to be >=1",
      "Too small: expected string to have >=1 characters",
      "a route is a path starting with /",
    ]);
  });
});

describe("the env setting", () => {
  it("reads STORAGE_EMULATOR_HOST from env instead of process.env", async () => {
    await fakes.registry().createVersion("emulated", { artifacts: files() });
    const seen: string[] = [];
    // The "emulator" forwards to the Cloud Storage fake, so the version reads back whole through it.
    fakes.server.use(
      http.all("http://gcs-emulator.test:4443/*", async ({ request }) => {
        seen.push(request.url);
        return fetch(request.url.replace("http://gcs-emulator.test:4443", GCS), { method: request.method, headers: request.headers });
      }),
    );
    const registry = fakes.registry({ env: { STORAGE_EMULATOR_HOST: "gcs-emulator.test:4443" } });
    const { stream } = await registry.openArtifact("emulated/1", "model.pkl");
    expect(await new Response(stream).text()).toBe("weights");
    expect(seen.length).toBeGreaterThan(0);
  });
});
