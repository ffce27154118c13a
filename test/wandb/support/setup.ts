import type { HttpHandler } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";
import { createWandbRegistry, type WandbRegistrySettings } from "../../../src/adapters/wandb/index.js";
import { API_KEY, BASE, WandbFake } from "./wandb-fake.js";

/** The W&B fake for a test file; `extra` handlers come first and survive the reset after each test. */
export function useWandbFake(extra: HttpHandler[] = []) {
  const fake = new WandbFake();
  const server = setupServer(...extra, ...fake.handlers());
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  const registry = (settings: Partial<WandbRegistrySettings> = {}) =>
    createWandbRegistry({ apiKey: API_KEY, baseUrl: BASE, project: "models", env: {}, actor: "tester", ...settings });
  return { fake, server, registry };
}
