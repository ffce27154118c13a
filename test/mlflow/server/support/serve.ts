// Runs one MLflow server until SIGTERM or SIGINT, for runs that share it (CI's MLflow contract on Node 22 and 24:
// starting a 3.x server costs about 17 s of CPU, so the second start was time taken from the other lane).
// Usage: node --import tsx test/mlflow/server/support/serve.ts <version> <file>: writes the URL to <file> once the
// server answers; point the suite at it with MODELREG_MLFLOW_URI.
import { rename, writeFile } from "node:fs/promises";
import { startMlflowServer } from "./mlflow-server.js";

// Read first: once the server is up, a parent that died during its start-up would already be gone from ppid.
const parent = process.ppid;
const [version, urlFile] = process.argv.slice(2);
if (!version || !urlFile) {
  console.error("usage: serve.ts <mlflow version> <file to write the URL to>");
  process.exit(2);
}
const server = await startMlflowServer(version);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// A CI lane killed on a failure elsewhere may not signal us: outliving the shell that started us means stopping.
setInterval(() => {
  if (process.ppid !== parent) void stop();
}, 2_000).unref();
// Written last, and whole: a reader that sees the file sees a server that answers.
await writeFile(`${urlFile}.tmp`, server.url);
await rename(`${urlFile}.tmp`, urlFile);
console.log(`mlflow ${version} at ${server.url}`);
