/**
 * Model reports: one self-contained HTML page about a model (its versions on a timeline, stages and aliases, a metrics
 * chart, the lineage graph, the model card and the audit trail). {@link collectReport} reads the data from any
 * registry; {@link renderReport} turns it into HTML. Neither touches the file system: `modelreg report` writes the file.
 *
 * @module
 */

export { collectReport, DEFAULT_MAX_AUDIT_EVENTS, DEFAULT_MAX_VERSIONS } from "./collect-report.js";
export { renderReport } from "./render-report.js";
export type { CollectReportOptions, RenderReportOptions, ReportAudit, ReportData, ReportModel, ReportVersion } from "./report-types.js";
