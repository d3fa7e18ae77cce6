/**
 * Salesforce record ids written after `ref:` in a mail ("ref: 006Hs00001AbCdEIAV"), the way
 * Salesforce's own Email to Salesforce lets a sender name the record. Pure and bounded: the
 * subject and the first REF_SCAN_CHARS of the body are scanned once with indexOf, no regex runs
 * on the untrusted text.
 */
import { WHAT_KEY_PREFIXES } from '../record-id.ts';

/** Body characters scanned for `ref:`. */
export const REF_SCAN_CHARS = 5_000;
/** Ids taken from one mail; the first ones win. */
export const MAX_REFS = 5;

/** Key prefixes of the records a `ref:` may name: the What objects Capture looks up. */
export const REF_PREFIXES = WHAT_KEY_PREFIXES;

const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isUpper = (c: number) => c >= 65 && c <= 90;

/** The three checksum characters Salesforce appends to a 15-character id (one per 5 characters: which are upper case). */
export function idChecksum(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) if (isUpper(id15.charCodeAt(chunk * 5 + i))) bits |= 1 << i;
    out += CHECKSUM_ALPHABET[bits];
  }
  return out;
}

/** A 15- or 18-character id of an allowed What object; an 18-character one with its checksum right. */
export function isRefId(id: string): boolean {
  if (id.length !== 15 && id.length !== 18) return false;
  for (let i = 0; i < id.length; i++) if (!isAlnum(id.charCodeAt(i))) return false;
  if (REF_PREFIXES[id.slice(0, 3)] === undefined) return false;
  return id.length === 15 || idChecksum(id.slice(0, 15)) === id.slice(15).toUpperCase();
}

/** Ids after `ref:` in `text`, at most `max`; spaces or tabs may follow the colon. */
function scan(text: string, max: number, out: string[]): void {
  const lower = text.toLowerCase();
  let from = 0;
  while (out.length < max) {
    const at = lower.indexOf('ref:', from);
    if (at < 0) return;
    from = at + 4;
    // "xref:" or "pref:" is another word.
    if (at > 0 && isAlnum(lower.charCodeAt(at - 1))) continue;
    let start = from;
    while (start < from + 3 && (text[start] === ' ' || text[start] === '\t')) start++;
    let end = start;
    while (end < text.length && end - start <= 18 && isAlnum(text.charCodeAt(end))) end++;
    const id = text.slice(start, end);
    if (isRefId(id) && !out.includes(id)) out.push(id);
    from = end;
  }
}

/** Record ids named with `ref:` in the subject, then the body's first REF_SCAN_CHARS characters. */
export function refIdsOf(subject: string | null, body: string): string[] {
  const out: string[] = [];
  scan((subject ?? '').slice(0, REF_SCAN_CHARS), MAX_REFS, out);
  scan(body.slice(0, REF_SCAN_CHARS), MAX_REFS, out);
  return out;
}
