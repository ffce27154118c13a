// MODELREG_LOG: the debug switch for clients created without a logger.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createHttpClient } from "../../src/http/http-client.js";
import { defaultLogger } from "../../src/http/default-logger.js";
import { CANARY, canariesIn } from "../support/canary.js";
import { recordingLogger } from "./support/helpers.js";

const ok: typeof fetch = async () => new Response(JSON.stringify({ ok: true }), { headers: { "content-type": "application/json" } });

const spies = () => ({
  debug: vi.spyOn(console, "debug").mockImplementation(() => {}),
  info: vi.spyOn(console, "info").mockImplementation(() => {}),
  warn: vi.spyOn(console, "warn").mockImplementation(() => {}),
  error: vi.spyOn(console, "error").mockImplementation(() => {}),
});

async function requestWith(setting: string | undefined, logger?: ReturnType<typeof recordingLogger>) {
  if (setting === undefined) delete process.env.MODELREG_LOG;
  else process.env.MODELREG_LOG = setting;
  const client = createHttpClient({
    provider: "mlflow",
    baseUrl: "https://mlflow.test/",
    headers: { authorization: `Bearer ${CANARY.mlflowToken}` },
    fetch: ok,
    ...(logger && { logger }),
  });
  await client.request({ operation: "getModel", path: "models/get", query: { name: "fraud", access_token: CANARY.googleAccessToken } });
}

let saved: string | undefined;
beforeEach(() => {
  saved = process.env.MODELREG_LOG;
});
afterEach(() => {
  if (saved === undefined) delete process.env.MODELREG_LOG;
  else process.env.MODELREG_LOG = saved;
  vi.restoreAllMocks();
});

describe("MODELREG_LOG", () => {
  it("=debug logs each attempt through console.debug, as one redacted line", async () => {
    const console = spies();
    await requestWith("debug");
    expect(console.debug).toHaveBeenCalledTimes(1);
    const line = String(console.debug.mock.calls[0]?.[0]);
    expect(line).toMatch(
      /^\[modelreg debug\] mlflow getModel: GET https:\/\/mlflow\.test\/models\/get\?name=fraud&access_token=\[REDACTED\] -> 200 \(attempt 1, \d+ ms\)$/,
    );
    expect(canariesIn(line)).toEqual([]);
  });

  it("is case-insensitive", async () => {
    const console = spies();
    await requestWith(" DEBUG ");
    expect(console.debug).toHaveBeenCalledTimes(1);
  });

  it("above debug, unset, off or unknown logs no request lines", async () => {
    const console = spies();
    for (const setting of ["info", "warn", "error", "off", "verbose", "", undefined]) await requestWith(setting);
    expect(console.debug).not.toHaveBeenCalled();
    expect(console.info).not.toHaveBeenCalled();
  });

  it("is ignored when the client has its own logger", async () => {
    const console = spies();
    const logger = recordingLogger();
    await requestWith("debug", logger);
    expect(console.debug).not.toHaveBeenCalled();
    expect(logger.lines).toHaveLength(1);
  });

  it("is read when the client is created, not per request", async () => {
    const console = spies();
    process.env.MODELREG_LOG = "off";
    const client = createHttpClient({ provider: "wandb", baseUrl: "https://wandb.test/", fetch: ok });
    process.env.MODELREG_LOG = "debug";
    await client.request({ operation: "viewer", path: "graphql" });
    expect(console.debug).not.toHaveBeenCalled();
  });
});

describe("defaultLogger", () => {
  it("writes each level at or above the threshold to the console method of that level", () => {
    const console = spies();
    const logger = defaultLogger("warn");
    logger?.debug("d", { provider: "vertex" });
    logger?.info("i", { provider: "vertex" });
    logger?.warn("w", { provider: "vertex" });
    logger?.error("e");
    expect(console.debug).not.toHaveBeenCalled();
    expect(console.info).not.toHaveBeenCalled();
    expect(console.warn.mock.calls).toEqual([["[modelreg warn] vertex w"]]);
    expect(console.error.mock.calls).toEqual([["[modelreg error] e"]]);
  });

  it("redacts signed-URL parameters and bearer values even in a line nobody redacted", () => {
    const console = spies();
    defaultLogger("debug")?.debug(`GET https://s.test/o?X-Goog-Signature=${CANARY.urlSignature} with Bearer ${CANARY.googleAccessToken}`);
    const line = String(console.debug.mock.calls[0]?.[0]);
    expect(line).toBe("[modelreg debug] GET https://s.test/o?X-Goog-Signature=[REDACTED] with Bearer [REDACTED]");
  });

  it("is off for off, unknown and empty settings", () => {
    expect(defaultLogger("off")).toBeUndefined();
    expect(defaultLogger("trace")).toBeUndefined();
    expect(defaultLogger("")).toBeUndefined();
    expect(defaultLogger("error")).toBeDefined();
  });
});
