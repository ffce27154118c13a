/**
 * The CLI's commands about one version: `show` (everything known about it), `card` (its model card as Markdown),
 * `diff` (two versions side by side) and `put` (register a version from a shell step).
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { renderModelCard } from "../cards/render-model-card.js";
import { toStorageError } from "../runtime/system-error.js";
import { APPROVALS_TAG } from "../core/approvals-tag.js";
import { formatRef, parseRef } from "../core/refs.js";
import type { ArtifactFile, ModelVersion } from "../core/types.js";
import { keyValues, metricValues, openCliRegistry, positionals, UsageError, versionJson } from "./cli-args.js";
import { formatMetric } from "./cli-commands.js";
import { formatBytes, jsonLine, type CliIo } from "./cli-output.js";

/** `modelreg show <uri> <ref> [--json]`: one version, its files with sizes and digests included. */
export async function showCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals: args } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: "boolean" } } });
  const [uri, refText] = positionals(args, 2, 2, "show <uri> <model>/<version>|<model>@<alias>");
  const ref = parseRef(refText as string, "show");
  const registry = await openCliRegistry(uri as string, io, "show", true);
  const version = await registry.getVersion(ref);
  const files = await registry.listArtifacts({ model: version.model, version: version.version });
  if (values.json) {
    jsonLine(io.stdout, { type: "version", ...versionJson(version), files });
    return 0;
  }
  io.stdout.write(describeVersion(version, files));
  return 0;
}

/** The text `show` prints: what a reviewer looks for first (stage, aliases, metrics), then the rest. */
function describeVersion(v: ModelVersion, files: ArtifactFile[]): string {
  const lines: string[] = [`${v.model}/${v.version}`];
  const field = (name: string, value: string) => lines.push(`  ${`${name}:`.padEnd(13)}${value}`);
  field("stage", v.stage);
  field("aliases", v.aliases.length > 0 ? v.aliases.join(", ") : "(none)");
  field("created", `${v.createdAt.toISOString()}${v.createdBy ? ` by ${v.createdBy}` : ""}`);
  if (v.updatedAt.getTime() !== v.createdAt.getTime()) field("updated", v.updatedAt.toISOString());
  if (v.description) field("description", v.description);
  if (v.artifacts.digest) field("digest", v.artifacts.digest);
  const section = (title: string, rows: Array<[string, string]>) => {
    if (rows.length === 0) return;
    lines.push(`${title}:`);
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, value] of rows) lines.push(`  ${k.padEnd(width)}  ${value}`);
  };
  section(
    "metrics",
    Object.keys(v.metrics)
      .sort()
      .map((k) => [k, formatMetric(v.metrics[k] as number)]),
  );
  section(
    "params",
    Object.keys(v.params)
      .sort()
      .map((k) => [k, v.params[k] as string]),
  );
  section(
    "tags",
    Object.keys(v.tags)
      .filter((k) => k !== APPROVALS_TAG)
      .sort()
      .map((k) => [k, v.tags[k] as string]),
  );
  const l = v.lineage;
  section("lineage", [
    ...(l.codeRepository ? [["code repository", l.codeRepository] as [string, string]] : []),
    ...(l.codeCommit ? [["code commit", l.codeCommit] as [string, string]] : []),
    ...(l.sourceRun ? [["source run", l.sourceRun] as [string, string]] : []),
    ...(l.parentVersion ? [["parent version", l.parentVersion] as [string, string]] : []),
    ...(l.dataSnapshots ?? []).map((d) => ["data", `${d.uri}${d.role ? ` (${d.role})` : ""}${d.digest ? ` ${d.digest}` : ""}`] as [string, string]),
    ...(l.syncedFrom ? [["copied from", `${l.syncedFrom.registry} ${l.syncedFrom.model}/${l.syncedFrom.version}`] as [string, string]] : []),
  ]);
  if (v.signature) {
    const fieldText = (f: { name?: string; type: string; dtype?: string; shape?: number[] }) =>
      `${f.name ?? "(unnamed)"}: ${f.type}${f.dtype ? `<${f.dtype}>` : ""}${f.shape ? ` [${f.shape.join(", ")}]` : ""}`;
    section("signature", [
      ["inputs", v.signature.inputs.map(fieldText).join(", ")],
      ...(v.signature.outputs ? [["outputs", v.signature.outputs.map(fieldText).join(", ")] as [string, string]] : []),
    ]);
  }
  if (v.modelCard) {
    const c = v.modelCard;
    section("model card", [
      ...(c.summary ? [["summary", oneLine(c.summary)] as [string, string]] : []),
      ...(c.intendedUse ? [["intended use", oneLine(c.intendedUse)] as [string, string]] : []),
      ...(c.limitations ? [["limitations", oneLine(c.limitations)] as [string, string]] : []),
      ...(c.owners?.length ? [["owners", c.owners.join(", ")] as [string, string]] : []),
      ...(c.fairness?.length ? [["fairness", `${c.fairness.length} slices`] as [string, string]] : []),
      ["whole card", `modelreg card <uri> ${formatRef({ model: v.model, version: v.version })}`],
    ]);
  }
  section(
    "approvals",
    (v.approvals ?? []).map((a) => [a.by, `${a.role ? `${a.role}, ` : ""}${a.at}${a.comment ? `: ${a.comment}` : ""}`]),
  );
  lines.push(`files (${files.length}, ${formatBytes(files.reduce((n, f) => n + (f.size ?? 0), 0))}):`);
  for (const f of files)
    lines.push(
      `  ${f.path}  ${f.size === undefined ? "size unknown" : formatBytes(f.size)}${f.sha256 ? `  sha256:${f.sha256}` : f.md5 ? `  md5:${f.md5}` : ""}`,
    );
  return `${lines.join("\n")}\n`;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 100 ? `${flat.slice(0, 97)}...` : flat;
}

