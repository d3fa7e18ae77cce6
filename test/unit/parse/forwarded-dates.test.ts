import { describe, expect, it } from 'vitest';
import { parseForwardedDate as parseLooseDate } from '#shared/domain/parse/forwarded-date.ts';

describe('dates in forwarded header blocks', () => {
  it.each([
    ['Mon, 16 Nov 2026 at 10:12', '2026-11-16T10:12:00.000Z'],
    ['Monday, November 16, 2026 10:12 AM', '2026-11-16T10:12:00.000Z'],
    ['Mo., 16. Nov. 2026 um 10:12 Uhr', '2026-11-16T10:12:00.000Z'],
    ['Dienstag, 3. März 2026 14:05', '2026-03-03T14:05:00.000Z'],
    ['lun. 16 nov. 2026 à 10:12', '2026-11-16T10:12:00.000Z'],
    ['lunes, 16 de noviembre de 2026 10:12', '2026-11-16T10:12:00.000Z'],
    ['lun 16 nov 2026 alle ore 10:12', '2026-11-16T10:12:00.000Z'],
    ['ma 16 nov. 2026 om 10:12', '2026-11-16T10:12:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseLooseDate(text)).toBe(iso);
  });

  it('gives null for text that is not a date', () => {
    expect(parseLooseDate('garbage')).toBeNull();
    expect(parseLooseDate('')).toBeNull();
  });
});
