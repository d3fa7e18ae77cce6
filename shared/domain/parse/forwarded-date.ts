/**
 * Dates as mail clients print them in a forwarded header block, in many languages:
 * "Wed, Oct 27, 2021 at 9:31 AM", "Mi., 27. Okt. 2021 um 09:31 Uhr", "26 października 2021 o 14:25:08",
 * "2021. október 28. 12:46", "28/10/2021 12:46". chrono-node reads the languages it knows; for the
 * others, month names are translated to English with the names the runtime's own locale data
 * (Intl) gives, then chrono reads the result. A date counts only when day, month and year are all
 * stated: a bare time or weekday is not the original's date. Without a zone the time is read as UTC
 * (the forward does not say which zone the client was in).
 */
import { chronoLocales as locale } from './lazy-chrono.cjs';

type Reader = { parse: ReturnType<typeof locale.en>['parse'] };

/** chrono's own languages by script, most common first; each script's load on its first use. */
const READERS = {
  // British English reads "28/10/2021" day first.
  latin: () => [
    locale.en().strict,
    locale.de().casual,
    locale.fr().casual,
    locale.es().casual,
    locale.it().casual,
    locale.nl().casual,
    locale.pt().casual,
    locale.sv().casual,
    locale.en().GB,
  ],
  cyrillic: () => [locale.ru().casual, locale.uk().casual],
  cjk: () => [locale.ja().casual],
} satisfies Record<string, () => Reader[]>;

/** Only the readers for the text's script: chrono takes about a millisecond per reading. */
function readersFor(text: string): Reader[] {
  if (/[\u3040-\u30ff\u4e00-\u9fff]/u.test(text)) return READERS.cjk();
  if (/[\u0400-\u04ff]/u.test(text)) return READERS.cyrillic();
  return READERS.latin();
}

/**
 * Languages whose month names come from Intl when chrono cannot read the date. The order settles
 * names two languages share with different meanings ("listopad" is November in Czech and Polish,
 * October in Croatian) unless the caller knows the language.
 */
const INTL_LOCALES = [
  'cs',
  'pl',
  'sk',
  'hr',
  'hu',
  'ro',
  'tr',
  'da',
  'nb',
  'et',
  'fi',
  'ru',
  'uk',
  'sv',
  'pt',
  'fr',
  'es',
  'it',
  'nl',
  'de',
];

const ENGLISH_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const monthNames = new Map<string, Map<string, number>>();

const normalise = (word: string) => word.toLocaleLowerCase('en').replace(/\.$/, '');

/** Month names (long, short, and the genitive forms used beside a day) of the locales, first claim wins. */
function monthNamesOf(locales: string[]): Map<string, number> {
  const names = new Map<string, number>();
  for (const locale of locales) {
    const formats = [
      new Intl.DateTimeFormat(locale, { month: 'long', timeZone: 'UTC' }),
      new Intl.DateTimeFormat(locale, { month: 'short', timeZone: 'UTC' }),
      new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', timeZone: 'UTC' }),
      new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' }),
    ];
    for (let month = 0; month < 12; month++) {
      const date = new Date(Date.UTC(2021, month, 15));
      for (const format of formats) {
        for (const part of format.formatToParts(date)) {
          if (part.type !== 'month') continue;
          const name = normalise(part.value);
          if (name.length >= 3 && !/\d/.test(name) && !names.has(name)) names.set(name, month);
        }
      }
    }
  }
  return names;
}

/** Month names of every Intl locale used here, the given locale first. */
function intlMonthNames(first: string | null): Map<string, number> {
  const key = first ?? '';
  const known = monthNames.get(key);
  if (known) return known;
  const locales = first && Intl.DateTimeFormat.supportedLocalesOf([first]).length ? [first] : [];
  const names = monthNamesOf([...locales, ...INTL_LOCALES]);
  monthNames.set(key, names);
  return names;
}

/** Languages chrono reads; a month name none of them has sends the date straight to the Intl path. */
const CHRONO_LOCALES = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pt', 'sv', 'ru', 'uk'];
let chronoMonthNames: Map<string, number> | null = null;

/** Whether a word is a month name in a language chrono does not read (built on first use). */
export function isIntlOnlyMonthName(word: string): boolean {
  chronoMonthNames ??= monthNamesOf(CHRONO_LOCALES);
  const name = normalise(word);
  return intlMonthNames(null).has(name) && !chronoMonthNames.has(name);
}