/** `modelreg card <uri> <ref> [-o FILE] [--license L] [--library-name L] [--tag T]...`: the model card as Markdown. */
export async function cardCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals: args } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: "string", short: "o" },
      force: { type: "boolean" },
      license: { type: "string" },
      "library-name": { type: "string" },
      tag: { type: "string", multiple: true },
      json: { type: "boolean" },
    },
  });
  const [uri, refText] = positionals(args, 2, 2, "card <uri> <model>/<version>|<model>@<alias>");
  const ref = parseRef(refText as string, "card");
  const registry = await openCliRegistry(uri as string, io, "card", true);
  const version = await registry.getVersion(ref);
  const markdown = renderModelCard(version, {
    ...(values.tag && { tags: values.tag }),
    ...(values.license && { license: values.license }),
    ...(values["library-name"] && { libraryName: values["library-name"] }),
  });
  if (values.output !== undefined) {
    const { writeFileAtomically } = await import("./cli-files.js");
    const path = resolve(io.cwd, values.output);
    await writeFileAtomically(path, markdown, values.force === true, "card", "the model card");
    if (values.json) jsonLine(io.stdout, { type: "card", model: version.model, version: version.version, path });
    else io.stdout.write(`wrote the model card of ${version.model}/${version.version} to ${path}\n`);
    return 0;
  }
  if (values.json) jsonLine(io.stdout, { type: "card", model: version.model, version: version.version, markdown });
  else io.stdout.write(markdown);
  return 0;
}

/** One changed entry of a diff: the value on each side (absent on a side that lacks it). */
interface Change<T> {
  key: string;
  a?: T;
  b?: T;
}

function diffRecords<T>(a: Record<string, T>, b: Record<string, T>, same: (x: T, y: T) => boolean = (x, y) => x === y) {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const added: Change<T>[] = [];
  const removed: Change<T>[] = [];
  const changed: Change<T>[] = [];
  for (const key of keys) {
    const inA = Object.hasOwn(a, key);
    const inB = Object.hasOwn(b, key);
    if (!inA) added.push({ key, b: b[key] as T });
    else if (!inB) removed.push({ key, a: a[key] as T });
    else if (!same(a[key] as T, b[key] as T)) changed.push({ key, a: a[key] as T, b: b[key] as T });
  }
  return { added, removed, changed };
}

