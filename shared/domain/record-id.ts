/**
 * Salesforce record ids: 15 case-sensitive characters (the first 3 are the object's key prefix),
 * or 18 with a case-safe suffix that checksums the case of the first 15. One rule for the whole
 * code base: an 18-character value whose suffix does not match is not an id.
 */
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const SHAPE = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** The 3-character suffix that makes a 15-character id case-insensitive. */
export function caseSafeSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX[bits];
  }
  return suffix;
}

/** A 15- or 18-character id normalised to 18 characters; null when it is not an id. */
export function toRecordId18(value: string): string | null {
  if (!SHAPE.test(value)) return null;
  const id15 = value.slice(0, 15);
  const full = id15 + caseSafeSuffix(id15);
  if (value.length === 18 && value.slice(15).toUpperCase() !== full.slice(15)) return null;
  return full;
}

export function isRecordId(value: string): boolean {
  return toRecordId18(value) !== null;
}
