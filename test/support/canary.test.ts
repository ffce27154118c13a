// The canary check checked: the scan reports a canary wherever an error or a line can carry it, and an error built
// by the real HTTP client from a server that echoes every credential carries none.
import { describe, expect, it } from "vitest";
import { observeErrors } from "../../src/core/error-observer.js";
import { ModelRegistryError, NotFoundError, PromotionBlockedError } from "modelreg";
import { createHttpClient } from "../../src/http/http-client.js";
import { CANARY, CANARY_FORMS, CanaryWatch, canariesIn, expectCanaryLeak, findCanaries } from "./canary.js";
import { rejectionOf } from "./rejection.js";

describe("the canary scan", () => {
  it("finds a canary in the message, a field, a subclass field, a truncated copy and deep in the cause chain", () => {
    const inMessage = expectCanaryLeak(new NotFoundError(`no model for token ${CANARY.mlflowToken}`, { provider: "mlflow", operation: "getModel" }));
    expect(findCanaries(inMessage)).toEqual(["mlflowToken"]);
    const inUrl = expectCanaryLeak(new NotFoundError("gone", { provider: "wandb", operation: "download", url: `https://s.test/o?sig=${CANARY.urlSignature}` }));
    expect(findCanaries(inUrl)).toEqual(["urlSignature"]);
    const blocked = expectCanaryLeak(
      new PromotionBlockedError("blocked", {
        provider: "core",
        operation: "promote",
        failures: [{ gate: "g", reason: `key ${CANARY.wandbApiKey.slice(0, 30)}` }],
      }),
    );
    expect(findCanaries(blocked)).toEqual(["wandbApiKey"]);
    const deep = new Error("outer", { cause: new AggregateError([new Error(`Basic ${CANARY_FORMS.wandbBasic}`)], "inner") });
    const wrapped = expectCanaryLeak(new ModelRegistryError("failed", { provider: "wandb", operation: "x", cause: deep }));
    expect(findCanaries(wrapped)).toEqual(["wandbBasic"]);
    const clean = new NotFoundError("no model named fraud", { provider: "mlflow", operation: "getModel", url: "https://h.test/x?token=[REDACTED]" });
    expect(findCanaries(clean)).toEqual([]);
  });

  it("reports leaks from recorded errors and lines, and counts what it inspected", () => {
    const watch = new CanaryWatch();
    watch.recordError(new Error(`password ${CANARY.mlflowPassword}`));
    watch.recordError(new Error("nothing here"));
    watch.recordLine("console.debug", `GET https://h.test/?access_token=${CANARY.googleAccessToken}`);
    watch.recordLine("stdout", "plain output");
    const leaks = watch.drain();
    expect(leaks.map((l) => [l.where, l.canaries])).toEqual([
      ["console.debug", ["googleAccessToken"]],
      ["error Error", ["mlflowPassword"]],
    ]);
    // The report names the leak without repeating it.
    expect(leaks.every((l) => canariesIn(l.excerpt).length === 0)).toBe(true);
    expect(watch.tally).toMatchObject({ errorsInspected: 2, linesScanned: 1, debugLines: 1, outputChunks: 1, leaks: 2 });
    expect(watch.drain()).toEqual([]);
  });

  it("does not mistake the MLflow user name alone for a leak", () => {
    expect(canariesIn(`user ${CANARY.mlflowUser} may not do that`)).toEqual([]);
    expect(canariesIn(`${CANARY.mlflowUser}:${CANARY.mlflowPassword}`)).toEqual(expect.arrayContaining(["mlflowUserPassword", "mlflowPassword"]));
  });
});

describe("the real HTTP client against a server that echoes credentials", () => {
  it("builds errors, observed as they are constructed, that hold no canary", async () => {
    const seen: ModelRegistryError[] = [];
    const stop = observeErrors((error) => seen.push(error));
    const echo: typeof fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      const sent: Record<string, string> = {};
      headers.forEach((value, name) => {
        sent[name] = value;
      });
      const body = { message: `denied: you sent ${headers.get("authorization")} to ${String(input)}`, headers: sent };
      return new Response(JSON.stringify(body), { status: 401, headers: { "content-type": "application/json" } });
    };
    try {
      const client = createHttpClient({
        provider: "mlflow",
        baseUrl: "https://mlflow.test/",
        headers: { authorization: `Bearer ${CANARY.mlflowToken}` },
        fetch: echo,
        maxRetries: 0,
      });
      const error = await rejectionOf(client.request({ operation: "getModel", path: "x", query: { access_token: CANARY.googleAccessToken } }));
      expect(seen).toContain(error);
      expect((error as Error).message).toContain("denied: you sent");
      expect(findCanaries(error)).toEqual([]);
    } finally {
      stop();
    }
    const after = seen.length;
    expect(NotFoundError.isInstance(new NotFoundError("x", { provider: "core", operation: "y" }))).toBe(true);
    expect(seen).toHaveLength(after);
  });
});