/** A file's identity for a diff: its sha256, else its MD5, else its size (said so in the output). */
function fileDigest(f: ArtifactFile): string {
  return f.sha256 ? `sha256:${f.sha256}` : f.md5 ? `md5:${f.md5}` : `size:${f.size ?? "?"}`;
}

function lineageRecord(v: ModelVersion): Record<string, string> {
  const l = v.lineage;
  const out: Record<string, string> = {};
  if (l.codeRepository) out.codeRepository = l.codeRepository;
  if (l.codeCommit) out.codeCommit = l.codeCommit;
  if (l.sourceRun) out.sourceRun = l.sourceRun;
  if (l.parentVersion) out.parentVersion = l.parentVersion;
  for (const d of l.dataSnapshots ?? []) out[`data:${d.role ?? d.uri}`] = `${d.uri}${d.digest ? ` ${d.digest}` : ""}`;
  if (l.syncedFrom) out.syncedFrom = `${l.syncedFrom.registry} ${l.syncedFrom.model}/${l.syncedFrom.version}`;
  return out;
}

/** `modelreg diff <uri> <refA> <refB> [--json]`: params, metrics (with deltas), files and lineage. Exit 0 either way. */
export async function diffCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals: args } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: "boolean" } } });
  const [uri, refA, refB] = positionals(args, 3, 3, "diff <uri> <refA> <refB>");
  const a = parseRef(refA as string, "diff");
  const b = parseRef(refB as string, "diff");
  const registry = await openCliRegistry(uri as string, io, "diff", true);
  const [va, vb] = await Promise.all([registry.getVersion(a), registry.getVersion(b)]);
  const [fa, fb] = await Promise.all([
    registry.listArtifacts({ model: va.model, version: va.version }),
    registry.listArtifacts({ model: vb.model, version: vb.version }),
  ]);
  const params = diffRecords(va.params, vb.params);
  const metrics = diffRecords(va.metrics, vb.metrics);
  const files = diffRecords(Object.fromEntries(fa.map((f) => [f.path, fileDigest(f)])), Object.fromEntries(fb.map((f) => [f.path, fileDigest(f)])));
  const lineage = diffRecords(lineageRecord(va), lineageRecord(vb));
  const name = (v: ModelVersion) => `${v.model}/${v.version}`;
  if (values.json) {
    jsonLine(io.stdout, {
      type: "diff",
      a: name(va),
      b: name(vb),
      params,
      metrics: { ...metrics, changed: metrics.changed.map((c) => ({ ...c, delta: (c.b as number) - (c.a as number) })) },
      // Every path of A is removed, changed or unchanged.
      files: { ...files, unchanged: fa.length - files.removed.length - files.changed.length },
      lineage,
      stage: { a: va.stage, b: vb.stage },
      aliases: { a: va.aliases, b: vb.aliases },
    });
    return 0;
  }
  const out: string[] = [`--- ${name(va)}  (${va.stage}${va.aliases.length ? `, @${va.aliases.join(" @")}` : ""})`];
  out.push(`+++ ${name(vb)}  (${vb.stage}${vb.aliases.length ? `, @${vb.aliases.join(" @")}` : ""})`);
  const block = <T>(title: string, d: ReturnType<typeof diffRecords<T>>, show: (v: T) => string, delta?: (c: Change<T>) => string) => {
    if (d.added.length + d.removed.length + d.changed.length === 0) {
      out.push(`${title}: same`);
      return;
    }
    out.push(`${title}:`);
    for (const c of d.removed) out.push(`  - ${c.key}  ${show(c.a as T)}`);
    for (const c of d.added) out.push(`  + ${c.key}  ${show(c.b as T)}`);
    for (const c of d.changed) out.push(`  ~ ${c.key}  ${show(c.a as T)} -> ${show(c.b as T)}${delta ? `  (${delta(c)})` : ""}`);
  };
  block("params", params, (v) => v);
  block("metrics", metrics, formatMetric, (c) => {
    const d = (c.b as number) - (c.a as number);
    return `${d >= 0 ? "+" : ""}${formatMetric(d)}`;
  });
  block("files", files, (v) => v);
  block("lineage", lineage, (v) => v);
  io.stdout.write(`${out.join("\n")}\n`);
  return 0;
}

