import { describe, expect, it } from "vitest";
import {
  ConflictError,
  InvalidInputError,
  ModelRegistryError,
  NotFoundError,
  PromotionBlockedError,
  RateLimitError,
  UnsupportedCapabilityError,
  type RegistryCapabilities,
} from "modelreg";
import { requireCapability } from "modelreg/adapter";

describe("errors", () => {
  it("name the provider and operation", () => {
    const error = new NotFoundError("model fraud does not exist", { provider: "mlflow", operation: "getModel", statusCode: 404 });
    expect(error.message).toBe("[mlflow] getModel: model fraud does not exist");
    expect(error.name).toBe("NotFoundError");
    expect(error.toJSON()).toMatchObject({ name: "NotFoundError", provider: "mlflow", operation: "getModel", statusCode: 404 });
  });

  it("are recognised across package copies by marker, not prototype", () => {
    const error = new ConflictError("taken", { provider: "local", operation: "createModel" });
    // A copy loaded twice has different classes; simulate one by stripping the prototype chain.
    const foreign = Object.setPrototypeOf(Object.assign({}, error), Object.prototype) as object;
    for (const symbol of Object.getOwnPropertySymbols(error)) (foreign as Record<symbol, unknown>)[symbol] = true;
    expect(ConflictError.isInstance(foreign)).toBe(true);
    expect(ModelRegistryError.isInstance(foreign)).toBe(true);
    expect(NotFoundError.isInstance(foreign)).toBe(false);
    expect(ModelRegistryError.isInstance(new Error("x"))).toBe(false);
    expect(InvalidInputError.isInstance(undefined)).toBe(false);
  });

  it("carry retry hints", () => {
    const error = new RateLimitError("slow down", { provider: "wandb", operation: "listVersions", retryAfterMs: 2000 });
    expect(error.isRetryable).toBe(true);
    expect(error.retryAfterMs).toBe(2000);
    expect(new NotFoundError("x", { provider: "p", operation: "o" }).isRetryable).toBe(false);
  });

  it("requireCapability throws a typed error for a missing capability", () => {
    const capabilities = { deploy: false, audit: true } as RegistryCapabilities;
    expect(() => requireCapability({ provider: "mlflow", capabilities }, "audit", "listAuditEvents")).not.toThrow();
    try {
      requireCapability({ provider: "mlflow", capabilities }, "deploy", "deploy");
      expect.unreachable();
    } catch (error) {
      expect(UnsupportedCapabilityError.isInstance(error)).toBe(true);
      expect((error as UnsupportedCapabilityError).capability).toBe("deploy");
      expect((error as Error).message).toBe("[mlflow] deploy: the mlflow registry does not support deploy");
    }
  });
});

describe("errors in a minified bundle", () => {
  it("keep their class names, kinds and cross-copy markers when a bundler renames the classes", async () => {
    const { build } = await import("tsup");
    const { mkdtemp, rm, writeFile } = await import("node:fs/promises");
    const { execFileSync } = await import("node:child_process");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const out = await mkdtemp(join(tmpdir(), "modelreg-minified-"));
    try {
      // Two copies, as two bundles in one app: one minified, one not. They run in a plain Node process: importing
      // minified code through vitest's transform is not what a bundle meets, and vite's import analysis once failed to
      // parse it (Node 24, CI).
      for (const minify of [true, false]) {
        await build({
          // Not the project's tsup.config.ts: its builds would each write this entry, at once, into one file.
          config: false,
          entry: { errors: "src/core/errors.ts" },
          outDir: join(out, minify ? "minified" : "plain"),
          format: "esm",
          minify,
          dts: false,
          sourcemap: false,
          silent: true,
          splitting: false,
          outExtension: () => ({ js: ".mjs" }),
        });
      }
      const check = join(out, "check.mjs");
      await writeFile(
        check,
        `import * as minified from "./minified/errors.mjs";
import * as plain from "./plain/errors.mjs";
const error = new minified.NotFoundError("gone", { provider: "core", operation: "test" });
console.log(JSON.stringify({
  renamed: minified.NotFoundError.name,
  name: error.name,
  kind: error.kind,
  plainSeesMinified: plain.NotFoundError.isInstance(error),
  plainConflict: plain.ConflictError.isInstance(error),
  minifiedSeesPlain: minified.NotFoundError.isInstance(new plain.NotFoundError("gone", { provider: "core", operation: "test" })),
}));
`,
      );
      const seen = JSON.parse(execFileSync(process.execPath, [check], { encoding: "utf8" })) as Record<string, unknown>;
      // The bundler did rename the class, or this test proves nothing.
      expect(seen.renamed).not.toBe("NotFoundError");
      expect(seen).toMatchObject({ name: "NotFoundError", kind: "NotFoundError", plainSeesMinified: true, plainConflict: false, minifiedSeesPlain: true });
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe("errors as JSON (issue 13, item 17)", () => {
  it("carry every field, a subclass's own included", () => {
    const failures = [
      { gate: "metric:auc>=0.99", reason: "auc is 0.91" },
      { gate: "approval", reason: "needs 2 approvals, has 0" },
    ];
    const blocked = new PromotionBlockedError("2 checks failed", { provider: "core", operation: "promote", failures });
    expect(JSON.parse(JSON.stringify(blocked))).toEqual({
      name: "PromotionBlockedError",
      kind: "PromotionBlockedError",
      message: "[core] promote: 2 checks failed",
      provider: "core",
      operation: "promote",
      isRetryable: false,
      failures,
    });
    expect(new InvalidInputError("bad", { provider: "core", operation: "setAlias", field: "alias" }).toJSON()).toMatchObject({ field: "alias" });
    expect(new RateLimitError("slow", { provider: "wandb", operation: "x", retryAfterMs: 1500, statusCode: 429 }).toJSON()).toMatchObject({
      retryAfterMs: 1500,
      statusCode: 429,
      isRetryable: true,
    });
    expect(new UnsupportedCapabilityError("no", { provider: "wandb", operation: "x", capability: "stages" }).toJSON()).toMatchObject({ capability: "stages" });
  });

  it("summarise the cause and hold no credential", () => {
    const inner = new NotFoundError("gone", { provider: "mlflow", operation: "getModel", statusCode: 404 });
    const outer = new ConflictError("wrapped", { provider: "core", operation: "sync", cause: inner, url: "https://h.example/x?token=abcdef123456" });
    const json = outer.toJSON();
    expect(json.cause).toMatchObject({ name: "NotFoundError", statusCode: 404, operation: "getModel" });
    expect(json.url).toBe("https://h.example/x?token=[REDACTED]");
    // A foreign cause is named, never quoted: its message was not written with redaction in mind.
    const foreign = Object.assign(new Error("connect to https://u:hunter22@h.example failed with key sk-live-1234"), { code: "ECONNREFUSED" });
    const text = JSON.stringify(new ModelRegistryError("no connection", { provider: "mlflow", operation: "getModel", cause: foreign }));
    expect(JSON.parse(text).cause).toEqual({ name: "Error", code: "ECONNREFUSED" });
    expect(text).not.toMatch(/hunter22|sk-live/);
  });
});
