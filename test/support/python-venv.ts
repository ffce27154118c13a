// Installs pinned Python packages from PyPI (MLflow, the providers' official clients) into project-local virtualenvs
// (.venv/<name>/, ignored by git), once each. uv does the installs: MLflow installs in seconds where pip takes minutes.
import { execFile } from "node:child_process";
import { access, mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const VENVS = join(ROOT, ".venv");

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function sh(file: string, args: string[], what: string): Promise<void> {
  try {
    await run(file, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${what} failed: ${e.stderr?.slice(-2000) || e.message}`);
  }
}

/**
 * The environment for the Python processes the tests start (servers, MLflow's client), with bytecode caching on.
 * uv installs without .pyc files, and where PYTHONDONTWRITEBYTECODE is set (as in many CI images) every process
 * compiled MLflow, SQLAlchemy and pandas from source again: a 3.x server took 26 s of CPU to start instead of 11 once
 * the first one has written the cache, and each Python client 4 s more. The cache lands in this project's .venv/.
 */
export function pythonEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONDONTWRITEBYTECODE: undefined, ...extra };
}

/**
 * Returns the Python of the virtualenv `.venv/<name>` holding `packages` (pip requirement strings), installing it when
 * missing. A virtualenv is complete once its marker is written, so one cut off half way is installed again.
 */
export async function ensureVenv(name: string, packages: readonly string[]): Promise<{ python: string; bin: string }> {
  const venv = join(VENVS, name);
  const bin = join(venv, "bin");
  const python = join(bin, "python");
  const done = join(venv, ".modelreg-installed");
  if (await exists(done)) return { python, bin };
  const hostPython = process.env.MODELREG_PYTHON ?? "python3";
  const tools = join(VENVS, "tools");
  const uv = join(tools, "bin", "uv");
  await mkdir(VENVS, { recursive: true });
  if (!(await exists(uv))) {
    await sh(hostPython, ["-m", "venv", tools], "creating the tools virtualenv");
    await sh(join(tools, "bin", "pip"), ["install", "--quiet", "uv==0.13.9"], "installing uv");
  }
  await rm(venv, { recursive: true, force: true });
  await sh(uv, ["venv", "--quiet", "--python", hostPython, venv], `creating the ${name} virtualenv`);
  await sh(uv, ["pip", "install", "--quiet", "--python", python, ...packages], `installing ${packages.join(" ")}`);
  await sh("touch", [done], "marking the virtualenv complete");
  return { python, bin };
}

/** Returns the paths of `mlflow` and `python` in a virtualenv holding exactly `mlflow==version`, installing it when missing. */
export async function ensureMlflow(version: string): Promise<{ mlflow: string; python: string }> {
  // MLflow 2.x does not cap SQLAlchemy, and SQLAlchemy 2.1 removed a pool class 2.x imports at start-up.
  const pins = version.startsWith("2.") ? ["sqlalchemy<2.1"] : [];
  const { python, bin } = await ensureVenv(`mlflow-${version}`, [`mlflow==${version}`, ...pins]);
  return { mlflow: join(bin, "mlflow"), python };
}
