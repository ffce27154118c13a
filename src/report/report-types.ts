/**
 * What the report is made of: {@link ReportData}, which {@link collectReport} reads from a registry and
 * {@link renderReport} turns into HTML, and the options of both. The two steps are apart so that a report can be
 * rendered from data gathered elsewhere (a test, a sync job that already holds the versions) without a registry.
 *
 * @module
 */

import type { RegistryEvent } from "../core/events.js";
import type { CallOptions } from "../core/options.js";
import type { ModelVersion, RegisteredModel } from "../core/types.js";

/** A registered model as the report keeps it: without the provider's raw record, which the page never shows. */
export type ReportModel = Omit<RegisteredModel, "raw">;

/** A version as the report keeps it: without the provider's raw record. */
export type ReportVersion = Omit<ModelVersion, "raw">;

/** The model's audit trail, where the provider keeps one. */
export type ReportAudit =
  | {
      /** The provider keeps an audit trail (`capabilities.audit`). */
      kept: true;
      /** The newest events about the model, oldest first, at most `maxAuditEvents` of them. */
      events: RegistryEvent[];
      /** How many events about the model the trail holds in all. */
      total: number;
    }
  | {
      /** The provider keeps no audit trail: the page says so instead of showing an empty one. */
      kept: false;
    };

/** Everything a report shows, read once from a registry. */
export interface ReportData {
  /** The registry's provider: `local`, `mlflow`, `vertex`, `wandb`. */
  provider: string;
  /** The model. */
  model: ReportModel;
  /** Its versions, newest first (as `listVersions` returns them), at most `maxVersions` of them. */
  versions: ReportVersion[];
  /** The most versions read. */
  maxVersions: number;
  /** True when the model has more versions than `maxVersions`: the page says that only the newest are shown. */
  versionsCapped: boolean;
  /** The audit trail, or that there is none. */
  audit: ReportAudit;
  /** When the data was read. */
  generatedAt: Date;
}

/** Options for {@link collectReport}. The call options (`signal`, `timeoutMs`, ...) apply to every request it makes. */
export interface CollectReportOptions extends CallOptions {
  /** The most versions to read, newest first. Default 500. */
  maxVersions?: number;
  /** The most audit events to keep, the newest ones. Default 1000. */
  maxAuditEvents?: number;
  /** The time to stamp the report with. Default: now. */
  now?: Date;
}

/** Options for {@link renderReport}. */
export interface RenderReportOptions {
  /** The page title. Default: `<model> — model report`. */
  title?: string;
  /** The metric the chart shows first. Default: the metric most versions have (the first by name among equals). */
  metric?: string;
}
