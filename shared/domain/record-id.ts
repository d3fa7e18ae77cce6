/**
 * Salesforce record ids: 15 case-sensitive characters (the first 3 are the object's key prefix),
 * or 18 with a case-safe suffix that checksums the case of the first 15. One rule for the whole
 * code base: an 18-character value whose suffix does not match is not an id.
 */

const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
export const RECORD_ID_SHAPE = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

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
  if (!RECORD_ID_SHAPE.test(value)) return null;
  const id15 = value.slice(0, 15);
  const full = id15 + caseSafeSuffix(id15);
  if (value.length === 18 && value.slice(15).toUpperCase() !== full.slice(15)) return null;
  return full;
}

export function isRecordId(value: string): boolean {
  return toRecordId18(value) !== null;
}

/**
 * Key prefixes (an id's first 3 characters) of the objects a message may be "about" (a Task's
 * WhatId): the ones Capture looks up, reads the Account of, and relates. Another object's id
 * (a Contract, a Campaign) is not taken for a record: naming one must not make Salesforce refuse
 * the batch's lookup or the mail's Task.
 */
export const WHAT_KEY_PREFIXES: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, string>, {
    '001': 'Account',
    '006': 'Opportunity',
    '801': 'Order',
    '500': 'Case',
  }),
);

/** The object a record id names, from its key prefix; 'unknown' for prefixes a WhatId cannot have. */
export function whatTypeOf(id: string): string {
  return WHAT_KEY_PREFIXES[id.slice(0, 3)] ?? 'unknown';
}

/**
 * A record a message may be about: an id of an Account, Opportunity, Order or Case.
 * Real ids always hold a digit (the instance and counter parts), so a word that happens to be
 * 15 letters long is not taken for one.
 */
export function isWhatRecordId(value: string): boolean {
  return isRecordId(value) && /\d/.test(value) && WHAT_KEY_PREFIXES[value.slice(0, 3)] !== undefined;
}
