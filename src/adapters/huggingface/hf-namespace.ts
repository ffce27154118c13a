/**
 * The Hub's rule for user and organization names, in a module of its own that imports nothing: the transport checks
 * settings with it, and the descriptor checks `hf://` URIs with it without loading the adapter.
 *
 * @module
 */

/** True for a Hub user or organization name: letters, digits, `-`, `_` and `.`, at most 96, without `--` or `..`. */
export function isHubNamespace(name: string): boolean {
  return /^[A-Za-z0-9][\w.-]{0,95}$/.test(name) && !/--|\.\./.test(name);
}
