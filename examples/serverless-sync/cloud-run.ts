// Google Cloud Run functions entry (HTTP trigger, called by Cloud Scheduler): deploy with
// `--entry-point=syncHttp`. Answers 200 with the report, or 500 with it when a version failed.
import { handler, type ScheduledSyncEvent } from "./handler.js";

/** The parts of the functions framework's request and response this needs. */
interface Request {
  body?: unknown;
}
interface Response {
  status(code: number): { json(body: unknown): void };
}

export async function syncHttp(req: Request, res: Response): Promise<void> {
  const body = (typeof req.body === "object" && req.body !== null ? req.body : {}) as ScheduledSyncEvent;
  try {
    const report = await handler({
      ...(Array.isArray(body.models) && { models: body.models }),
      ...(typeof body.dryRun === "boolean" && { dryRun: body.dryRun }),
    });
    res.status(report.failures.length > 0 ? 500 : 200).json(report);
  } catch (error) {
    res.status(500).json({ error: error instanceof Error ? error.message : String(error) });
  }
}
