// A writer frozen for longer than staleLockMs loses its model lock to a waiter; it must then not commit, or both
// would claim the same version number (seen once in CI on a machine running two CI runs at once).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { withLock } from "../../src/adapters/local/local-lock.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("model lock takeover", () => {
  it("tells a holder frozen past staleMs that its lock is gone, and leaves the new holder's lock in place", async () => {
    const dir = await mkdtemp(join(tmpdir(), "modelreg-lock-"));
    dirs.push(dir);
    const file = join(dir, "model.lock");
    const options = { timeoutMs: 5_000, staleMs: 200, operation: "test", what: "model", tmp: dir };
    let second: Promise<boolean> | undefined;
    const firstHeld = await withLock(file, options, async (held) => {
      expect(await held()).toBe(true);
      // Freeze the heartbeat's effect by waiting while another waiter breaks the lock: a stall, as a starved process has.
      const { utimes } = await import("node:fs/promises");
      await utimes(file, new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
      second = withLock(file, options, async (held2) => {
        await new Promise((r) => setTimeout(r, 100));
        return held2();
      });
      await new Promise((r) => setTimeout(r, 50));
      return held();
    });
    expect(firstHeld).toBe(false);
    expect(await second).toBe(true);
  });
});
