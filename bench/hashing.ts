// Hashing a 1 GiB file through modelreg's artifact walker (which computes sha256 and md5 in one pass, as every
// adapter needs one or both) against coreutils' sha256sum and md5sum run one after the other over the same file.
// The file is read once before timing, so every side reads from the page cache.
import { digestStream } from "../src/artifacts/hashing.js";
import { resolveArtifactSource } from "../src/artifacts/resolve-source.js";
import type { Bench } from "./bench-types.js";
import { median } from "./bench-types.js";
import { GiB, MiB, dataFile, rate, run, timed } from "./bench-support.js";

export const runHashing: Bench = async ({ quick }) => {
  const size = quick ? 256 * MiB : GiB;
  const file = await dataFile(quick ? "256m.bin" : "1g.bin", size);
  await run("cat", [file]).catch(() => undefined);
  const rounds = quick ? 1 : 3;
  const ours: number[] = [];
  const sha: number[] = [];
  const md5: number[] = [];
  let digests = { sha256: "", md5: "" };
  for (let i = 0; i < rounds; i++) {
    ours.push(
      await timed(async () => {
        const [entry] = await resolveArtifactSource({ files: [file] }, { provider: "bench", operation: "hash" });
        const d = await digestStream((entry as { open(): AsyncIterable<Uint8Array> }).open());
        digests = { sha256: d.sha256, md5: Buffer.from(d.md5, "base64").toString("hex") };
      }),
    );
    let sumOut = "";
    sha.push(await timed(async () => (sumOut = await run("sha256sum", [file]))));
    if (!sumOut.startsWith(digests.sha256)) throw new Error("sha256sum and modelreg disagree");
    md5.push(await timed(async () => (sumOut = await run("md5sum", [file]))));
    if (!sumOut.startsWith(digests.md5)) throw new Error("md5sum and modelreg disagree");
  }
  const oursMs = median(ours);
  const refMs = median(sha) + median(md5);
  const label = quick ? "256 MiB" : "1 GiB";
  return {
    title: "Hashing",
    method: `sha256 and md5 of a ${label} file, median of ${rounds} rounds, from the page cache. modelreg's walker computes both in one pass; the reference is sha256sum followed by md5sum. Both agree on the digests.`,
    rows: [
      {
        case: `sha256 + md5 of ${label}`,
        ours: rate(size, oursMs),
        reference: rate(size, refMs),
        referenceName: "sha256sum + md5sum",
        ratio: refMs / oursMs,
        goal: ">= 0.8 of sha256sum + md5sum",
        met: refMs / oursMs >= 0.8,
        note: `sha256sum alone ${rate(size, median(sha))}, md5sum alone ${rate(size, median(md5))}`,
      },
    ],
  };
};
