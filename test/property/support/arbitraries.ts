/**
 * Hostile string arbitraries shared by the property tests, plus valid-looking ones so that both the refusal and the
 * acceptance branch of every property run often.
 *
 * @module
 */

import fc from "fast-check";

/**
 * Names of `Object.prototype` members. A plain `record[name]` read finds them on a record that lacks the key, and a
 * `record["__proto__"] = v` write sets the prototype, so each must be tried as an alias, tag key, metric and param.
 */
export const PROTOTYPE_KEYS: readonly string[] = [
  "constructor",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "__proto__",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
];

/**
 * Fragments that broke or could break a registry somewhere: path tricks, NUL and control characters, bidi and
 * zero-width characters, lone surrogates, prototype keys, reserved alias names, and lengths at the limits.
 */
export const HOSTILE_FRAGMENTS: readonly string[] = [
  "",
  " ",
  "\t",
  "   ",
  "\u00a0",
  "\u3000",
  ".",
  "..",
  "../",
  "../..",
  "a/../b",
  "./a",
  "/",
  "//",
  "a//b",
  "/etc/passwd",
  "\\",
  "a\\b",
  "..\\..\\x",
  "C:\\Windows",
  "C:",
  "c:/x",
  "\u0000",
  "a\u0000b",
  "\u0001",
  "\u001f",
  "\u007f",
  "\n",
  "\r\n",
  "\u202e",
  "abc\u202edef",
  "\u200b",
  "a\u200db",
  "\ufeff",
  "\ud800",
  "\udfff",
  "a\ud83d",
  "🚀",
  "👩‍👩‍👧",
  "é",
  "e\u0301",
  "ß",
  "İ",
  "日本",
  "ｆｕｌｌ",
  ...PROTOTYPE_KEYS,
  "latest",
  "LATEST",
  "v1",
  "V12",
  "none",
  "None",
  "default",
  "staging",
  "production",
  "modelreg",
  "modelreg-stage",
  "modelreg-token",
  "modelreg.files",
  "modelreg.client_token",
  "aiplatform.googleapis.com/x",
  "'",
  '"',
  "`",
  "%",
  "%2e%2e",
  "%2F",
  "?",
  "#",
  "@",
  "a@b",
  "a/1",
  "&",
  "=",
  "+",
  "*",
  ":",
  "<script>",
];

/** Lengths around every limit the SDK or a provider enforces (63/64 labels, 128 names, 250 keys, 1024 paths, 5000 values). */
const LIMITS = [1, 2, 62, 63, 64, 127, 128, 129, 249, 250, 251, 1023, 1024, 1025, 4999, 5000, 5001, 10_000, 12_345];

/** A very long string, cheap to build: a short unit repeated up to 12 000+ times, or exactly at a limit. */
export const longString: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom("a", "Z", "0", "-", "_", ".", "é", "🚀", "a/", "\u0000", " "),
    fc.oneof(fc.constantFrom(...LIMITS), fc.integer({ min: 1, max: 12_500 })),
  )
  .map(([unit, n]) => unit.repeat(Math.max(1, Math.floor(n / unit.length))));

/** Any hostile string: unicode of every kind (graphemes, raw code points, lone surrogates), fragments, long ones. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme-ascii", maxLength: 40 }),
  // "binary" leaves out half surrogates; these put them back.
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 3 }),
  fc.constantFrom(...HOSTILE_FRAGMENTS),
  fc.array(fc.constantFrom(...HOSTILE_FRAGMENTS), { minLength: 2, maxLength: 5 }).map((parts) => parts.join("")),
  longString,
);

/**
 * Mixes a valid-looking arbitrary with hostile strings, and with valid values that have one hostile fragment spliced
 * in, so a property sees roughly a third of each.
 */
export function mixed(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const spliced = fc.tuple(valid, fc.constantFrom(...HOSTILE_FRAGMENTS), fc.nat()).map(([v, fragment, at]) => {
    const i = v.length === 0 ? 0 : at % (v.length + 1);
    return v.slice(0, i) + fragment + v.slice(i);
  });
  return fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: hostileString, weight: 3 }, { arbitrary: spliced, weight: 2 });
}

/** Valid-looking model names (the core pattern), sometimes at the 128-character limit. */
export const validModelName: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/),
  fc.stringMatching(/^[a-z][a-z0-9_-]{0,20}$/),
  fc.integer({ min: 126, max: 129 }).map((n) => `m${"x".repeat(n - 1)}`),
);

/** Valid-looking aliases, including the reserved ones the core must refuse. */
export const validAlias: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,12}[a-z0-9]$/),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,20}$/),
  fc.constantFrom("champion", "latest", "v3", "default", "staging", "production", "a", "ab"),
  fc.constantFrom(...PROTOTYPE_KEYS),
  fc.integer({ min: 126, max: 129 }).map((n) => `a${"b".repeat(n - 1)}`),
);

/** Valid-looking tag keys: ordinary ones, dotted provider-style ones, unicode ones, and keys at the 250 limit. */
export const validTagKey: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9_-]{0,15}$/),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ._:/-]{0,20}[A-Za-z0-9]$/),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }).filter((s) => s.trim() === s && s.length > 0),
  fc.constantFrom(...PROTOTYPE_KEYS),
  fc.integer({ min: 249, max: 251 }).map((n) => "k".repeat(n)),
);

/** Valid-looking tag values: label-friendly ones, free unicode text, empty, and values at the 5000 limit. */
export const validTagValue: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-z0-9_-]{0,20}$/),
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.constant(""),
  fc.integer({ min: 4999, max: 5001 }).map((n) => "v".repeat(n)),
);

/** Tag records: mostly a few entries, built with `Object.fromEntries` so `__proto__` becomes an own key, as JSON input would. */
export const tagRecord: fc.Arbitrary<Record<string, string>> = fc
  .array(fc.tuple(mixed(validTagKey), mixed(validTagValue)), { maxLength: 5 })
  .map((entries) => Object.fromEntries(entries));

/** Valid-looking artifact paths: nested segments, dots inside names, unicode names. */
export const validArtifactPath: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}$/), { minLength: 1, maxLength: 4 }).map((s) => s.join("/")),
  fc.array(fc.string({ unit: "grapheme", minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }).map((s) => s.join("/")),
  fc.constantFrom("model.pkl", "a/b/c.txt", "weights/..bin", "...", "a..b/c", " spaced name.txt", "日本/模型.bin"),
);
