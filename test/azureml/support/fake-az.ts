// A fake Azure CLI for @azure/identity's AzureCliCredential: an `az` executable in a folder of its own (put first on
// PATH) that records its arguments and prints what `az account get-access-token --output json --resource <resource>`
// prints, or fails the way az does when nobody is logged in. AzureCliCredential runs it through the shell
// (`child_process.exec("az account get-access-token ...")`), so it is found exactly as the real one would be.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/** What the fake prints next. */
export type FakeAzAnswer =
  | { kind: "token"; accessToken: string; expiresOnTimestamp: number }
  | { kind: "not-logged-in" }
  | { kind: "fails"; stderr: string; exitCode: number };

/** A fake `az` on disk. */
export interface FakeAz {
  /** The folder holding `az`; put it first on PATH. */
  dir: string;
  /** PATH with the fake first. */
  path: string;
  /** The arguments of every run so far, oldest first. */
  calls(): string[][];
  /** Sets what the next runs print. */
  answer(answer: FakeAzAnswer): void;
  /** Removes the folder. */
  remove(): void;
}

/** The subscription and tenant the fake reports, as az does beside the token. */
export const FAKE_AZ_ACCOUNT = { subscription: "00000000-1111-2222-3333-444444444444", tenant: "55555555-6666-7777-8888-999999999999" };

// The script az runs. Node, since the tests have it; the shebang finds it on PATH as the shell would.
const SCRIPT = `#!/usr/bin/env node
const { appendFileSync, readFileSync } = require("node:fs");
const { join } = require("node:path");
appendFileSync(join(__dirname, "calls.jsonl"), JSON.stringify(process.argv.slice(2)) + "\\n");
const answer = JSON.parse(readFileSync(join(__dirname, "answer.json"), "utf8"));
if (answer.stdout) process.stdout.write(answer.stdout);
if (answer.stderr) process.stderr.write(answer.stderr);
process.exitCode = answer.exitCode;
`;

/** az's local-time `expiresOn` ("2025-12-06 05:41:19.000000"), which it prints beside the epoch `expires_on`. */
function localTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.000000`;
}

/** Writes a fake `az` into a fresh folder. */
export function createFakeAz(): FakeAz {
  const dir = mkdtempSync(join(tmpdir(), "modelreg-fake-az-"));
  const script = join(dir, "az");
  writeFileSync(script, SCRIPT);
  chmodSync(script, 0o755);
  writeFileSync(join(dir, "calls.jsonl"), "");
  const fake: FakeAz = {
    dir,
    path: `${dir}${delimiter}${process.env.PATH ?? ""}`,
    calls: () =>
      readFileSync(join(dir, "calls.jsonl"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as string[]),
    answer(answer) {
      let out: { stdout?: string; stderr?: string; exitCode: number };
      if (answer.kind === "token") {
        // The fields and layout of az 2.x's output.
        const body = {
          accessToken: answer.accessToken,
          expiresOn: localTime(answer.expiresOnTimestamp),
          expires_on: Math.floor(answer.expiresOnTimestamp / 1000),
          subscription: FAKE_AZ_ACCOUNT.subscription,
          tenant: FAKE_AZ_ACCOUNT.tenant,
          tokenType: "Bearer",
        };
        out = { stdout: `${JSON.stringify(body, null, 2)}\n`, exitCode: 0 };
      } else if (answer.kind === "not-logged-in") {
        out = { stderr: "ERROR: Please run 'az login' to setup account.\n", exitCode: 1 };
      } else out = { stderr: answer.stderr, exitCode: answer.exitCode };
      writeFileSync(join(dir, "answer.json"), JSON.stringify(out));
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  fake.answer({ kind: "not-logged-in" });
  return fake;
}
