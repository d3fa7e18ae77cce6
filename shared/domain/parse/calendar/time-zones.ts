/**
 * Local calendar times → UTC. IANA zone names and the Windows zone names Outlook and Exchange send
 * ("W. Europe Standard Time") go through Intl, whose tz database knows history and DST; a custom
 * TZID is left to the VTIMEZONE that defines it (see read-invite.ts).
 */
import { nullPrototype } from '../../lookup-table.ts';

/** Windows zone name → IANA zone, the common ones (CLDR windowsZones, territory 001). */
export const WINDOWS_ZONES: Readonly<Record<string, string>> = nullPrototype({
  'Dateline Standard Time': 'Etc/GMT+12',
  'UTC-11': 'Etc/GMT+11',
  'Hawaiian Standard Time': 'Pacific/Honolulu',
  'Alaskan Standard Time': 'America/Anchorage',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Pacific Standard Time (Mexico)': 'America/Tijuana',
  'US Mountain Standard Time': 'America/Phoenix',
  'Mountain Standard Time': 'America/Denver',
  'Central Standard Time': 'America/Chicago',
  'Central Standard Time (Mexico)': 'America/Mexico_City',
  'Canada Central Standard Time': 'America/Regina',
  'Central America Standard Time': 'America/Guatemala',
  'Eastern Standard Time': 'America/New_York',
  'US Eastern Standard Time': 'America/Indiana/Indianapolis',
  'SA Pacific Standard Time': 'America/Bogota',
  'Atlantic Standard Time': 'America/Halifax',
  'Venezuela Standard Time': 'America/Caracas',
  'Pacific SA Standard Time': 'America/Santiago',
  'Newfoundland Standard Time': 'America/St_Johns',
  'E. South America Standard Time': 'America/Sao_Paulo',
  'Argentina Standard Time': 'America/Argentina/Buenos_Aires',
  UTC: 'Etc/UTC',
  'GMT Standard Time': 'Europe/London',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Romance Standard Time': 'Europe/Paris',
  'Central European Standard Time': 'Europe/Warsaw',
  'W. Central Africa Standard Time': 'Africa/Lagos',
  'Morocco Standard Time': 'Africa/Casablanca',
  'GTB Standard Time': 'Europe/Bucharest',
  'E. Europe Standard Time': 'Europe/Chisinau',
  'FLE Standard Time': 'Europe/Kiev',
  'Egypt Standard Time': 'Africa/Cairo',
  'South Africa Standard Time': 'Africa/Johannesburg',
  'Israel Standard Time': 'Asia/Jerusalem',
  'Turkey Standard Time': 'Europe/Istanbul',
  'Arabic Standard Time': 'Asia/Baghdad',
  'Arab Standard Time': 'Asia/Riyadh',
  'Russian Standard Time': 'Europe/Moscow',
  'E. Africa Standard Time': 'Africa/Nairobi',
  'Iran Standard Time': 'Asia/Tehran',
  'Arabian Standard Time': 'Asia/Dubai',
  'Pakistan Standard Time': 'Asia/Karachi',
  'India Standard Time': 'Asia/Kolkata',
  'Nepal Standard Time': 'Asia/Kathmandu',
  'Bangladesh Standard Time': 'Asia/Dhaka',
  'SE Asia Standard Time': 'Asia/Bangkok',
  'China Standard Time': 'Asia/Shanghai',
  'Singapore Standard Time': 'Asia/Singapore',
  'Taipei Standard Time': 'Asia/Taipei',
  'W. Australia Standard Time': 'Australia/Perth',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'Korea Standard Time': 'Asia/Seoul',
  'Cen. Australia Standard Time': 'Australia/Adelaide',
  'AUS Central Standard Time': 'Australia/Darwin',
  'E. Australia Standard Time': 'Australia/Brisbane',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'New Zealand Standard Time': 'Pacific/Auckland',
});

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();
const MAX_CACHED_ZONES = 64;

function formatterFor(zone: string): Intl.DateTimeFormat | null {
  if (formatters.has(zone)) return formatters.get(zone) ?? null;
  let formatter: Intl.DateTimeFormat | null = null;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    formatter = null;
  }
  // Names come from untrusted mail: keep the cache bounded.
  if (formatters.size >= MAX_CACHED_ZONES) formatters.clear();
  formatters.set(zone, formatter);
  return formatter;
}

/**
 * The IANA zone a TZID stands for: an IANA name, a Windows name, or an IANA name behind a path
 * prefix as some clients write it ("/mozilla.org/20070129_1/Europe/Berlin"). Null when unknown.
 */
export function ianaZoneOf(tzid: string): string | null {
  const name = tzid.trim().replace(/^"|"$/g, '');
  if (name.length === 0 || name.length > 200) return null;
  const windows = WINDOWS_ZONES[name];
  if (windows) return formatterFor(windows) ? windows : null;
  if (/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name) && formatterFor(name)) return name;
  const tail = /([A-Za-z_]+\/[A-Za-z0-9_+-]+(?:\/[A-Za-z_]+)?)$/.exec(name)?.[1];
  return tail && formatterFor(tail) ? tail : null;
}

const HOUR = 3_600_000;

/** "M/D/YYYY, HH:MM:SS", as the en-US formatter above writes an instant. */
const WRITTEN = /^(\d{1,2})\/(\d{1,2})\/(\d{1,6}), (\d{2}):(\d{2}):(\d{2})$/;

/** Offset of `zone` from UTC at the instant `utcMillis`, in milliseconds. */
function offsetAt(zone: string, utcMillis: number): number {
  const formatter = formatterFor(zone);
  if (!formatter) return 0;
  const t = wallClockOf(formatter, new Date(utcMillis));
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return asUtc - Math.floor(utcMillis / 1000) * 1000;
}

/** The wall-clock time the formatter's zone shows at `date`. */
function wallClockOf(formatter: Intl.DateTimeFormat, date: Date): LocalTime {
  // format() costs a third of formatToParts(); the parts are the fallback for any other shape.
  const w = WRITTEN.exec(formatter.format(date));
  if (w) {
    const n = (group: number) => Number(w[group]);
    return { year: n(3), month: n(1), day: n(2), hour: n(4), minute: n(5), second: n(6) };
  }
  const parts = new Map<string, number>();
  for (const p of formatter.formatToParts(date)) {
    if (p.type !== 'literal') parts.set(p.type, Number(p.value));
  }
  const part = (name: string) => parts.get(name) ?? 0;
  return {
    year: part('year'),
    month: part('month'),
    day: part('day'),
    hour: part('hour'),
    minute: part('minute'),
    second: part('second'),
  };
}

/**
 * The UTC instant of a wall-clock time in an IANA zone, as RFC 5545 reads it: a time that occurs
 * twice (DST ends) is the first one; a time skipped (DST starts) uses the offset before the change.
 */
export function zonedTimeToUtc(local: LocalTime, zone: string): number {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  // Offsets run from -12 to +14 hours, so the instant lies between wall - 14 h and wall + 12 h;
  // the offsets an hour beyond either end bound it (zones change offset at most once in 28 hours).
  const before = offsetAt(zone, wall - 15 * HOUR);
  const after = offsetAt(zone, wall + 13 * HOUR);
  // One offset all along (nearly always): wall - offset is the one answer.
  if (before === after) return wall - before;
  const valid = [wall - before, wall - after].filter((t) => offsetAt(zone, t) === wall - t);
  return valid.length > 0 ? Math.min(...valid) : wall - before;
}
