// Headless Chromium for the tests that look at a page in a real browser (test/report/report-browser.test.ts): finding
// it, installing it once where that can be done (Debian, as root, through scripts/install-chromium.sh, which holds a
// lock so parallel test files and CI's background install never run apt-get twice), running it on a file, and reading
// the console messages it logs.
import { execFile } from "node:child_process";
import { access, constants, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
/** Debian's package puts its launcher here. MODELREG_CHROMIUM names another binary. */
const DEFAULT_PATH = "/usr/bin/chromium";
const INSTALL_HINT =
  "install it with `apt-get install -y --no-install-recommends chromium` as root (Debian/Ubuntu), or set MODELREG_CHROMIUM to a Chromium or Chrome binary";

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Why the browser tests cannot run on this platform, or undefined when they must. Only a platform other than Linux is
 * a reason: on Linux (CI, the dev containers) a missing Chromium is installed or the test fails, never skipped.
 */
export function chromiumSkipReason(): string | undefined {
  if (process.platform !== "linux" && process.env.MODELREG_CHROMIUM === undefined)
    return `the browser tests run on Linux with Debian's chromium (this is ${process.platform}); set MODELREG_CHROMIUM to a Chromium binary to run them here`;
  return undefined;
}

function run(file: string, args: string[], options: { timeoutMs: number }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(file, args, { timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
      done({ code, stdout, stderr: error && code === null ? `${stderr}\n${error.message}` : stderr });
    });
  });
}

let ensured: Promise<string> | undefined;

/**
 * The path of a Chromium binary, installing Debian's package first when it is missing and this process may (root,
 * apt-get). Throws, saying how to install it, when there is none afterwards.
 */
export function ensureChromium(): Promise<string> {
  ensured ??= (async () => {
    const wanted = process.env.MODELREG_CHROMIUM ?? DEFAULT_PATH;
    if (await executable(wanted)) return wanted;
    if (process.env.MODELREG_CHROMIUM !== undefined) throw new Error(`MODELREG_CHROMIUM=${wanted} is not an executable file`);
    let output = "";
    if (process.getuid?.() === 0 && (await executable("/usr/bin/apt-get"))) {
      console.log("chromium: not found, installing Debian's chromium (scripts/install-chromium.sh; once)");
      const install = await run("sh", [join(ROOT, "scripts", "install-chromium.sh")], { timeoutMs: 900_000 });
      output = `${install.stdout}\n${install.stderr}`.trim().split("\n").slice(-15).join("\n");
      if (await executable(DEFAULT_PATH)) return DEFAULT_PATH;
    }
    throw new Error(`no Chromium at ${DEFAULT_PATH}: ${INSTALL_HINT}${output ? `\nthe install said:\n${output}` : ""}`);
  })();
  // A failed attempt is not cached: the next test file tries again (and finds what a concurrent install left).
  ensured.catch(() => {
    ensured = undefined;
  });
  return ensured;
}

/**
 * The flags every run takes: headless, no sandbox (tests run as root in containers, where the sandbox cannot start),
 * nothing that talks to the network on its own, and page console messages logged to stderr.
 */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
  "--enable-logging=stderr",
  "--v=0",
  "--virtual-time-budget=5000",
];

/** What one Chromium run printed. */
export interface ChromiumRun {
  /** Exit code; null when it was killed (timed out). */
  code: number | null;
  /** `--dump-dom` writes the DOM here. */
  stdout: string;
  /** Chromium's log, console messages included. */
  stderr: string;
}

/** Runs headless Chromium on `url` with `extra` flags and a fresh profile, which is removed afterwards. */
export async function runChromium(binary: string, extra: string[], url: string): Promise<ChromiumRun> {
  const profile = await mkdtemp(join(tmpdir(), "modelreg-chromium-"));
  try {
    return await run(binary, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, ...extra, url], { timeoutMs: 90_000 });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/**
 * The page's console messages in Chromium's stderr log: every line of a `console.*` call, an uncaught exception
 * ("Uncaught ...") or a Content-Security-Policy violation (what the policy blocked). Chromium logs them all as
 * `[pid:tid:time:INFO:CONSOLE:line] "text", source: url (line)`, at INFO whatever the level (checked on Chromium 156:
 * console.log, console.warn, console.error and a throw all read INFO), so an error cannot be told from a log line
 * there. Every message counts: a page that must show no error logs nothing at all.
 */
export function consoleMessages(stderr: string): string[] {
  return stderr.split("\n").filter((line) => /\bCONSOLE\b/.test(line) || /\bUncaught\b/.test(line));
}
