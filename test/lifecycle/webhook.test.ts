import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { InvalidInputError, ServerError, createWebhookNotifier, signWebhookPayload, verifyWebhookSignature, type RegistryEvent } from "modelreg";
import { stampEvent } from "modelreg/adapter";
import { CANARY } from "../support/canary.js";

const HOOK = "https://hooks.example.test/models";
const SECRET: string = CANARY.webhookSecret;
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  server.resetHandlers();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});
afterAll(() => server.close());

const event = (): RegistryEvent =>
  stampEvent({ type: "stage.changed", model: "fraud", version: "3", stage: "production", from: "staging", to: "production" }, "local", "ann");

interface Delivery {
  body: string;
  headers: Headers;
}

function receiver(status: number[] = [204]): Delivery[] {
  const seen: Delivery[] = [];
  server.use(
    http.post(HOOK, async ({ request }) => {
      seen.push({ body: await request.text(), headers: request.headers });
      return new HttpResponse(null, { status: status[Math.min(seen.length - 1, status.length - 1)] });
    }),
  );
  return seen;
}

describe("webhook notifier", () => {
  it("posts the event as JSON with a signature the receiver can verify", async () => {
    const seen = receiver();
    const e = event();
    await createWebhookNotifier({ url: HOOK, secret: SECRET })(e);
    expect(seen).toHaveLength(1);
    const [delivery] = seen as [Delivery];
    expect(JSON.parse(delivery.body)).toEqual(e);
    expect(delivery.headers.get("x-modelreg-event")).toBe("stage.changed");
    expect(delivery.headers.get("x-modelreg-delivery")).toBe(e.id);
    const signature = delivery.headers.get("x-modelreg-signature");
    const timestamp = delivery.headers.get("x-modelreg-timestamp");
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(await verifyWebhookSignature({ body: delivery.body, signature, timestamp, secret: SECRET })).toBe(true);
    // A changed body, another secret or an old timestamp do not verify.
    expect(await verifyWebhookSignature({ body: `${delivery.body} `, signature, timestamp, secret: SECRET })).toBe(false);
    expect(await verifyWebhookSignature({ body: delivery.body, signature, timestamp, secret: `${SECRET}x` })).toBe(false);
    expect(await verifyWebhookSignature({ body: delivery.body, signature, timestamp, secret: SECRET, now: Date.now() + 600_000 })).toBe(false);
    expect(delivery.body).not.toContain(SECRET);
  });

  it("signs the timestamp and body as HMAC-SHA256, the documented scheme", async () => {
    const { createHmac } = await import("node:crypto");
    const expected = `sha256=${createHmac("sha256", SECRET).update("1700000000.{}").digest("hex")}`;
    expect(await signWebhookPayload(SECRET, 1700000000, "{}")).toBe(expected);
  });

  it("retries a delivery answered with 503, and only sends the types asked for", async () => {
    const seen = receiver([503, 204]);
    const notify = createWebhookNotifier({ url: HOOK, secret: SECRET, types: ["stage.changed"] });
    await notify(event());
    await notify(stampEvent({ type: "version.created", model: "fraud", version: "4" }, "local", "ann"));
    expect(seen).toHaveLength(2);
    expect(seen.map((d) => d.headers.get("x-modelreg-delivery"))).toEqual([
      seen[0]?.headers.get("x-modelreg-delivery"),
      seen[0]?.headers.get("x-modelreg-delivery"),
    ]);
  });

  it("hands a failed delivery to onError without the secret in it", async () => {
    receiver([500]);
    const failures: unknown[] = [];
    await createWebhookNotifier({ url: HOOK, secret: SECRET, maxRetries: 0, onError: (error) => failures.push(error) })(event());
    expect(failures).toHaveLength(1);
    expect(ServerError.isInstance(failures[0])).toBe(true);
    expect(JSON.stringify(failures[0]) + String((failures[0] as Error).message)).not.toContain(SECRET);
  });

  it("refuses a bad URL or a short secret when it is created", () => {
    expect(() => createWebhookNotifier({ url: "ftp://x", secret: SECRET })).toThrow(InvalidInputError);
    expect(() => createWebhookNotifier({ url: HOOK, secret: "short" })).toThrow(InvalidInputError);
  });
});

