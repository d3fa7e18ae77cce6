/**
 * Tables looked up with text that came from outside (a charset, a tag name, a record id prefix):
 * a plain object literal answers `constructor`, `__proto__` or `toString` with what every object
 * inherits, so such tables are Maps, or objects without a prototype where a caller indexes them.
 */

/** The entries of an object literal as a frozen object without a prototype: only its own keys answer. */
export function nullPrototype<V>(entries: Record<string, V>): Readonly<Record<string, V>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, V>, entries));
}

/** The entries of an object literal as a Map. */
export function tableOf<V>(entries: Record<string, V>): ReadonlyMap<string, V> {
  return new Map(Object.entries(entries));
}
