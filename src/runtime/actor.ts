/**
 * Who is acting, for audit trails and events, in Node.
 *
 * @module
 */

import { nodeOs } from "./builtins.js";

/** The call's actor, else the client's, else the OS user name, else `unknown`. */
export function resolveActor(callActor: string | undefined, clientActor: string | undefined): string {
  if (callActor) return callActor;
  if (clientActor) return clientActor;
  try {
    return nodeOs().userInfo().username || "unknown";
  } catch {
    // No passwd entry (some containers): still record something.
    return "unknown";
  }
}
