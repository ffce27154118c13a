// AWS Lambda entry, for an EventBridge schedule: `handler` in the bundle built by build.mjs.
// A run with failed versions throws after logging its report, so Lambda counts it as an error (and alarms fire);
// the versions that did copy stay copied, and the next run picks up the rest.
import { handler as sync, type ScheduledSyncEvent, type ScheduledSyncReport } from "./handler.js";

export async function handler(event: ScheduledSyncEvent & Record<string, unknown> = {}): Promise<ScheduledSyncReport> {
  const report = await sync({
    ...(Array.isArray(event.models) && { models: event.models }),
    ...(typeof event.dryRun === "boolean" && { dryRun: event.dryRun }),
  });
  console.log(JSON.stringify({ sync: "report", ...report }));
  if (report.failures.length > 0) throw new Error(`${report.failures.length} version(s) failed to sync; see the report above`);
  return report;
}
