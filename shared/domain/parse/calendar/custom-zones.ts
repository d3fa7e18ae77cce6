/**
 * Custom time zones: a TZID Intl does not know, defined by the calendar's own VTIMEZONE. ical.js
 * expands every STANDARD/DAYLIGHT rule from its DTSTART up to a few years past the year asked
 * for, one occurrence at a time: hostile rules (many BY values, hourly ones, from year 1601)
 * cost minutes of CPU and gigabytes. Only the shapes real time zones have are expanded, and only
 * over the years around the one asked for (not from 1601, Outlook's habit, to a few years from now).
 */
import ICAL from 'ical.js';

type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;
type Recur = InstanceType<typeof ICAL.Recur>;
export type Timezone = InstanceType<typeof ICAL.Timezone>;

/** STANDARD/DAYLIGHT components of one VTIMEZONE. */
const MAX_RULES = 20;
/** Of them, with an RRULE (a zone's history has a few: one pair per period of its DST rules). */
const MAX_RECURRING_RULES = 8;
/** RDATE values of one VTIMEZONE, each an onset of its own. */
const MAX_RDATES = 400;
export const ZONE_YEAR_MIN = 1600;
/** A yearly rule is expanded from this many years before the year asked for. */
const YEARS_BACK = 2;
const ALLOWED_PARTS = new Set(['BYMONTH', 'BYDAY', 'BYMONTHDAY']);

/**
 * The VTIMEZONE as ical.js should read it for an instant in `year`, or a reason it is not
 * expanded (the caller reads such times as UTC, with a warning).
 */
export function zoneForYear(vtz: Component, year: number, yearMax: number): Timezone | string {
  const rules = vtz.getAllSubcomponents();
  if (rules.length === 0 || rules.length > MAX_RULES) return `it has ${rules.length} rules`;
  let recurring = 0;
  let rdates = 0;
  for (const rule of rules) {
    const refused = refusedRule(rule, yearMax);
    if (refused) return refused;
    if (rule.hasProperty('rrule')) recurring++;
    for (const p of rule.getAllProperties('rdate')) rdates += p.getValues().length;
  }
  if (recurring > MAX_RECURRING_RULES) return `it has more than ${MAX_RECURRING_RULES} recurring rules`;
  if (rdates > MAX_RDATES) return `it has more than ${MAX_RDATES} RDATE values`;
  const copy = new ICAL.Component(structuredClone(vtz.toJSON()) as never);
  for (const rule of copy.getAllSubcomponents()) narrowTo(rule, year);
  return new ICAL.Timezone(copy);
}

/** Why ical.js should not expand this STANDARD/DAYLIGHT rule; null when it may. */
function refusedRule(rule: Component, yearMax: number): string | null {
  if (rule.name !== 'standard' && rule.name !== 'daylight') return `it holds a ${rule.name.slice(0, 20)}`;
  const start = rule.getFirstPropertyValue('dtstart');
  if (!(start instanceof ICAL.Time) || start.year < ZONE_YEAR_MIN || start.year > yearMax)
    return 'a rule starts outside the years read';
  const rrules = rule.getAllProperties('rrule');
  if (rrules.length > 1) return 'a rule has several RRULEs';
  const recur = rrules[0]?.getFirstValue();
  if (recur === undefined) return null;
  if (!(recur instanceof ICAL.Recur)) return 'a rule has an unreadable RRULE';
  if (recur.count) return 'a rule counts its onsets (COUNT)';
  return yearlyOnce(recur) ? null : 'a rule recurs other than once a year';
}

/**
 * A rule of the shape time zones use, at most one onset a year: YEARLY, one month, and one
 * weekday ("last Sunday", "-1SU"), one day of the month, or a weekday among at most seven days
 * ("the Sunday from the 8th to the 14th").
 */
function yearlyOnce(recur: Recur): boolean {
  if (recur.freq !== 'YEARLY' || (recur.interval ?? 1) !== 1) return false;
  const parts = Object.entries(recur.parts ?? {}).filter(([, v]) => Array.isArray(v) && v.length > 0);
  if (parts.some(([name]) => !ALLOWED_PARTS.has(name))) return false;
  const { BYMONTH: months = [], BYDAY: days = [], BYMONTHDAY: monthDays = [] } = recur.parts;
  if (months.length !== 1 || days.length > 1) return false;
  if (days.length === 1) return monthDays.length <= 7;
  return monthDays.length === 1;
}

/**
 * Narrows a yearly rule to the years around `year`: its DTSTART (the onset it is counted from)
 * moves to YEARS_BACK before, same day and time, and it ends (UNTIL) with the next year. The
 * onsets that decide a time in `year` stay the same; none before or after them is expanded.
 */
function narrowTo(rule: Component, year: number): void {
  const recur = rule.getFirstPropertyValue('rrule');
  const start = rule.getFirstPropertyValue('dtstart');
  if (!(recur instanceof ICAL.Recur) || !(start instanceof ICAL.Time)) return;
  const from = year - YEARS_BACK;
  if (start.year < from && !(recur.until && recur.until.year < from)) {
    const moved: Time = start.clone();
    if (moved.month === 2 && moved.day === 29) moved.day = 28;
    moved.year = from;
    rule.updatePropertyWithValue('dtstart', moved);
  }
  const end = ICAL.Time.fromData({ year: year + 1, month: 12, day: 31, hour: 23, minute: 59, second: 59 });
  if (!recur.until || recur.until.compare(end) > 0) recur.until = end;
}
