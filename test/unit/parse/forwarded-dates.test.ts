import { describe, expect, it } from 'vitest';
import {
  COMMON_SHAPE_WORDS,
  isIntlOnlyMonthName,
  parseForwardedDate,
} from '#shared/domain/parse/forwarded-date.ts';

describe('dates in forwarded header blocks', () => {
  it.each([
    // chrono-node's own languages
    ['Mon, 16 Nov 2026 at 10:12', '2026-11-16T10:12:00.000Z'],
    ['Monday, November 16, 2026 10:12 AM', '2026-11-16T10:12:00.000Z'],
    ['Wed, 14 Oct 2026 11:41:00 +0200', '2026-10-14T09:41:00.000Z'],
    ['Mo., 16. Nov. 2026 um 10:12 Uhr', '2026-11-16T10:12:00.000Z'],
    ['Dienstag, 3. März 2026 14:05', '2026-03-03T14:05:00.000Z'],
    ['14. Oktober 2026 um 09:41:12 MESZ', '2026-10-14T07:41:12.000Z'],
    ['lun. 16 nov. 2026 à 10:12', '2026-11-16T10:12:00.000Z'],
    ['lunes, 16 de noviembre de 2026 10:12', '2026-11-16T10:12:00.000Z'],
    ['lun 16 nov 2026 alle ore 10:12', '2026-11-16T10:12:00.000Z'],
    ['ma 16 nov. 2026 om 10:12', '2026-11-16T10:12:00.000Z'],
    ['quarta, 14/10/2026 à(s) 09:41', '2026-10-14T09:41:00.000Z'],
    ['ons 14 okt. 2026 kl 09:41', '2026-10-14T09:41:00.000Z'],
    ['14 октября 2026 г. в 9:41', '2026-10-14T09:41:00.000Z'],
    ['2026年10月14日水曜日 9:41', '2026-10-14T09:41:00.000Z'],
    ['28/10/2021 12:46', '2021-10-28T12:46:00.000Z'],
    // month names from the runtime's locale data
    ['14 października 2026 o 09:41', '2026-10-14T09:41:00.000Z'],
    ['st 14. 10. 2026 v 9:41', '2026-10-14T09:41:00.000Z'],
    ['2026. október 14. 9:41', '2026-10-14T09:41:00.000Z'],
    ['14 Eki 2026 Çar, 09:41', '2026-10-14T09:41:00.000Z'],
    ['ke 14. lokak. 2026 klo 9.41', '2026-10-14T09:41:00.000Z'],
    ['14. oktober 2026 kl. 09.41', '2026-10-14T09:41:00.000Z'],
    ['14 octombrie 2026, 09:41', '2026-10-14T09:41:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseForwardedDate(text)).toBe(iso);
  });

  it('reads the common shapes before the month tables: none of their words is a month only Intl knows', () => {
    const words = COMMON_SHAPE_WORDS.flatMap((w) => w.match(/\p{L}{3,}/gu) ?? []);
    expect(words.length).toBeGreaterThan(60);
    expect(words.filter(isIntlOnlyMonthName)).toEqual([]);
    // The check can tell: Polish, Czech and Hungarian month names are only Intl's.
    expect(['października', 'listopadu', 'október'].filter(isIntlOnlyMonthName)).toHaveLength(3);
  });

  it('reads a month name two languages share in the language the caller names', () => {
    // "listopad" is November in Czech and Polish, October in Croatian.
    expect(parseForwardedDate('14. listopada 2026. u 09:41')).toBe('2026-11-14T09:41:00.000Z');
    expect(parseForwardedDate('14. listopada 2026. u 09:41', 'hr')).toBe('2026-10-14T09:41:00.000Z');
  });

  it('gives null unless day, month and year are all there', () => {
    expect(parseForwardedDate('garbage')).toBeNull();
    expect(parseForwardedDate('')).toBeNull();
    expect(parseForwardedDate(null)).toBeNull();
    expect(parseForwardedDate('10:12')).toBeNull();
    expect(parseForwardedDate('Monday')).toBeNull();
    expect(parseForwardedDate('14 October')).toBeNull();
  });
});
