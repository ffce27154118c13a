#!/usr/bin/env node
/**
 * The `modelreg` executable.
 *
 * @module
 */

import { runCli } from "./main.js";

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
