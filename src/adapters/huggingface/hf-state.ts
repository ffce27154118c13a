/**
 * Changing `state.json` on the state branch: read it at the branch's head, change it, commit it with that head as
 * `parentCommit`. When another writer got there first the Hub answers 412, and the change is made again on what they
 * wrote, so no writer's change is lost. The branch is created empty (`emptyBranch`) the first time, so it shares no
 * files with `main` and official clients never download it by accident.
 *
 * @module
 */

import { ConflictError, ModelRegistryError } from "../../core/errors.js";
import { nodeCrypto } from "../../runtime/builtins.js";
import type { CallOptions } from "../../core/options.js";
import { callOptions } from "../../http/call-options.js";
import { commit } from "./hf-commit.js";
import { STATE_BRANCH } from "./hf-names.js";
import { type HubState, readState, STATE_FILE } from "./hf-records.js";
import { findCommitWithLine, readRefs, type RepoRefs } from "./hf-refs.js";
import type { HubTransport } from "./hf-transport.js";
import { PROVIDER } from "./hf-transport.js";

/** Attempts before a state change gives up to a stream of concurrent writers. */
const ATTEMPTS = 6;

/** Creates the empty state branch; another writer creating it at the same moment is fine. */
async function createStateBranch(t: HubTransport, model: string, operation: string, options: CallOptions | undefined): Promise<void> {
  try {
    await t.http.request({
      operation,
      method: "POST",
      path: `${t.api(model)}/branch/${STATE_BRANCH}`,
      json: { emptyBranch: true },
      idempotent: true,
      responseType: "none",
      ...callOptions(options),
    });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
}

/**
 * Applies `change` to the state and commits it. `change` runs again on a fresh read after a conflict, so it must
 * decide from what it is given; it returns a one-line summary for the commit, or `undefined` when nothing changes
 * (then nothing is committed). Returns the state as committed, and the refs it was decided on.
 */
export async function changeState(
  t: HubTransport,
  model: string,
  change: (state: HubState, refs: RepoRefs) => string | undefined,
  operation: string,
  options: CallOptions | undefined,
): Promise<{ state: HubState; refs: RepoRefs; changed: boolean }> {
  for (let attempt = 1; ; attempt++) {
    let refs = await readRefs(t, model, operation, options);
    if (!refs.branches.has(STATE_BRANCH)) {
      await createStateBranch(t, model, operation, options);
      refs = await readRefs(t, model, operation, options);
    }
    const head = refs.branches.get(STATE_BRANCH);
    const state = await readState(t, model, head, operation, options);
    const summary = change(state, refs);
    if (summary === undefined) return { state, refs, changed: false };
    const bytes = Buffer.from(`${JSON.stringify(state, null, 2)}\n`);
    // Names this change in its commit, so a change whose answer was lost can be told from someone else's.
    const token = `modelreg-change: ${nodeCrypto().randomUUID()}`;
    try {
      await commit(
        t,
        model,
        STATE_BRANCH,
        { summary: `modelreg: ${summary}`, description: token, parentCommit: head },
        [
          {
            kind: "file",
            path: STATE_FILE,
            size: bytes.byteLength,
            open: async function* () {
              yield bytes;
            },
          },
        ],
        operation,
        options,
      );
      return { state, refs, changed: true };
    } catch (error) {
      // 412: the branch moved since it was read. Read again and redo the change on top.
      if (error instanceof ConflictError && attempt < ATTEMPTS) continue;
      // No answer: the change is made if the branch's newest commits carry its token; if not, it is made again on a
      // fresh read (a resend on the same parent could land only once anyway).
      if (ModelRegistryError.isInstance(error) && error.isRetryable && !options?.signal?.aborted) {
        const landed = await findCommitWithLine(t, model, STATE_BRANCH, token, { limit: 10, pages: 1 }, operation, options).catch(() => undefined);
        if (landed !== undefined) return { state, refs, changed: true };
        if (attempt < ATTEMPTS) continue;
      }
      if (error instanceof ConflictError)
        throw new ConflictError(`the state of ${t.repoId(model)} kept changing under ${ATTEMPTS} attempts; try again`, {
          provider: PROVIDER,
          operation,
          cause: error,
        });
      throw error;
    }
  }
}