describe("a failed delivery is logged (issue 13, item 18)", () => {
  // A Slack-style hook URL: the path and the query are the credential, as much as the signing secret is.
  const PATH_TOKEN = "T0001/B0002/hG7sK2pQ9xV4mN8rL1wZ";
  const QUERY_TOKEN = "q-tok-5f2c9a7e1b3d";
  const CAPABILITY_HOOK = `https://hooks.example.test/services/${PATH_TOKEN}?token=${QUERY_TOKEN}`;

  function failingReceiver(): void {
    server.use(http.post(`https://hooks.example.test/services/${PATH_TOKEN}`, () => new HttpResponse("boom", { status: 500 })));
  }

  function consoleLines(): { warn: () => string[]; all: () => string } {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const debug = vi.spyOn(console, "debug").mockImplementation(() => undefined);
    const text = (spy: typeof warn) => spy.mock.calls.map((args) => args.map(String).join(" "));
    return { warn: () => text(warn), all: () => [...text(warn), ...text(debug)].join("\n") };
  }

  it("warns on the console by default, with the event and the receiver's origin, and no secret", async () => {
    vi.stubEnv("MODELREG_LOG", undefined);
    // Unset, not the suite's "debug": the warning must not depend on anyone turning logging on.
    expect(process.env.MODELREG_LOG).toBeUndefined();
    failingReceiver();
    const lines = consoleLines();
    const e = event();
    await expect(createWebhookNotifier({ url: CAPABILITY_HOOK, secret: SECRET, maxRetries: 0 })(e)).rejects.toSatisfy((error) => ServerError.isInstance(error));
    expect(lines.warn()).toHaveLength(1);
    const [line] = lines.warn() as [string];
    expect(line).toContain("[modelreg warn] webhook");
    expect(line).toContain(`webhook delivery ${e.id} (stage.changed) to https://hooks.example.test failed: ServerError`);
    for (const secret of [SECRET, PATH_TOKEN, "hG7sK2pQ9xV4mN8rL1wZ", QUERY_TOKEN]) expect(lines.all()).not.toContain(secret);
  });

  it("also redacts the hook URL's path and query from the error handed to onError and from debug lines", async () => {
    vi.stubEnv("MODELREG_LOG", "debug");
    failingReceiver();
    const lines = consoleLines();
    const failures: unknown[] = [];
    await createWebhookNotifier({ url: CAPABILITY_HOOK, secret: SECRET, maxRetries: 0, onError: (error) => failures.push(error) })(event());
    expect(failures).toHaveLength(1);
    const error = failures[0] as ServerError;
    expect(error.url).toMatch(/^https:\/\/hooks\.example\.test/);
    const seen = `${JSON.stringify(error)} ${error.message} ${error.url} ${lines.all()}`;
    expect(lines.all()).toMatch(/hooks\.example\.test/);
    for (const secret of [SECRET, "hG7sK2pQ9xV4mN8rL1wZ", QUERY_TOKEN]) expect(seen).not.toContain(secret);
    // With onError the failure is handled there: the default logger adds no warning of its own.
    expect(lines.warn()).toEqual([]);
  });

  it("goes to the logger given, even with onError; MODELREG_LOG=off silences the default one", async () => {
    failingReceiver();
    const warned: Array<[string, Record<string, unknown> | undefined]> = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warn: (message: string, data?: Record<string, unknown>) => warned.push([message, data]),
    };
    const e = event();
    await createWebhookNotifier({ url: CAPABILITY_HOOK, secret: SECRET, maxRetries: 0, logger, onError: () => undefined })(e);
    expect(warned).toHaveLength(1);
    expect(warned[0]?.[1]).toEqual({ provider: "webhook", event: "stage.changed", delivery: e.id, receiver: "https://hooks.example.test" });
    expect(JSON.stringify(warned)).not.toMatch(new RegExp(`${SECRET}|${QUERY_TOKEN}|hG7sK2pQ9xV4mN8rL1wZ`));
    vi.stubEnv("MODELREG_LOG", "off");
    const lines = consoleLines();
    await expect(createWebhookNotifier({ url: CAPABILITY_HOOK, secret: SECRET, maxRetries: 0 })(event())).rejects.toThrow();
    expect(lines.warn()).toEqual([]);
  });

  it("logs nothing when the delivery succeeds", async () => {
    vi.stubEnv("MODELREG_LOG", undefined);
    receiver();
    const lines = consoleLines();
    await createWebhookNotifier({ url: HOOK, secret: SECRET })(event());
    expect(lines.warn()).toEqual([]);
  });
});
