/**
 * Typed errors. Every error modelreg throws is a {@link ModelRegistryError}; each kind has its own subclass.
 *
 * `instanceof` fails when a dual ESM/CJS package is loaded twice, so every class carries a `Symbol.for` marker and
 * a static `isInstance()` that checks the marker instead of the prototype chain.
 *
 * @module
 */

import { redact } from "../http/redact.js";
import type { RegistryCapabilities } from "./capabilities.js";
import { notifyErrorObservers } from "./error-observer.js";

const BASE_MARKER = Symbol.for("modelreg.error");

/**
 * The fields subclasses add (`InvalidInputError.field`, `StorageError.code`, ...). The base constructor copies them
 * from the options, so a subclass is one line: its name and `declare`d fields, no constructor of its own.
 */
const SUBCLASS_FIELDS = ["field", "retryAfterMs", "capability", "failures", "holder", "rolledBackFrom", "code", "path"] as const;

/** What every {@link ModelRegistryError} constructor takes. */
export interface ModelRegistryErrorOptions {
  /** The provider that raised it: `local`, `mlflow`, `vertex`, `wandb`, or `core` for checks done before any adapter runs. */
  provider: string;
  /** The operation that failed, for example `createVersion` or `setAlias`. */
  operation: string;
  /** The underlying error, if any. */
  cause?: unknown;
  /** The HTTP status the provider answered with, if there was a response. */
  statusCode?: number;
  /** The provider's request id, when it sent one. Quote it in support tickets. */
  requestId?: string;
  /** The provider's own error code (`RESOURCE_ALREADY_EXISTS`, `FAILED_PRECONDITION`, ...). */
  providerCode?: string;
  /** The request URL, with credentials redacted. */
  url?: string;
  /** Whether trying the same call again may succeed. */
  isRetryable?: boolean;
}

/**
 * Every error kind modelreg throws: the `kind` (and `name`) of a {@link ModelRegistryError}, one per class. A new
 * kind is added in a minor version, so a `switch` over it should keep a `default` branch.
 */
export type ModelRegistryErrorKind =
  | "ModelRegistryError"
  | "NotFoundError"
  | "ConflictError"
  | "InvalidInputError"
  | "AuthenticationError"
  | "PermissionDeniedError"
  | "RateLimitError"
  | "ServerError"
  | "ConnectionError"
  | "TimeoutError"
  | "AbortedError"
  | "ResponseValidationError"
  | "UnsupportedCapabilityError"
  | "IntegrityError"
  | "CorruptDataError"
  | "PromotionBlockedError"
  | "NoEarlierHolderError"
  | "StorageError";

/**
 * The base class of every error modelreg throws.
 *
 * Messages name the provider and operation and never contain a credential: adapters redact before they construct.
 */
export class ModelRegistryError<O extends ModelRegistryErrorOptions = ModelRegistryErrorOptions> extends Error {
  /** The provider that raised it (`local`, `mlflow`, `vertex`, `wandb`, `core`). */
  readonly provider: string;
  /** The operation that failed. */
  readonly operation: string;
  /** The HTTP status, when a response was received. */
  readonly statusCode: number | undefined;
  /** The provider's request id, when it sent one. */
  readonly requestId: string | undefined;
  /** The provider's own error code. */
  readonly providerCode: string | undefined;
  /** The request URL with credentials redacted. */
  readonly url: string | undefined;
  /** Whether the same call may succeed if tried again. */
  readonly isRetryable: boolean;
  /** A stable machine-readable kind, equal to the class name: switch on it, and TypeScript checks every case. */
  readonly kind: ModelRegistryErrorKind = "ModelRegistryError";

  /**
   * The class's name as a literal. Minifiers rename classes (a bundled serverless function would report its
   * `NotFoundError` as `T`), so names, kinds and the cross-copy markers come from this, never from `constructor.name`.
   */
  static readonly errorName: ModelRegistryErrorKind = "ModelRegistryError";

