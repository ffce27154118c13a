import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError, ServerError } from "../../src/core/errors.js";
import { stampEvent, type RegistryEvent } from "../../src/core/events.js";
import { createWebhookNotifier, signWebhookPayload, verifyWebhookSignature } from "../../src/lifecycle/index.js";
import { CANARY } from "../support/canary.js";

const HOOK = "https://hooks.example.test/models";
const SECRET: string = CANARY.webhookSecret;
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const event = (): RegistryEvent => stampEvent({ type: "stage.changed", model: "fraud", version: "3", stage: "production", from: "staging", to: "production" }, "local", "ann");

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
    expect(seen.map((d) => d.headers.get("x-modelreg-delivery"))).toEqual([seen[0]?.headers.get("x-modelreg-delivery"), seen[0]?.headers.get("x-modelreg-delivery")]);
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
