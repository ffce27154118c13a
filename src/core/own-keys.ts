/**
 * Reading and writing records whose keys come from users or servers (aliases, tags, metrics, params, manifest paths)
 * as plain data. A plain `record[key]` read finds `Object.prototype` members, so `aliases["toString"]` is a function
 * and a missing alias looks present; a plain `record[key] = value` write with the key `__proto__` replaces the
 * record's prototype instead of storing a key. These helpers only ever see own properties.
 *
 * @module
 */

/**
 * The value stored under `key` in `record` as its own property, or `undefined`. Never a value inherited from the
 * prototype (`constructor`, `toString`, `__proto__`, ...).
 *
 * @param record - A record of user or server data; `undefined` and `null` read as empty.
 * @param key - The key to look up, as given.
 */
export function ownValue<T>(record: Readonly<Record<string, T>> | null | undefined, key: string): T | undefined {
  return record != null && Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * Stores `value` under `key` as an own, enumerable property, even when `key` is `__proto__` (where assignment would set
 * the prototype instead). Returns `record` for chaining.
 */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): Record<string, T> {
  Object.defineProperty(record, key, { value, enumerable: true, configurable: true, writable: true });
  return record;
}
