/**
 * Promotion gates: checks a version must pass before it takes a stage or an alias. Metric thresholds, "not worse than
 * what is there now", and the checks auditors ask for (a model card, lineage, a signature).
 *
 * @module
 */

import { invalidInput } from "../core/errors.js";
import { ownValue } from "../core/own-keys.js";
import type { ModelRegistry } from "../core/model-registry.js";
import type { ModelVersion, Stage } from "../core/types.js";

/** Where a promotion goes: a stage, or an alias. */
export type PromotionTarget =
  | Stage
  | {
      /** The alias to point at the version. */
      alias: string;
    };

/** What a gate sees. */
export interface GateContext {
  /** The registry. */
  registry: ModelRegistry;
  /** The version being promoted. */
  candidate: ModelVersion;
  /** The version that holds the target now, if any (and if it is not the candidate). */
  current: ModelVersion | undefined;
  /** Where the candidate is going. */
  target: PromotionTarget;
  /** The caller's signal. */
  signal: AbortSignal | undefined;
}

/** A gate's verdict: a boolean, or a boolean with the reason. */
export type GateVerdict =
  | boolean
  | {
      /** Whether the gate lets the promotion through. */
      passed: boolean;
      /** Why, in a sentence. */
      message?: string;
    };

/** A named check. */
export interface PromotionGate {
  /** Shown in results and errors, e.g. `metric:auc>=0.9`. */
  name: string;
  /** Decides. A throw counts as a failure with the error's message. */
  check(context: GateContext): GateVerdict | Promise<GateVerdict>;
}

/**
 * A gate: a {@link PromotionGate}, a plain function used as one (named after the function), or a metric comparison
 * as a string, `"auc >= 0.9"`, read by {@link metricGate}.
 */
export type GateInput = PromotionGate | ((context: GateContext) => GateVerdict | Promise<GateVerdict>) | string;

/** One gate's outcome. */
export interface GateResult {
  /** The gate's name. */
  name: string;
  /** Whether it passed. */
  passed: boolean;
  /** Why, in a sentence. */
  message: string;
}

/**
 * Turns a {@link GateInput} into a {@link PromotionGate}.
 *
 * @internal Exported for modelreg's own entries and tests; not part of the supported API.
 */
export function toGate(input: GateInput): PromotionGate {
  if (typeof input === "string") return metricGate(input);
  if (typeof input === "function") return { name: input.name || "custom", check: input };
  if (typeof input !== "object" || input === null || typeof input.check !== "function") {
    throw invalidInput("promote", "gates", 'a gate is a function, { name, check }, or a metric comparison such as "auc >= 0.9"');
  }
  return input;
}

/** A comparison a metric gate applies. */
export type MetricOperator = ">=" | ">" | "<=" | "<" | "==";

const OPERATORS: Record<MetricOperator, (a: number, b: number) => boolean> = {
  ">=": (a, b) => a >= b,
  ">": (a, b) => a > b,
  "<=": (a, b) => a <= b,
  "<": (a, b) => a < b,
  "==": (a, b) => a === b,
};

/**
 * A metric threshold: `metricGate("auc", ">=", 0.9)` or `metricGate("auc >= 0.9")` (`metrics.auc >= 0.9` reads too).
 *
 * @throws InvalidInputError for an expression that does not parse.
 */
export function metricGate(expression: string): PromotionGate;
export function metricGate(metric: string, operator: MetricOperator, threshold: number): PromotionGate;
export function metricGate(metricOrExpression: string, operator?: MetricOperator, threshold?: number): PromotionGate {
  let metric = metricOrExpression;
  if (operator === undefined) {
    const match = /^\s*(?:metrics\.)?([A-Za-z0-9_.\-/]+)\s*(>=|<=|==|>|<)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/i.exec(metricOrExpression ?? "");
    if (!match) throw invalidInput("metricGate", "expression", `cannot read ${JSON.stringify(metricOrExpression)}: write it like "auc >= 0.9"`);
    [, metric = "", operator, threshold] = [match[0], match[1], match[2] as MetricOperator, Number(match[3])];
  }
  if (typeof metric !== "string" || metric === "") throw invalidInput("metricGate", "metric", "a metric gate needs a metric name");
  // `in` would accept "constructor" or "toString", which then "pass" every gate as a truthy call on the prototype.
  if (typeof operator !== "string" || !Object.hasOwn(OPERATORS, operator))
    throw invalidInput("metricGate", "operator", `unknown operator ${JSON.stringify(operator)}; use >=, >, <=, < or ==`);
  if (typeof threshold !== "number" || !Number.isFinite(threshold)) throw invalidInput("metricGate", "threshold", "the threshold must be a finite number");
  const op = operator as MetricOperator;
  const limit = threshold;
  return {
    name: `metric:${metric}${op}${limit}`,
    check: ({ candidate }) => {
      const value = ownValue(candidate.metrics, metric);
      if (value === undefined) return { passed: false, message: `${candidate.model}/${candidate.version} has no metric ${metric}` };
      const passed = OPERATORS[op](value, limit);
      return { passed, message: `${metric} is ${value}, ${passed ? "meets" : "needs"} ${op} ${limit}` };
    },
  };
}

