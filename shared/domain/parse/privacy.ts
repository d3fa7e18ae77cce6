/** Privacy rules: excluded domains/addresses and the private subject tag; payment card masking. */
import type { Org } from '../../config/registry.ts';

export function exclusionReason(
  org: Org | null | undefined,
  subject: string | null,
  addresses: readonly string[],
): string | null {
  if (!org) return null;
  const { privateTag, excludedAddresses, excludedDomains } = org.privacy;
  if (subject?.toLowerCase().includes(privateTag.toLowerCase())) return 'private-tag';
  for (const address of addresses) {
    const lower = address.toLowerCase();
    if (excludedAddresses.includes(lower)) return 'excluded-address';
    const domain = lower.slice(lower.lastIndexOf('@') + 1);
    if (excludedDomains.some((d) => domain === d || domain.endsWith(`.${d}`))) return 'excluded-domain';
  }
  return null;
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** 13–19 digits, optionally grouped by single spaces or dashes, not part of a longer number. */
const CARD_CANDIDATE = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;

/** Masks Luhn-valid payment card numbers, keeping the last four digits. */
export function maskCardNumbers(text: string): { text: string; masked: number } {
  let masked = 0;
  const out = text.replace(CARD_CANDIDATE, (candidate) => {
    const digits = candidate.replace(/\D/g, '');
    if (digits.length < 13 || digits.length > 19 || !luhnValid(digits) || /^(\d)\1+$/.test(digits)) {
      return candidate;
    }
    masked++;
    let seen = 0;
    const keepFrom = digits.length - 4;
    return candidate.replace(/\d/g, (d) => (seen++ < keepFrom ? '•' : d));
  });
  return { text: out, masked };
}
