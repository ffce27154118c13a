// Run by azureml-auth.test.ts as a child process laid out like a user's project: this script bundled with the adapter's
// code (so nothing resolves back into the repository) into a folder whose node_modules holds @azure/identity 4.13.1,
// where the adapter's lazy import finds the peer as it would in a user's install. It asks twice for a token of the
// scope in argv and prints one JSON line: the token and whether the second answer was the same, or the error as its
// fields and every rendering of it (for the parent's leak check).
import { azureTokenSource } from "../../../src/adapters/azureml/azureml-auth.js";
import { renderEveryWay } from "../../support/canary.js";

const scope = process.argv[2] ?? "";
const source = azureTokenSource({}, scope);
try {
  const first = await source();
  const second = await source();
  process.stdout.write(`${JSON.stringify({ ok: true, token: first, same: first === second })}\n`);
} catch (error) {
  const e = error as { kind?: string; provider?: string; operation?: string; message?: string };
  process.stdout.write(
    `${JSON.stringify({ ok: false, kind: e.kind, provider: e.provider, operation: e.operation, message: e.message, rendered: renderEveryWay(error) })}\n`,
  );
}