  constructor(message: string, options: O) {
    super(`[${options.provider}] ${options.operation}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.errorName;
    this.kind = new.target.errorName;
    this.provider = options.provider;
    this.operation = options.operation;
    this.statusCode = options.statusCode;
    this.requestId = options.requestId;
    this.providerCode = options.providerCode;
    this.url = options.url;
    this.isRetryable = options.isRetryable ?? false;
    for (const key of SUBCLASS_FIELDS)
      if (Object.hasOwn(options, key)) Object.defineProperty(this, key, { value: (options as Record<string, unknown>)[key], enumerable: true });
    Object.defineProperty(this, BASE_MARKER, { value: true });
    for (let proto = Object.getPrototypeOf(this); proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
      const name = (proto.constructor as { errorName?: string }).errorName;
      if (name) Object.defineProperty(this, Symbol.for(`modelreg.error.${name}`), { value: true });
    }
    // For the test suite's canary check (see error-observer.ts); a no-op unless a listener is registered.
    notifyErrorObservers(this);
  }

  /** True when `error` is a ModelRegistryError of this class, from any copy of the package. */
  static isInstance<T>(this: (abstract new (message: string, options: never) => T) & { errorName: string }, error: unknown): error is T {
    if (typeof error !== "object" || error === null) return false;
    const marker = (this as unknown) === ModelRegistryError ? BASE_MARKER : Symbol.for(`modelreg.error.${this.errorName}`);
    return (error as Record<symbol, unknown>)[marker] === true;
  }

  /**
   * A plain object for logs and JSON: the name, message and every field of the error, subclass fields included (the
   * failing gates of a {@link PromotionBlockedError}, the `field` of an {@link InvalidInputError}, ...), so a
   * pipeline reading `--json` output or a log line can act on them.
   *
   * It holds no credential: messages and `url` are redacted when the error is built, and string fields pass the
   * pattern redaction again here. The cause is summarised: a modelreg error by its own `toJSON()`, anything else by its
   * name and code only, since a foreign message was not written with redaction in mind.
   */
  toJSON(): Record<string, unknown> {
    return errorFields(this, 0);
  }
}

/** Any error class of modelreg's, for code that takes one (`expectError(work, NotFoundError)`). */
export type ModelRegistryErrorClass<T extends ModelRegistryError = ModelRegistryError> = (abstract new (
  message: string,
  options: never,
) => T) & {
  /** The class's name, which its errors carry as `name` and `kind`. */
  readonly errorName: ModelRegistryErrorKind;
  /** True when `error` is an error of this class, from any copy of the package. */
  isInstance(error: unknown): boolean;
};

/** Causes nest; past this depth they are left out (a cycle would otherwise never end). */
const MAX_CAUSE_DEPTH = 3;

function errorFields(error: ModelRegistryError, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: redact(error.message) };
  // Own enumerable fields are the constructor's: the base class's and each subclass's. `cause` is summarised below.
  for (const [key, value] of Object.entries(error)) {
    if (key === "cause" || key === "stack" || typeof value === "function") continue;
    out[key] = typeof value === "string" ? redact(value) : value;
  }
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = summariseCause(cause, depth + 1);
  return out;
}

function summariseCause(cause: unknown, depth: number): Record<string, unknown> {
  if (ModelRegistryError.isInstance(cause)) return errorFields(cause, depth);
  const name = cause instanceof Error ? cause.name : typeof cause;
  const code = (cause as { code?: unknown } | null)?.code;
  return { name, ...(typeof code === "string" && { code }) };
}

/** The model, version, alias, file or endpoint does not exist. */
export class NotFoundError<O extends ModelRegistryErrorOptions = ModelRegistryErrorOptions> extends ModelRegistryError<O> {
  static override readonly errorName: ModelRegistryErrorKind = "NotFoundError";
}

/** The thing already exists, or the call conflicts with the current state (an immutable version, a concurrent write). */
export class ConflictError extends ModelRegistryError {
  static override readonly errorName: ModelRegistryErrorKind = "ConflictError";
}

/** What `InvalidInputError` adds: which input was wrong. */
export interface InvalidInputErrorOptions extends ModelRegistryErrorOptions {
  /** The name of the offending argument or field, for example `alias` or `tags.owner`. */
  field?: string;
}

/** The input was refused before any request was sent (or the provider refused it as malformed). */
export class InvalidInputError extends ModelRegistryError<InvalidInputErrorOptions> {
  static override readonly errorName: ModelRegistryErrorKind = "InvalidInputError";
  /** The offending argument or field. */
  declare readonly field: string | undefined;
}

/** The credentials are missing, wrong or expired. */
export class AuthenticationError extends ModelRegistryError {
  static override readonly errorName: ModelRegistryErrorKind = "AuthenticationError";
}

/** The credentials are valid but not allowed to do this (including protected aliases). */
export class PermissionDeniedError extends ModelRegistryError {
  static override readonly errorName: ModelRegistryErrorKind = "PermissionDeniedError";
}

/** What `RateLimitError` adds. */
export interface RateLimitErrorOptions extends ModelRegistryErrorOptions {
  /** How long the provider asked us to wait, if it said. */
  retryAfterMs?: number;
}

/** The provider is throttling this client. */
export class RateLimitError extends ModelRegistryError<RateLimitErrorOptions> {
  static override readonly errorName: ModelRegistryErrorKind = "RateLimitError";
  /** How long the provider asked to wait, in milliseconds, if it said. */
  declare readonly retryAfterMs: number | undefined;
  /** Retryable unless the options say otherwise: throttling passes. */
  constructor(message: string, options: RateLimitErrorOptions) {
    super(message, { isRetryable: true, ...options });
  }
}

/** The provider failed (HTTP 5xx or an internal error code). */
export class ServerError extends ModelRegistryError {
  static override readonly errorName: ModelRegistryErrorKind = "ServerError";
}

/** The connection failed: refused, reset, DNS, TLS. */
export class ConnectionError extends ModelRegistryError {
  static override readonly errorName: ModelRegistryErrorKind = "ConnectionError";
}

/** The call took longer than its `timeoutMs` (or a long-running operation passed its deadline). */
export class TimeoutError extends ModelRegistryError {
  static override readonly errorName: ModelRegistryErrorKind = "TimeoutError";
}

/** The caller aborted the call through its `signal`. */
export class AbortedError extends ModelRegistryError {
  static override readonly errorName: ModelRegistryErrorKind = "AbortedError";
}

/** Throws `AbortedError`, carrying the signal's reason, when `signal` has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, provider: string, operation: string, message = "aborted by the caller's signal"): void {
  if (signal?.aborted) throw new AbortedError(message, { provider, operation, cause: signal.reason });
}

/** What `ResponseValidationError` adds. */
export interface ResponseValidationErrorOptions extends ModelRegistryErrorOptions {
  /** The path of the field that did not match, for example `model_version.version`. */
  field?: string;
}

/** The provider answered with something that does not match its documented shape. */
export class ResponseValidationError extends ModelRegistryError<ResponseValidationErrorOptions> {
  static override readonly errorName: ModelRegistryErrorKind = "ResponseValidationError";
  /** The path of the first field that did not match. */
  declare readonly field: string | undefined;
}

/**
 * What a registry can lack: a key of `RegistryCapabilities` (`stages` for stage storage it cannot offer), or a limit
 * of one server or one version rather than of the provider as a whole:
 * - `serverFeature`: the server answered that it does not implement the call (an older or stripped-down server);
 * - `foreignVersion`: the version was not made by modelreg and lacks what the call needs;
 * - `foreignFiles`: the version's files are where this registry cannot reach them (another bucket, no artifact proxy);
 * - `orgRegistry`: the account has no organisation-level registry to link into.
 */
export type UnsupportedCapability = Exclude<keyof RegistryCapabilities, "maxPageSize"> | "serverFeature" | "foreignVersion" | "foreignFiles" | "orgRegistry";

/** What `UnsupportedCapabilityError` adds. */
export interface UnsupportedCapabilityErrorOptions extends ModelRegistryErrorOptions {
  /** The capability that is missing, as named in `RegistryCapabilities`. */
  capability: UnsupportedCapability;
}

/** The provider does not support this operation; `registry.capabilities` says so up front. */
export class UnsupportedCapabilityError extends ModelRegistryError<UnsupportedCapabilityErrorOptions> {
  static override readonly errorName: ModelRegistryErrorKind = "UnsupportedCapabilityError";
  /** The missing capability. */
  declare readonly capability: UnsupportedCapability;
}

/** Downloaded or stored bytes do not match their recorded digest or size. */
export class IntegrityError extends ModelRegistryError {
  static override readonly errorName: ModelRegistryErrorKind = "IntegrityError";
}

/** A file in a local store is unreadable, corrupted or not one of ours. */
export class CorruptDataError extends ModelRegistryError {
  static override readonly errorName: ModelRegistryErrorKind = "CorruptDataError";
}

/** One gate's verdict, as carried by {@link PromotionBlockedError}. */
export interface GateFailure {
  /** The gate's name, for example `metric:auc>=0.9` or `model-card`. */
  gate: string;
  /** Why it refused, in a sentence. */
  reason: string;
}

/** What `PromotionBlockedError` adds. */
export interface PromotionBlockedErrorOptions extends ModelRegistryErrorOptions {
  /** Every gate that refused, and every missing approval. */
  failures: GateFailure[];
}

/** A promotion was refused by a gate or an approval policy. Nothing was changed. */
export class PromotionBlockedError extends ModelRegistryError<PromotionBlockedErrorOptions> {
  static override readonly errorName: ModelRegistryErrorKind = "PromotionBlockedError";
  /** Every gate that refused, and every missing approval. */
  declare readonly failures: GateFailure[];
}

/** What `NoEarlierHolderError` adds. */
export interface NoEarlierHolderErrorOptions extends ModelRegistryErrorOptions {
  /** The version that holds the alias or stage now. */
  holder: string;
  /** The version the last rollback of this target moved away from, when one did: it is never returned to. */
  rolledBackFrom?: string;
}

/**
 * `rollback` found no earlier holder to go back to: the history below the current holder is empty, or holds only
 * versions already rolled back from or deleted. Nothing was changed. A `NotFoundError`, so code that caught the
 * earlier `NotFoundError` still does.
 */
export class NoEarlierHolderError extends NotFoundError<NoEarlierHolderErrorOptions> {
  static override readonly errorName: ModelRegistryErrorKind = "NoEarlierHolderError";
  /** The version that holds the target now. */
  declare readonly holder: string;
  /** The version the last rollback moved away from, if any. */
  declare readonly rolledBackFrom: string | undefined;
}

/** Builds an {@link InvalidInputError} for a check done by the core before any adapter or request. */
export function invalidInput(operation: string, field: string, message: string, provider = "core"): InvalidInputError {
  return new InvalidInputError(message, { provider, operation, field });
}

/** What {@link StorageError} adds. */
export interface StorageErrorOptions extends ModelRegistryErrorOptions {
  /** The system's error code: `ENOSPC`, `EROFS`, `EACCES`, `EPERM`, `EIO`... */
  code: string;
  /** The file or directory the failed call was on. */
  path?: string;
}

/**
 * A file-system call of a local store failed: the disk is full, the file system is read-only, a permission is
 * missing. The message names the operation, the file and what the code means; `code` is the system's code.
 */
export class StorageError extends ModelRegistryError<StorageErrorOptions> {
  static override readonly errorName: ModelRegistryErrorKind = "StorageError";
  /** The system's error code, such as `ENOSPC`. */
  declare readonly code: string;
  /** The file or directory the failed call was on. */
  declare readonly path: string | undefined;
}