/** The current commit and origin of the git repository around `cwd`, or nothing outside one (or without git). */
function gitLineage(cwd: string): { codeCommit?: string; codeRepository?: string } {
  const git = (...args: string[]) => {
    try {
      return execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "ignore"], encoding: "utf8", timeout: 5000 }).trim();
    } catch {
      return undefined;
    }
  };
  const commit = git("rev-parse", "HEAD");
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return {};
  const origin = git("remote", "get-url", "origin");
  return { codeCommit: commit, ...(origin && { codeRepository: withoutCredentials(origin) }) };
}

/** A remote URL without the user and password an https remote can carry (`https://user:token@host/...`). */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = "";
      parsed.password = "";
    }
    return parsed.toString();
  } catch {
    // scp-like `git@host:org/repo.git`: the user names the SSH account, not a secret.
    return url;
  }
}

/**
 * `modelreg put <uri> <model> <dir> [--metric k=v]... [--param k=v]... [--tag k=v]... [--alias A]... [--commit SHA]
 * [--data-snapshot URI]... [--card card.md] [--description TEXT] [--parent-version N] [--no-git]`
 */
export async function putCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals: args } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      metric: { type: "string", multiple: true },
      param: { type: "string", multiple: true },
      tag: { type: "string", multiple: true },
      alias: { type: "string", multiple: true },
      commit: { type: "string" },
      "data-snapshot": { type: "string", multiple: true },
      card: { type: "string" },
      description: { type: "string" },
      "parent-version": { type: "string" },
      "no-git": { type: "boolean" },
      json: { type: "boolean" },
    },
  });
  const [uri, model, dirText] = positionals(args, 3, 3, "put <uri> <model> <directory>");
  const directory = resolve(io.cwd, dirText as string);
  const metrics = metricValues(values.metric);
  const params = keyValues(values.param, "--param");
  const tags = keyValues(values.tag, "--tag");
  if (values.commit !== undefined && !/^[0-9a-fA-F]{7,64}$/.test(values.commit))
    throw new UsageError(`--commit takes a git commit hash, got ${JSON.stringify(values.commit)}`);
  if (values["parent-version"] !== undefined && !/^[0-9]+$/.test(values["parent-version"]))
    throw new UsageError(`--parent-version takes a version number, got ${JSON.stringify(values["parent-version"])}`);
  let markdown: string | undefined;
  if (values.card !== undefined) {
    const path = resolve(io.cwd, values.card);
    try {
      markdown = await readFile(path, "utf8");
    } catch (error) {
      throw toStorageError(error, { provider: "cli", operation: "put", describe: () => `the model card ${path}` });
    }
  }
  // Inside a git repository the commit is recorded unless given or turned off: the usual shell step runs in a checkout.
  const git = values.commit === undefined && values["no-git"] !== true ? gitLineage(io.cwd) : {};
  const lineage = {
    ...git,
    ...(values.commit !== undefined && { codeCommit: values.commit }),
    ...(values["data-snapshot"] && { dataSnapshots: values["data-snapshot"].map((u) => ({ uri: u })) }),
    ...(values["parent-version"] !== undefined && { parentVersion: values["parent-version"] }),
  };
  const registry = await openCliRegistry(uri as string, io, "put", false);
  const version = await registry.createVersion(model as string, {
    artifacts: { directory },
    metrics,
    params,
    tags,
    lineage,
    ...(values.alias && { aliases: values.alias }),
    ...(values.description !== undefined && { description: values.description }),
    ...(markdown !== undefined && { modelCard: { markdown } }),
  });
  if (values.json) jsonLine(io.stdout, { type: "created", ...versionJson(version) });
  else
    io.stdout.write(
      `created ${version.model}/${version.version}${version.aliases.length > 0 ? ` @${version.aliases.join(" @")}` : ""}${
        lineage.codeCommit ? ` (commit ${lineage.codeCommit.slice(0, 12)})` : ""
      }\n`,
    );
  return 0;
}