function hasMonthOnlyIntlKnows(text: string): boolean {
  return (text.match(/[\p{L}]{3,}/gu) ?? []).some(isIntlOnlyMonthName);
}

/** A month name, or a client's own abbreviation of one ("lokak." for "lokakuuta"). */
function monthOf(names: Map<string, number>, word: string): number | undefined {
  const exact = names.get(word);
  if (exact !== undefined || word.length < 4) return exact;
  for (const [name, month] of names) if (name.startsWith(word)) return month;
  return undefined;
}

/** Rewrites a client's date into a shape chrono's English reader knows. */
function toEnglish(text: string, language: string | null): string {
  const names = intlMonthNames(language);
  let out = text.replace(/[\p{L}]+\.?/gu, (word) => {
    const month = monthOf(names, normalise(word));
    return (month === undefined ? undefined : ENGLISH_MONTHS[month]) ?? word;
  });
  // Year first (Hungarian): "2021. October 28." → "28 October 2021".
  out = out.replace(/\b(\d{4})\.\s*([A-Z][a-z]+)\s+(\d{1,2})\./, '$3 $2 $1');
  // Numeric day first with dots (Czech, Slovak): "27. 10. 2021" → "2021-10-27".
  out = out.replace(/\b(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})\b/, (_m, d: string, mo: string, y: string) => {
    return `${y}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}`;
  });
  // Times written with dots ("kl. 14.25.08", "klo 9.31").
  out = out.replace(
    /\b(\d{1,2})\.(\d{2})(?:\.(\d{2}))?(?=\s|$|,)/g,
    (_m, h: string, mi: string, s?: string) => (s ? `${h}:${mi}:${s}` : `${h}:${mi}`),
  );
  // Day numbers written "26." and words chrono would take for something else.
  return out.replace(/\b(\d{1,2})\.(?=\s)/g, '$1').replace(/[\p{L}]+\.?,?/gu, (word) => {
    const bare = word.replace(/[.,]$/g, '');
    return ENGLISH_MONTHS.includes(bare) || /^(AM|PM|GMT|UTC)$/i.test(bare) ? word : ' ';
  });
}

const EARLIEST = Date.UTC(1980, 0, 1);
/** Unzoned times are read as UTC; the reference instant only fills what the text leaves out. */
const REFERENCE = { instant: new Date(0), timezone: 0 };

type Components = ReturnType<Reader['parse']>[number]['start'];

/** A date read apart from its time ("27/10/2021 à(s) 09:31"): the two joined. */
function joined(date: Components, time: Components | undefined): number {
  if (!time?.isCertain('hour') || time.isCertain('day')) return date.date().getTime();
  const offset = time.get('timezoneOffset') ?? date.get('timezoneOffset') ?? 0;
  const at = Date.UTC(
    date.get('year') ?? 0,
    (date.get('month') ?? 1) - 1,
    date.get('day') ?? 1,
    time.get('hour') ?? 0,
    time.get('minute') ?? 0,
    time.get('second') ?? 0,
  );
  return at - offset * 60_000;
}

/**
 * The first reading with day, month and year stated and, when `withTime`, the hour too, or null.
 * A date read apart from its time is joined with the time that follows it.
 */
function certainDate(results: ReturnType<Reader['parse']>, withTime: boolean): Date | null {
  for (const [index, result] of results.entries()) {
    const start = result.start;
    if (!start.isCertain('day') || !start.isCertain('month') || !start.isCertain('year')) continue;
    const next = start.isCertain('hour') ? undefined : results[index + 1]?.start;
    if (withTime && !start.isCertain('hour') && !next?.isCertain('hour')) continue;
    const time = joined(start, next);
    // A client's header never names a date this far off: such a reading is a misreading.
    if (Number.isNaN(time) || time < EARLIEST || time > Date.now() + 366 * 86_400_000) continue;
    return new Date(time);
  }
  return null;
}

const WEEKDAYS = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday';
const MONTHS =
  'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|January|February|March|April|June|July|August|September|October|November|December';
