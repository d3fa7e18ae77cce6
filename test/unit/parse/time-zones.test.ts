/**
 * Wall-clock times in IANA zones to UTC (invites' DTSTART/DTEND with a TZID), checked against a
 * search that asks Intl for the wall clock at every quarter hour within 15 hours of the time.
 */
import { describe, expect, it } from 'vitest';
import { type LocalTime, zonedTimeToUtc } from '#shared/domain/parse/calendar/time-zones.ts';

const QUARTER = 15 * 60_000;

const formats = new Map<string, Intl.DateTimeFormat>();

function wallAt(zone: string, utc: number): number {
  const format =
    formats.get(zone) ??
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  formats.set(zone, format);
  const parts = format.formatToParts(new Date(utc));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
}

/**
 * RFC 5545 §3.3.5: a time that occurs twice is the first one; a time that is skipped is read
 * with the offset before the change. Every zone's offset is a whole number of quarter hours.
 */
function reference(local: LocalTime, zone: string): number {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  for (let t = wall - 15 * 3_600_000; t <= wall + 15 * 3_600_000; t += QUARTER) {
    if (wallAt(zone, t) === wall) return t;
  }
  // Skipped: the offset in force before the change, taken before any instant the time could be.
  const before = wall - 15 * 3_600_000;
  return wall - (wallAt(zone, before) - before);
}

const local = (utc: number): LocalTime => {
  const d = new Date(utc);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
};

/** Days with an offset change (or none), in zones with odd offsets and the date line. */
const CASES: [zone: string, day: string][] = [
  ['Europe/Berlin', '2026-03-29'],
  ['Europe/Berlin', '2026-10-25'],
  ['America/New_York', '2026-03-08'],
  ['America/New_York', '2026-11-01'],
  ['America/St_Johns', '2026-03-08'],
  ['Australia/Lord_Howe', '2026-04-05'],
  ['Australia/Lord_Howe', '2026-10-04'],
  ['Asia/Kathmandu', '2026-06-15'],
  ['Pacific/Kiritimati', '2026-01-01'],
  ['Pacific/Apia', '2011-12-30'],
  ['Pacific/Chatham', '2026-04-05'],
  ['Pacific/Chatham', '2026-09-27'],
  ['UTC', '2026-06-15'],
];

describe('zonedTimeToUtc', () => {
  it.each(CASES)('%s on %s: every quarter hour of the day agrees with the search', (zone, day) => {
    const start = Date.parse(`${day}T00:00:00Z`);
    const wrong: string[] = [];
    for (let wall = start; wall < start + 86_400_000; wall += QUARTER) {
      const got = zonedTimeToUtc(local(wall), zone);
      const want = reference(local(wall), zone);
      if (got !== want) wrong.push(`${new Date(wall).toISOString()}: ${got} ≠ ${want}`);
    }
    expect(wrong).toEqual([]);
  });

  it('reads a time skipped by the spring change with the offset before it, a repeated one as the first', () => {
    // Berlin, 29 Mar 2026: 02:30 does not exist (read at +01:00); 25 Oct: 02:30 happens twice.
    expect(new Date(zonedTimeToUtc(local(Date.UTC(2026, 2, 29, 2, 30)), 'Europe/Berlin')).toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    expect(new Date(zonedTimeToUtc(local(Date.UTC(2026, 9, 25, 2, 30)), 'Europe/Berlin')).toISOString()).toBe(
      '2026-10-25T00:30:00.000Z',
    );
  });
});
