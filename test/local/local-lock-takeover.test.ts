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
      const { utimes } = await import("node:fs/promises");
      let taken = false;
      let checked: () => void = () => {};
      const firstChecked = new Promise<void>((resolve) => (checked = resolve));
      second = withLock(file, options, async (held2) => {
        taken = true;
        await firstChecked;
        return held2();
      });
      // A frozen holder's heartbeat does not run; this one's does (every staleMs / 3), so the lock is aged again and
      // again until the waiter has taken it. Waiting a fixed 50 ms instead failed on a loaded CI machine.
      while (!taken) {
        await utimes(file, new Date(Date.now() - 10_000), new Date(Date.now() - 10_000)).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 5));
      }
      const stillMine = await held();
      checked();
      return stillMine;
    });
    expect(firstHeld).toBe(false);
    expect(await second).toBe(true);
  });
});
