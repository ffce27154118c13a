#!/usr/bin/env node
/**
 * The `modelreg` executable.
 *
 * @module
 */

import { runCli } from "./main.js";
import { processIo } from "./cli-process.js";

const { io, exitCode } = processIo();
process.exitCode = exitCode(await runCli(process.argv.slice(2), io));
