/**
 * The logger a client gets when it is given none: off, unless `MODELREG_LOG` asks for one.
 *
 * @module
 */

import type { Logger } from "../core/options.js";
import { redact } from "./redact.js";

/** The levels `MODELREG_LOG` takes, quietest last; `off` (or unset) logs nothing. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

function envSetting(): string | undefined {
  // The core runs where `process` may not exist (browsers, some edge runtimes).
  return typeof process === "undefined" ? undefined : process.env?.MODELREG_LOG;
}

/**
 * A logger that writes one line per call to `console.debug`/`info`/`warn`/`error`, for calls at or above `level`,
 * or `undefined` when logging is off.
 *
 * Lines reach it already redacted by the HTTP client; it runs the pattern redaction (signed-URL parameters, URL
 * user-info, `Bearer`/`Basic` values) once more, so a line built elsewhere without a redactor still cannot carry
 * those. `console` is looked up per line, so a test spy or a patched console sees the output.
 *
 * @param setting - `debug`, `info`, `warn`, `error` or `off`, case-insensitive. Default: the `MODELREG_LOG`
 * environment variable. Anything else means off.
 */
export function defaultLogger(setting: string | undefined = envSetting()): Logger | undefined {
  const threshold = LOG_LEVELS.indexOf(setting?.trim().toLowerCase() as LogLevel);
  if (threshold < 0) return undefined;
  const write = (level: LogLevel) => (message: string, data?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const provider = typeof data?.provider === "string" ? ` ${data.provider}` : "";
    console[level](redact(`[modelreg ${level}]${provider} ${message}`));
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

/**
 * The logger for problems a program should hear about even when nobody turned logging on, such as a webhook that
 * could not be delivered: the {@link defaultLogger} of `MODELREG_LOG` when the variable is set (so `off` or `error`
 * still silences warnings), else one at `warn`.
 *
 * @param setting - As for {@link defaultLogger}; unset or empty means `warn`. Default: `MODELREG_LOG`.
 */
export function defaultWarningLogger(setting: string | undefined = envSetting()): Logger | undefined {
  return defaultLogger(setting === undefined || setting.trim() === "" ? "warn" : setting);
}