/** Options for {@link notWorseThanCurrent}. */
export interface NotWorseOptions {
  /** `higher` (default) when bigger is better (AUC, accuracy); `lower` for losses and error rates. */
  direction?: "higher" | "lower";
  /** How much worse is still accepted. Default 0. */
  tolerance?: number;
}

/**
 * Refuses a version whose metric is worse than the version holding the target now (the Production version, or the
 * alias's version). Passes, saying so, when nothing holds the target yet.
 */
export function notWorseThanCurrent(metric: string, options: NotWorseOptions = {}): PromotionGate {
  if (typeof metric !== "string" || metric === "") throw invalidInput("notWorseThanCurrent", "metric", "name the metric to compare");
  const direction = options.direction ?? "higher";
  const tolerance = options.tolerance ?? 0;
  if (direction !== "higher" && direction !== "lower") throw invalidInput("notWorseThanCurrent", "direction", 'direction is "higher" or "lower"');
  if (!(Number.isFinite(tolerance) && tolerance >= 0)) throw invalidInput("notWorseThanCurrent", "tolerance", "tolerance must be a number >= 0");
  return {
    name: `not-worse:${metric}`,
    check: ({ candidate, current }) => {
      if (!current) return { passed: true, message: "nothing holds the target yet" };
      const mine = ownValue(candidate.metrics, metric);
      const theirs = ownValue(current.metrics, metric);
      if (mine === undefined) return { passed: false, message: `${candidate.model}/${candidate.version} has no metric ${metric}` };
      if (theirs === undefined) return { passed: true, message: `the current version ${current.version} has no ${metric} to compare with` };
      const passed = direction === "higher" ? mine >= theirs - tolerance : mine <= theirs + tolerance;
      const word = passed ? "not worse than" : "worse than";
      return { passed, message: `${metric} ${mine} is ${word} ${theirs} of the current version ${current.version}` };
    },
  };
}

/** Requires a model card with at least a summary or a Markdown body. */
export function requireModelCard(): PromotionGate {
  return {
    name: "model-card",
    check: ({ candidate }) => {
      const card = candidate.modelCard;
      const passed = Boolean(card && (card.summary?.trim() || card.markdown?.trim()));
      return { passed, message: passed ? "a model card is present" : "no model card (a summary or Markdown body is required)" };
    },
  };
}

/** Requires lineage naming a code commit and at least one data snapshot. */
export function requireLineage(): PromotionGate {
  return {
    name: "lineage",
    check: ({ candidate }) => {
      const missing = [
        ...(candidate.lineage.codeCommit ? [] : ["a code commit"]),
        ...((candidate.lineage.dataSnapshots?.length ?? 0) > 0 ? [] : ["a data snapshot"]),
      ];
      return missing.length === 0
        ? { passed: true, message: `commit ${candidate.lineage.codeCommit}, ${candidate.lineage.dataSnapshots?.length} data snapshot(s)` }
        : { passed: false, message: `lineage lacks ${missing.join(" and ")}` };
    },
  };
}

/** Requires an input/output signature. */
export function requireSignature(): PromotionGate {
  return {
    name: "signature",
    check: ({ candidate }) => {
      const passed = (candidate.signature?.inputs.length ?? 0) > 0;
      return { passed, message: passed ? "a signature is present" : "no input signature" };
    },
  };
}

/**
 * Runs gates in order and collects every verdict (a failing gate does not hide the ones after it).
 *
 * @internal Exported for modelreg's own entries and tests; not part of the supported API.
 */
export async function runGates(gates: readonly PromotionGate[], context: GateContext): Promise<GateResult[]> {
  const results: GateResult[] = [];
  for (const gate of gates) {
    if (context.signal?.aborted) throw context.signal.reason;
    try {
      const verdict = await gate.check(context);
      const passed = typeof verdict === "boolean" ? verdict : Boolean(verdict?.passed);
      const message = typeof verdict === "boolean" ? (verdict ? "passed" : "failed") : (verdict.message ?? (passed ? "passed" : "failed"));
      results.push({ name: gate.name, passed, message });
    } catch (error) {
      results.push({ name: gate.name, passed: false, message: `the gate threw: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  return results;
}
