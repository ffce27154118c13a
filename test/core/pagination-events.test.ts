import { describe, expect, it } from "vitest";
import { AbortedError, ResponseValidationError, type RegistryEvent } from "modelreg";
import { RegistryEventBus, paginate, stampEvent } from "modelreg/adapter";

function pagesOf(items: number[], size: number) {
  const calls: Array<string | undefined> = [];
  const iterable = paginate<number>(
    async (token) => {
      calls.push(token);
      const start = token ? Number(token) : 0;
      const next = start + size;
      return { items: items.slice(start, next), ...(next < items.length ? { nextPageToken: String(next) } : {}) };
    },
    { provider: "test", operation: "list" },
  );
  return { iterable, calls };
}

describe("paginate", () => {
  it("iterates items across pages lazily", async () => {
    const { iterable, calls } = pagesOf([1, 2, 3, 4, 5], 2);
    expect(calls).toEqual([]);
    const seen: number[] = [];
    for await (const item of iterable) seen.push(item);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(calls).toEqual([undefined, "2", "4"]);
  });

  it("exposes pages with their tokens", async () => {
    const { iterable } = pagesOf([1, 2, 3], 2);
    const pages = [];
    for await (const page of iterable.pages()) pages.push(page);
    expect(pages).toEqual([{ items: [1, 2], nextPageToken: "2" }, { items: [3] }]);
    expect(await iterable.toArray()).toEqual([1, 2, 3]);
  });

  it("checks the signal between pages", async () => {
    const controller = new AbortController();
    const iterable = paginate<number>(async (token) => ({ items: [1], nextPageToken: String(Number(token ?? 0) + 1) }), {
      provider: "test",
      operation: "list",
      signal: controller.signal,
    });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const item of iterable) {
          seen.push(item);
          if (seen.length === 3) controller.abort();
        }
      })(),
    ).rejects.toSatisfy((e) => AbortedError.isInstance(e));
    expect(seen).toHaveLength(3);
  });

  it("stops on a repeated page token instead of looping", async () => {
    const iterable = paginate<number>(async () => ({ items: [1], nextPageToken: "same" }), { provider: "test", operation: "list" });
    await expect(iterable.toArray()).rejects.toSatisfy((e) => ResponseValidationError.isInstance(e));
  });
});

describe("RegistryEventBus", () => {
  it("delivers to subscribers, isolates listener failures, and unsubscribes", async () => {
    const failures: unknown[] = [];
    const bus = new RegistryEventBus((error) => failures.push(error));
    const got: RegistryEvent[] = [];
    const off = bus.subscribe((e) => {
      got.push(e);
    });
    bus.subscribe(async () => {
      throw new Error("webhook down");
    });
    const event = stampEvent({ type: "alias.set", model: "m", alias: "champion", from: "1", to: "2" }, "local", "alice");
    await bus.emit(event);
    expect(got).toEqual([event]);
    expect(event).toMatchObject({ provider: "local", actor: "alice", type: "alias.set", from: "1", to: "2" });
    expect(Number.isNaN(Date.parse(event.at))).toBe(false);
    expect(failures).toHaveLength(1);
    off();
    await bus.emit(event);
    expect(got).toHaveLength(1);
  });
});
