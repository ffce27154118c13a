// `modelreg report` in a process of its own, for the test that makes its write fail half way (a file-size limit):
// runs reportCommand on process.argv with the process's own streams and exits with its code.
import { reportCommand } from "../../../src/cli/cli-report.js";

try {
  process.exitCode = await reportCommand(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
} catch (error) {
  process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
  process.exitCode = 1;
}
