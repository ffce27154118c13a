// `modelreg report` through reportCommand, as the CLI runs it: the file it writes, its JSON line, refusing to replace a
// file without --force, usage errors, a registry that is not there, and a write that fails half way leaving nothing
// under the report's name (the page is written to a temporary file, then renamed).
import { execFile } from "node:child_process";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ConflictError, NotFoundError, StorageError } from "modelreg";
import { REPORT_USAGE, reportCommand } from "../../src/cli/cli-report.js";
import { UsageError } from "../../src/cli/cli-args.js";
import { runCli } from "../../src/cli/main.js";
import { io, tempDir } from "../cli/support/helpers.js";
import { childScript } from "../support/child-script.js";
import { seedReportRegistry } from "./support/report-fixture.js";

let uri: string;
beforeAll(async () => {
  const root = join(await tempDir("modelreg-report-cli-"), "registry");
  await seedReportRegistry(root);
  uri = `file:${root}`;
});

describe("modelreg report", () => {
  it("writes one HTML page and prints a JSON line saying where, leaving no temporary file", async () => {
    const out = await tempDir("modelreg-report-out-");
    const run = io();
    expect(await reportCommand([uri, "fraud", "-o", join(out, "report.html"), "--json"], run.io)).toBe(0);
    expect(run.lines()).toEqual([
      { type: "report", path: join(out, "report.html"), versions: 5, versionsCapped: false, audit: true, bytes: expect.any(Number) },
    ]);
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(Buffer.byteLength(html)).toBe(run.lines()[0]?.bytes);
    expect(await readdir(out)).toEqual(["report.html"]);
    // Plain output, with a path relative to the working directory and a cap.
    const plain = io();
    plain.io.cwd = out;
    expect(await reportCommand([uri, "fraud", "--output", "small.html", "--max-versions", "2"], plain.io)).toBe(0);
    expect(plain.out()).toMatch(new RegExp(`^wrote ${join(out, "small.html")}: 2 versions \\(the newest 2; the model has more\\), \\d+\\.\\d KiB\\n$`));
    expect(await readFile(join(out, "small.html"), "utf8")).toContain("the report shows the newest 2");
  });

  it("refuses to replace an existing file unless --force, and leaves it as it was", async () => {
    const out = await tempDir("modelreg-report-out-");
    const path = join(out, "report.html");
    await writeFile(path, "keep me");
    await expect(reportCommand([uri, "fraud", "-o", path], io().io)).rejects.toThrow(ConflictError);
    await expect(reportCommand([uri, "fraud", "-o", path], io().io)).rejects.toThrow(/already exists; pass --force/);
    expect(await readFile(path, "utf8")).toBe("keep me");
    expect(await readdir(out)).toEqual(["report.html"]);
    // Refused before any request: a registry that is not there is not even looked at.
    await expect(reportCommand([`file:${join(out, "no-registry")}`, "fraud", "-o", path], io().io)).rejects.toThrow(ConflictError);
    expect(await reportCommand([uri, "fraud", "-o", path, "--force"], io().io)).toBe(0);
    expect(await readFile(path, "utf8")).toMatch(/^<!DOCTYPE html>/);
    expect(await readdir(out)).toEqual(["report.html"]);
  });

  it("of two reports started at once for the same new file, one writes it and the other refuses, without --force", async () => {
    const out = await tempDir("modelreg-report-out-");
    const path = join(out, "report.html");
    // Both pass the early check (the file is not there yet); the page is put in place with link(), which fails when
    // the name was taken meanwhile, where a rename would silently replace the first report with the second.
    const results = await Promise.allSettled([
      reportCommand([uri, "fraud", "-o", path], io().io),
      reportCommand([uri, "fraud", "-o", path, "--max-versions", "1"], io().io),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(ConflictError.isInstance(refused.reason)).toBe(true);
    const html = await readFile(path, "utf8");
    const winner = results[0]?.status === "fulfilled" ? 5 : 1;
    expect(html).toContain(`${winner} version${winner === 1 ? "" : "s"} · generated`);
    expect(await readdir(out)).toEqual(["report.html"]);
  });

  it("runs as `modelreg report` with the CLI's exit codes: 0 written, 1 refused to replace, 2 usage", async () => {
    const out = await tempDir("modelreg-report-out-");
    const path = join(out, "report.html");
    const run = io();
    expect(await runCli(["report", uri, "fraud", "-o", path, "--json"], run.io)).toBe(0);
    expect(run.lines()).toEqual([expect.objectContaining({ type: "report", path, versions: 5 })]);
    const again = io();
    expect(await runCli(["report", uri, "fraud", "-o", path, "--json"], again.io)).toBe(1);
    expect(again.lines()).toEqual([expect.objectContaining({ type: "error", usage: false, error: expect.objectContaining({ name: "ConflictError" }) })]);
    const usage = io();
    expect(await runCli(["report", uri, "fraud"], usage.io)).toBe(2);
    expect(usage.err()).toContain("report needs --output (-o) FILE");
    const help = io();
    expect(await runCli(["--help"], help.io)).toBe(0);
    expect(help.out()).toContain(REPORT_USAGE);
  });

  it("refuses bad usage, and a registry that is not there without creating one", async () => {
    for (const argv of [
      [uri],
      [uri, "fraud"],
      [uri, "fraud", "extra", "-o", "x.html"],
      [uri, "fraud", "-o", "x.html", "--max-versions", "0"],
      [uri, "fraud", "-o", "x.html", "--max-versions", "many"],
    ]) {
      await expect(reportCommand(argv, io().io), argv.join(" ")).rejects.toThrow(UsageError);
    }
    await expect(reportCommand([uri, "fraud", "-o", "x.html", "--bogus"], io().io)).rejects.toMatchObject({ code: "ERR_PARSE_ARGS_UNKNOWN_OPTION" });
    const empty = await tempDir("modelreg-report-none-");
    const out = await tempDir("modelreg-report-out-");
    await expect(reportCommand([`file:${join(empty, "nothing")}`, "fraud", "-o", join(out, "r.html")], io().io)).rejects.toThrow(NotFoundError);
    expect(await readdir(empty)).toEqual([]);
    await expect(reportCommand([uri, "no-such-model", "-o", join(out, "r.html")], io().io)).rejects.toThrow(NotFoundError);
    expect(await readdir(out)).toEqual([]);
    // A directory that is not there is the file system's answer, typed.
    await expect(reportCommand([uri, "fraud", "-o", join(out, "missing", "r.html")], io().io)).rejects.toThrow(StorageError);
    expect(REPORT_USAGE).toMatch(/^ {2}report <uri> <model> -o FILE/);
    expect(REPORT_USAGE).toContain("--force");
    expect(REPORT_USAGE).toContain("--max-versions N");
  });

  it("leaves nothing under the report's name when the write fails half way (a file-size limit in a child process)", async () => {
    const script = await childScript(new URL("./support/report-child.ts", import.meta.url));
    const out = await tempDir("modelreg-report-out-");
    const limited = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((done) => {
        // ulimit -f 8: 4 KiB in sh's 512-byte blocks, a tenth of the page. Node ignores SIGXFSZ, so the write past it
        // fails with EFBIG instead of killing the process.
        execFile("sh", ["-c", 'ulimit -f 8 && exec "$@"', "sh", process.execPath, script, ...args], (error, _stdout, stderr) =>
          done({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stderr }),
        );
      });
    const fresh = await limited([uri, "fraud", "-o", join(out, "report.html")]);
    expect(fresh.code, fresh.stderr).toBe(1);
    expect(fresh.stderr).toMatch(/StorageError: .*EFBIG/);
    expect(await readdir(out)).toEqual([]);
    // With --force over an older report, the older one stays whole.
    await writeFile(join(out, "report.html"), "the previous report");
    const replacing = await limited([uri, "fraud", "-o", join(out, "report.html"), "--force"]);
    expect(replacing.code, replacing.stderr).toBe(1);
    expect(await readFile(join(out, "report.html"), "utf8")).toBe("the previous report");
    expect(await readdir(out)).toEqual(["report.html"]);
    // Without the limit the same child writes it (so the failure above was the limit's).
    const free = await new Promise<number | null>((done) =>
      execFile(process.execPath, [script, uri, "fraud", "-o", join(out, "report.html"), "--force"], (error) => done(error ? 1 : 0)),
    );
    expect(free).toBe(0);
    expect((await stat(join(out, "report.html"))).size).toBeGreaterThan(8 * 512);
  });
});
