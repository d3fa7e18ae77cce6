/**
 * Text from mail made well-formed before the sync stage encodes any of it. A lone UTF-16
 * surrogate (a UTF-7 encoded word can decode to one) makes `encodeURIComponent` throw, and SOQL
 * lookups travel in URLs: one such address would fail every mail of its batch. Each lone
 * surrogate becomes U+FFFD, as `String.prototype.toWellFormed` does. Pure.
 */
import type { CapturedEmail } from '../captured-email.ts';

/** ES2024's string methods (Node 20 and later have them; the TypeScript lib here is ES2023). */
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

export function wellFormed(text: string): string {
  const s = text as unknown as WellFormedString;
  return s.isWellFormed() ? text : s.toWellFormed();
}

/** Every string of a JSON-shaped value, however deep, made well-formed; unchanged parts are shared. */
function deepWellFormed<T>(value: T): T {
  if (typeof value === 'string') return wellFormed(value) as T;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const w = deepWellFormed(v);
      if (w !== v) changed = true;
      return w;
    });
    return (changed ? out : value) as T;
  }
  if (value !== null && typeof value === 'object') {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const w = deepWellFormed(v);
      if (w !== v) changed = true;
      out[wellFormed(k)] = w;
    }
    return (changed ? out : value) as T;
  }
  return value;
}

/** The CapturedEmail with every string well-formed (the same object when it already was). */
export function wellFormedEmail(email: CapturedEmail): CapturedEmail {
  return deepWellFormed(email);
}