const WEEKDAY = `(?:${WEEKDAYS})`;
const MONTH = `(${MONTHS})`;
const TIME = String.raw`(\d{1,2}):(\d{2})(?::(\d{2}))?(?: (AM|PM))?`;
/** "Wed, 14 Oct 2026 11:41:00 +0200" (RFC 2822), "Mon, 16 Nov 2026 at 10:12". */
const DAY_FIRST = new RegExp(
  String.raw`^(?:${WEEKDAY}, )?(\d{1,2}) ${MONTH} (\d{4})(?: at)? ${TIME}(?: ([+-])(\d{2})(\d{2}))?$`,
);
/** "Wednesday, October 14, 2026 9:41 AM" (Outlook), "Wed, Oct 14, 2026 at 9:41 AM" (Gmail). */
const MONTH_FIRST = new RegExp(String.raw`^(?:${WEEKDAY}, )?${MONTH} (\d{1,2}), (\d{4})(?: at)? ${TIME}$`);
/** "10/13/2026 04:15:22 PM" (Lotus Notes), read month first as chrono's English reader does. */
const NUMERIC = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4}) ${TIME}$`);

const monthNumber = (name: string) => ENGLISH_MONTHS.findIndex((m) => m.startsWith(name)) + 1;

/** "Mo., 16. Nov. 2026 um 10:12 Uhr" (Gmail), "14. Oktober 2026 um 09:41:12 MESZ" (Apple Mail), German. */
const GERMAN_WEEKDAYS = ['Mo', 'Di', 'Mi', 'Do', 'Fr', 'Sa', 'So'];
const GERMAN = new RegExp(
  String.raw`^(?:(?:${GERMAN_WEEKDAYS.join('|')})\., )?(\d{1,2})\. (\p{L}+\.?) (\d{4}) um (\d{1,2}):(\d{2})(?::(\d{2}))?(?: Uhr)?(?: (MEZ|MESZ))?$`,
  'u',
);
const GERMAN_MONTHS = new Map(
  Object.entries({
    Januar: 1,
    'Jan.': 1,
    Februar: 2,
    'Feb.': 2,
    März: 3,
    April: 4,
    'Apr.': 4,
    Mai: 5,
    Juni: 6,
    Juli: 7,
    August: 8,
    'Aug.': 8,
    September: 9,
    'Sep.': 9,
    'Sept.': 9,
    Oktober: 10,
    'Okt.': 10,
    November: 11,
    'Nov.': 11,
    Dezember: 12,
    'Dez.': 12,
  }),
);
/** "mercredi 14 octobre 2026 09:41" (Outlook), "14 oct. 2026 à 09:41" (Gmail), French. */
const FRENCH_WEEKDAYS = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'];
const FRENCH = new RegExp(
  String.raw`^(?:(?:${FRENCH_WEEKDAYS.join('|')}) )?(\d{1,2}) (\p{L}+\.?) (\d{4})(?: à)? (\d{1,2}):(\d{2})(?::(\d{2}))?$`,
  'u',
);
const FRENCH_MONTHS = new Map(
  Object.entries({
    janvier: 1,
    'janv.': 1,
    février: 2,
    'févr.': 2,
    mars: 3,
    avril: 4,
    'avr.': 4,
    mai: 5,
    juin: 6,
    juillet: 7,
    'juil.': 7,
    août: 8,
    septembre: 9,
    'sept.': 9,
    octobre: 10,
    'oct.': 10,
    novembre: 11,
    'nov.': 11,
    décembre: 12,
    'déc.': 12,
  }),
);

/**
 * Every word the common shapes above accept, in the regular expressions and month tables: all
 * English, German or French, none a month name only Intl knows.
 */
export const COMMON_SHAPE_WORDS: readonly string[] = [
  ...WEEKDAYS.split('|'),
  ...MONTHS.split('|'),
  ...['at', 'AM', 'PM', 'um', 'Uhr', 'MEZ', 'MESZ', 'à'],
  ...GERMAN_WEEKDAYS,
  ...GERMAN_MONTHS.keys(),
  ...FRENCH_WEEKDAYS,
  ...FRENCH_MONTHS.keys(),
];

/** Day, month name and year, then the time (24-hour, no zone), in a language `months` names. */
function localParts(
  match: RegExpExecArray | null,
  months: Map<string, number>,
): (string | undefined)[] | null {
  const month = match ? months.get(match[2]!) : undefined;
  if (!match || month === undefined) return null;
  // Central European time as chrono reads its German names: MEZ +01:00, MESZ +02:00.
  const zone = match[7] === 'MESZ' ? ['+', '02', '00'] : match[7] === 'MEZ' ? ['+', '01', '00'] : [];
  return [match[3], String(month), match[1], match[4], match[5], match[6], undefined, ...zone];
}

/** Year, month, day, then the time's parts and the zone's, of a common shape; null for another. */
function datePartsOf(text: string): (string | undefined)[] | null {
  const dayFirst = DAY_FIRST.exec(text);
  if (dayFirst) return [dayFirst[3], String(monthNumber(dayFirst[2]!)), dayFirst[1], ...dayFirst.slice(4)];
  const monthFirst = MONTH_FIRST.exec(text);
  if (monthFirst)
    return [monthFirst[3], String(monthNumber(monthFirst[1]!)), monthFirst[2], ...monthFirst.slice(4)];
  const numeric = NUMERIC.exec(text);
  if (numeric) return [numeric[3], numeric[1], numeric[2], ...numeric.slice(4)];
  return localParts(GERMAN.exec(text), GERMAN_MONTHS) ?? localParts(FRENCH.exec(text), FRENCH_MONTHS);
}

/**
 * The shapes most clients print, read without chrono, as chrono's English reader (the first one
 * tried) reads them; null for anything else, or anything unusual in them (an impossible day or
 * time, a 12-hour time past 12, a date chrono would not take), which then goes to chrono.
 */
function readCommonShape(text: string): string | null {
  const parts = datePartsOf(text);
  if (!parts) return null;
  const [y, mo, d, h, mi, sec, meridiem, sign, zh, zm] = parts;
  const year = Number(y);
  // Date.UTC reads years below 100 as 19xx: such a year is left to chrono (none is near EARLIEST).
  if (year < 1980) return null;
  const month = Number(mo);
  const day = Number(d);
  let hour = Number(h);
  const minute = Number(mi);
  const second = sec === undefined ? 0 : Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate())
    return null;
  if (minute > 59 || second > 59) return null;
  if (meridiem) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (meridiem === 'PM' ? 12 : 0);
  } else if (hour > 23) {
    return null;
  }
  let offset = 0;
  if (sign) {
    if (Number(zh) > 13 || Number(zm) > 59) return null;
    offset = (sign === '-' ? -1 : 1) * (Number(zh) * 60 + Number(zm));
  }
  const time = Date.UTC(year, month - 1, day, hour, minute, second) - offset * 60_000;
  if (time < EARLIEST || time > Date.now() + 366 * 86_400_000) return null;
  return new Date(time).toISOString();
}

/**
 * ISO date of a forwarded original's printed date, or null when day, month and year are not all
 * there. `language` (a BCP 47 tag), when the caller knows it, settles month names shared by two
 * languages.
 */
export function parseForwardedDate(
  value: string | null | undefined,
  language: string | null = null,
): string | null {
  if (!value) return null;
  const text = value
    .replace(/\uFEFF/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
  if (text === '') return null;
  // A common shape's words are none of them a month name only Intl knows (COMMON_SHAPE_WORDS, as a
  // test checks): it is read before the month tables are built, which costs a process ~80 ms.
  const common = readCommonShape(text);
  if (common !== null) return common;
  const hasTime = /\d{1,2}[:.]\d{2}\b/.test(text.replace(/\b\d{1,2}\.\s*\d{1,2}\.\s*\d{4}\b/, ''));
  // Each reader reads once; a reading with the time wins over one without (chrono's German reader
  // reads "26. oktober 2021 kl. 14.25" as a day only, the Intl path as day and time).
  let dayOnly: Date | null = null;
  const chronoReadings = readersFor(text).map((reader) => () => reader.parse(text, REFERENCE));
  const intlReading = () => locale.en().casual.parse(toEnglish(text, language), REFERENCE);
  const readings = hasMonthOnlyIntlKnows(text)
    ? [intlReading, ...chronoReadings]
    : [...chronoReadings, intlReading];
  for (const read of readings) {
    const results = read();
    const full = hasTime ? certainDate(results, true) : null;
    if (full) return full.toISOString();
    dayOnly ??= certainDate(results, false);
    if (dayOnly && !hasTime) return dayOnly.toISOString();
  }
  return dayOnly ? dayOnly.toISOString() : null;
}
