import { describe, expect, it } from "vitest";
import { transferProgress } from "../../src/artifacts/progress.js";
import type { TransferProgress } from "modelreg";
import { mapLimit } from "../../src/core/concurrency.js";
import { DEFAULT_TRANSFER_CONCURRENCY, SMALL_FILES_CONCURRENCY, transferConcurrency } from "../../src/core/options.js";

describe("mapLimit", () => {
  it("keeps order and never runs more than the limit at once", async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it("starts nothing new after a failure and throws the first error", async () => {
    const started: number[] = [];
    const error = await mapLimit([1, 2, 3, 4, 5], 1, async (n) => {
      started.push(n);
      if (n === 2) throw new Error(`failed ${n}`);
      return n;
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe("failed 2");
    expect(started).toEqual([1, 2]);
  });
});

describe("transferProgress", () => {
  it("counts per file and in total, and does not count a retried file twice", () => {
    const seen: TransferProgress[] = [];
    const progress = transferProgress(
      [
        { path: "a", size: 10 },
        { path: "b", size: 5 },
      ],
      (p) => seen.push(p),
    );
    const a = progress({ path: "a", size: 10 });
    a(6);
    a(3); // the upload of a restarted
    a(10);
    progress({ path: "b", size: 5 })(5);
    expect(seen.map((p) => p.transferredBytes)).toEqual([6, 6, 10, 15]);
    expect(seen.at(-1)).toEqual({ path: "b", fileBytes: 5, fileSize: 5, transferredBytes: 15, totalBytes: 15 });
  });
});

describe("transferConcurrency", () => {
  const kib = (n: number) => ({ size: n * 1024 });
  it("takes the caller's number, 16 for files known to be small, and 8 otherwise", () => {
    expect(transferConcurrency(3, [kib(1)])).toBe(3);
    expect(
      transferConcurrency(
        undefined,
        Array.from({ length: 1000 }, () => kib(100)),
      ),
    ).toBe(SMALL_FILES_CONCURRENCY);
    expect(transferConcurrency(undefined, [kib(100), { size: undefined }])).toBe(DEFAULT_TRANSFER_CONCURRENCY);
    expect(transferConcurrency(undefined, [kib(100), kib(4 * 1024)])).toBe(DEFAULT_TRANSFER_CONCURRENCY);
    expect(transferConcurrency(undefined, [])).toBe(DEFAULT_TRANSFER_CONCURRENCY);
    expect([SMALL_FILES_CONCURRENCY, DEFAULT_TRANSFER_CONCURRENCY]).toEqual([16, 8]);
  });
});
