// The fake Hub for a test file, answered in-process by msw, and registries pointed at it.
import type { HttpHandler } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";
import { createHuggingFaceRegistry, type HuggingFaceRegistrySettings } from "../../../src/adapters/huggingface/index.js";
import { HF_TOKEN, HUB, HubFake } from "./hub-fake.js";

/** The org the fake's token belongs to: the namespace registries use unless told otherwise. */
export const NAMESPACE = "acme";

/** The Hub fake for a test file; `extra` handlers come first and survive the reset after each test. */
export function useHubFake(extra: HttpHandler[] = []) {
  const fake = new HubFake();
  const server = setupServer(...extra, ...fake.handlers());
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  const registry = (settings: Partial<HuggingFaceRegistrySettings> = {}) =>
    createHuggingFaceRegistry({ namespace: NAMESPACE, token: HF_TOKEN, endpoint: HUB, env: {}, actor: "tester", ...settings });
  return { fake, server, registry };
}
