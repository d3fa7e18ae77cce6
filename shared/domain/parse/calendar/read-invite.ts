/**
 * One calendar part's text → the meeting invite it carries (ical.js). Untrusted input: the text is
 * already cut to a byte budget, only the first events are looked at, every field is bounded, and a
 * part that cannot be read is a warning, never an exception.
 */
import ICAL from 'ical.js';
import type { Invite, InviteAttendee, MailAddress } from '../../captured-email.ts';
import { tableOf } from '../../lookup-table.ts';
import { multiLine, SANE_YEARS, singleLine } from '../../sync/sanitize.ts';
import { type Timezone, zoneForYear } from './custom-zones.ts';
import { ianaZoneOf, zonedTimeToUtc } from './time-zones.ts';

type Component = InstanceType<typeof ICAL.Component>;
type Property = InstanceType<typeof ICAL.Property>;
type Time = InstanceType<typeof ICAL.Time>;

export interface CalendarLimits {
  /** Bytes of one calendar part kept; beyond it the part is cut after its last whole event (warning). */
  maxBytes: number;
  /** Calendar parts read per message (Google sends two copies: inline and invite.ics). */
  maxParts: number;
  /** VEVENTs looked at per part (a series plus its changed occurrences); the rest are ignored (warning). */
  maxEvents: number;
  /** Attendees kept (Salesforce takes at most 1,000 invitees on an Event). */
  maxAttendees: number;
  maxDescriptionChars: number;
  /** Longest DURATION taken; a longer one is cut to it (warning). */
  maxDurationDays: number;
  /**
   * CPU time one calendar part may take to read, in milliseconds, checked between steps (parse, each
   * event, each time zone expansion, each hundred attendees); past it the invite is dropped
   * (warning) and the mail is captured without it. Every step is itself bounded by count.
   */
  maxWorkMs: number;
}

export const DEFAULT_CALENDAR_LIMITS: CalendarLimits = {
  maxBytes: 1024 * 1024,
  maxParts: 4,
  maxEvents: 50,
  maxAttendees: 1000,
  maxDescriptionChars: 32_000,
  maxDurationDays: 366,
  maxWorkMs: 250,
};

/** Milliseconds from some fixed point; readInvite measures its work with it. */
export type Clock = () => number;

export interface CalendarPart {
  text: string;
  /** The part was longer than the byte budget and `text` is its beginning. */
  truncated: boolean;
  source: Invite['source'];
  /** The part's Content-Type `method` parameter (iMIP), used when the calendar has no METHOD. */
  method?: string | null;
}

const TEXT_MAX = 1000;
const NAME_MAX = 200;
const DAY = 86_400_000;
/**
 * Years an invite's times may fall in (the dates Capture writes: sanitize.ts); outside them a
 * time is read as a mistake, with a warning (and would make time zone rules expand far).
 */
const YEAR_MIN = SANE_YEARS.first;
const yearMax = () => new Date().getUTCFullYear() + SANE_YEARS.aheadOfNow;
/** A DATE or DATE-TIME value as ical.js writes it in jCal. */
const WRITTEN_TIME =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:T(?:[01]\d|2[0-3]):[0-5]\d:(?:[0-5]\d|60)Z?)?$/;

const IGNORED_METHODS: ReadonlyMap<string, string> = tableOf({
  REPLY: "an attendee's answer to an invitation, not a meeting",
  COUNTER: 'an attendee proposing another time, not a meeting',
  DECLINECOUNTER: "the organizer declining an attendee's proposal",
  REFRESH: 'an attendee asking for the latest version',
  ADD: 'adds occurrences to a series Capture keeps as its first occurrence',
  PUBLISH: 'a published calendar entry, not an invitation',
  '': 'a calendar without METHOD, not an invitation',
});

/** The work of reading one calendar part went past `maxWorkMs`: `step` was not done. */
class OverBudget extends Error {
  readonly step: string;
  constructor(step: string) {
    super(step);
    this.step = step;
  }
}

/** The time left for one calendar part's work. */
class WorkBudget {
  readonly #deadline: number;
  readonly #clock: Clock;
  readonly #maxMs: number;
  readonly #wallStart = performance.now();
  constructor(maxMs: number, clock: Clock) {
    this.#clock = clock;
    this.#maxMs = maxMs;
    this.#deadline = clock() + maxMs;
  }
  /** Throws OverBudget when the time is up, before `step` starts. */
  check(step: string): void {
    // The work has not used more time than has passed: the clock (CPU time, a system call) is
    // read only once that much wall time has.
    if (performance.now() - this.#wallStart <= this.#maxMs) return;
    if (this.#clock() > this.#deadline) throw new OverBudget(step);
  }
}

export function readInvite(
  part: CalendarPart,
  limits: CalendarLimits,
  warnings: string[],
  clock: Clock = () => performance.now(),
): Invite | null {
  const budget = new WorkBudget(limits.maxWorkMs, clock);
  try {
    return readPart(part, limits, warnings, budget);
  } catch (error) {
    if (!(error instanceof OverBudget)) throw error;
    warnings.push(
      `calendar-budget: reading the invite took over ${limits.maxWorkMs} ms; stopped before ${error.step}, the invite was not kept`,
    );
    return null;
  }
}

function readPart(
  part: CalendarPart,
  limits: CalendarLimits,
  warnings: string[],
  budget: WorkBudget,
): Invite | null {
  let text = part.text;
  if (part.truncated) {
    warnings.push(`calendar part larger than ${limits.maxBytes} bytes: only its beginning was read`);
    text = closeCut(text);
  }
  let root: Component;
  try {
    const parsed = ICAL.parse(text) as unknown[];
    const first = Array.isArray(parsed[0]) ? parsed[0] : parsed;
    root = new ICAL.Component(first as never);
  } catch {
    // ical.js quotes the offending line: keep message content out of warnings (they are logged).
    warnings.push('calendar part could not be read: malformed iCalendar');
    return null;
  }
  if (root.name !== 'vcalendar') {
    warnings.push('calendar part has no VCALENDAR');
    return null;
  }
  budget.check('its events');
  let events = root.getAllSubcomponents('vevent');
  if (events.length === 0) {
    warnings.push('calendar part has no event');
    return null;
  }
  if (events.length > limits.maxEvents) {
    warnings.push(`calendar part has more than ${limits.maxEvents} events: the rest are ignored`);
    events = events.slice(0, limits.maxEvents);
  }
  // The series itself (no RECURRENCE-ID) when there is one, else the single changed occurrence.
  const event = events.find((e) => !e.hasProperty('recurrence-id')) ?? events[0]!;
  budget.check('its event');
  try {
    return readEvent(root, event, events, part, { limits, warnings, budget });
  } catch (error) {
    if (error instanceof OverBudget) throw error;
    warnings.push('calendar event could not be read: malformed iCalendar');
    return null;
  }
}

interface ReadContext {
  limits: CalendarLimits;
  warnings: string[];
  budget: WorkBudget;
}

/**
 * What was read of a cut calendar, made parseable: up to the last whole event when there is one,
 * else up to the last whole line with the components still open closed (a first event whose
 * DESCRIPTION alone is over the budget keeps what came before it).
 */
function closeCut(text: string): string {
  const end = text.toUpperCase().lastIndexOf('END:VEVENT');
  if (end >= 0) return `${text.slice(0, end + 'END:VEVENT'.length)}\r\nEND:VCALENDAR\r\n`;
  const whole = text.slice(0, text.lastIndexOf('\n') + 1);
  const open: string[] = [];
  for (const line of whole.split(/\r?\n/)) {
    const m = /^(BEGIN|END):([A-Za-z-]+)\s*$/i.exec(line);
    if (!m) continue;
    const [, verb = '', name = ''] = m;
    if (verb.toUpperCase() === 'BEGIN') open.push(name);
    else open.pop();
    // Deeper than any calendar nests: leave it to the parser to refuse.
    if (open.length > 8) return whole;
  }
  return `${whole}${open
    .reverse()
    .map((name) => `END:${name}\r\n`)
    .join('')}`;
}

function readEvent(
  root: Component,
  event: Component,
  events: Component[],
  part: CalendarPart,
  { limits, warnings, budget }: ReadContext,
): Invite | null {
  const method = (
    text(root.getFirstPropertyValue('method'), 40) ??
    text(part.method, 40) ??
    ''
  ).toUpperCase();
  const uid = text(event.getFirstPropertyValue('uid'), TEXT_MAX);
  if (!uid) {
    warnings.push('calendar event has no UID');
    return null;
  }
  const otherUids = new Set(events.map((e) => text(e.getFirstPropertyValue('uid'), TEXT_MAX)));
  otherUids.delete(uid);
  if (otherUids.size > 0) warnings.push(`calendar part has ${otherUids.size} other event(s): ignored`);

  const status = text(event.getFirstPropertyValue('status'), 40)?.toUpperCase() ?? null;
  const cancelled = method === 'CANCEL' || (method === 'REQUEST' && status === 'CANCELLED');
  const action: Invite['action'] = cancelled ? 'cancel' : method === 'REQUEST' ? 'request' : 'ignore';
  const ignoredReason =
    action === 'ignore'
      ? `METHOD:${method || '(none)'}: ${IGNORED_METHODS.get(method) ?? 'not an invitation'}`
      : null;

  const zones = new ZoneContext(root, warnings, budget);
  const when = readWhen(event, zones, limits.maxDurationDays);
  if (!when && action === 'request') {
    warnings.push('calendar event has no readable start');
    return null;
  }
  const rawDescription = text(event.getFirstPropertyValue('description'), Number.POSITIVE_INFINITY);
  // The invite's text becomes an Event's: no control, escape or bidi characters (sanitize.ts).
  const description = rawDescription === null ? null : multiLine(rawDescription);
  const attendees = readAttendees(event, limits.maxAttendees, budget);
  if (attendees.truncated) warnings.push(`more than ${limits.maxAttendees} attendees: the rest are ignored`);
  const sequence = Number(event.getFirstPropertyValue('sequence') ?? 0);
  const recurrence = event.getFirstProperty('recurrence-id');
  const rrule = event.getFirstProperty('rrule');

  return {
    method,
    action,
    ignoredReason,
    uid,
    sequence: Number.isSafeInteger(sequence) && sequence >= 0 ? sequence : 0,
    recurrenceId: recurrence ? (zones.instant(recurrence)?.iso ?? null) : null,
    summary: line(event.getFirstPropertyValue('summary'), TEXT_MAX),
    description: description ? description.slice(0, limits.maxDescriptionChars) : null,
    descriptionTruncated: (description?.length ?? 0) > limits.maxDescriptionChars,
    location: line(event.getFirstPropertyValue('location'), TEXT_MAX),
    status,
    allDay: when?.allDay ?? false,
    start: when?.start ?? null,
    end: when?.end ?? null,
    startDate: when?.startDate ?? null,
    endDate: when?.endDate ?? null,
    timeZone: when?.timeZone ?? null,
    organizer: mailAddress(event.getFirstProperty('organizer')),
    attendees: attendees.list,
    attendeesTruncated: attendees.truncated,
    rrule: rrule ? line(String(rrule.getFirstValue()), TEXT_MAX) : null,
    source: part.source,
  };
}

interface When {
  allDay: boolean;
  start: string;
  end: string;
  startDate: string | null;
  endDate: string | null;
  timeZone: string | null;
}

/** DTSTART and DTEND (or DURATION) as UTC; all-day events as days. */
function readWhen(event: Component, zones: ZoneContext, maxDurationDays: number): When | null {
  const startProp = event.getFirstProperty('dtstart');
  const start = startProp ? zones.instant(startProp) : null;
  if (!start) return null;
  const endProp = event.getFirstProperty('dtend');
  let end = endProp ? zones.instant(endProp) : null;
  const duration = end ? null : boundedDuration(event, maxDurationDays, zones);
  // Outlook marks all-day events it writes as local midnights this way.
  const outlookAllDay =
    String(event.getFirstPropertyValue('x-microsoft-cdo-alldayevent') ?? '').toUpperCase() === 'TRUE' &&
    start.midnight &&
    (end?.midnight ?? true);

  if (start.isDate || outlookAllDay) {
    const first = Date.parse(`${start.localDate}T00:00:00Z`);
    let after = end ? Date.parse(`${end.localDate}T00:00:00Z`) : Number.NaN;
    if (Number.isNaN(after) && duration)
      after = first + Math.max(1, Math.round(duration.days + duration.exactMs / DAY)) * DAY;
    if (Number.isNaN(after) || after <= first) after = first + DAY;
    const iso = (t: number) => new Date(t).toISOString();
    return {
      allDay: true,
      start: iso(first),
      end: iso(after),
      startDate: iso(first).slice(0, 10),
      endDate: iso(after - DAY).slice(0, 10),
      timeZone: null,
    };
  }
  if (duration && startProp) {
    // RFC 5545: days and weeks are nominal (same wall-clock time, even across a DST change),
    // hours, minutes and seconds exact.
    const { days, exactMs } = duration;
    const base = days !== 0 ? (zones.instant(startProp, days)?.millis ?? null) : start.millis;
    const millis = (base ?? start.millis + days * DAY) + exactMs;
    end = { ...start, millis, iso: new Date(millis).toISOString() };
  }
  return {
    allDay: false,
    start: start.iso,
    end: (end ?? start).iso,
    startDate: null,
    endDate: null,
    timeZone: start.tzid,
  };
}

/**
 * The event's DURATION as nominal days and exact milliseconds, at most `maxDays` in all (a longer
 * one is cut, a negative one ignored, each with a warning): ical.js moves a date one month at a
 * time, so billions of days would hold the process for minutes.
 */
function boundedDuration(
  event: Component,
  maxDays: number,
  zones: ZoneContext,
): { days: number; exactMs: number } | null {
  const duration = event.getFirstPropertyValue('duration');
  if (!(duration instanceof ICAL.Duration)) return null;
  const sign = duration.isNegative ? -1 : 1;
  const days = sign * (duration.weeks * 7 + duration.days);
  const exactMs = sign * (duration.hours * 3600 + duration.minutes * 60 + duration.seconds) * 1000;
  const total = days * DAY + exactMs;
  if (!Number.isFinite(total) || total < 0) {
    zones.warn('calendar-cut: a negative or unreadable DURATION was ignored (the event ends when it starts)');
    return null;
  }
  if (total > maxDays * DAY) {
    zones.warn(`calendar-cut: a DURATION over ${maxDays} days was cut to ${maxDays} days`);
    return { days: maxDays, exactMs: 0 };
  }
  return { days, exactMs };
}

interface Instant {
  millis: number;
  iso: string;
  isDate: boolean;
  /** The wall-clock date as written (YYYY-MM-DD). */
  localDate: string;
  midnight: boolean;
  tzid: string | null;
}

/** Time zones of one calendar: IANA and Windows names through Intl, custom TZIDs through their VTIMEZONE. */
class ZoneContext {
  readonly #definitions = new Map<string, Component>();
  /** Custom zones ready for ical.js, per TZID and year (it keeps what it expanded). */
  readonly #expanded = new Map<string, Timezone | string>();
  readonly #fallback: string | null;
  readonly #warnings: string[];
  readonly #warned = new Set<string>();
  readonly #budget: WorkBudget;

  constructor(root: Component, warnings: string[], budget: WorkBudget) {
    this.#warnings = warnings;
    this.#budget = budget;
    for (const vtz of root.getAllSubcomponents('vtimezone').slice(0, 20)) {
      const id = text(vtz.getFirstPropertyValue('tzid'), NAME_MAX);
      if (id && !this.#definitions.has(id)) this.#definitions.set(id, vtz);
    }
    const calendarZone = text(root.getFirstPropertyValue('x-wr-timezone'), NAME_MAX);
    this.#fallback = calendarZone ? ianaZoneOf(calendarZone) : null;
  }

  /** A DATE or DATE-TIME property as UTC; `plusDays` moves it by calendar days in its own zone first. */
  instant(prop: Property, plusDays = 0): Instant | null {
    let time: Time;
    try {
      // ical.js reads "2026120X" leniently (as 30 Nov): check the value as written first.
      const written = (prop.jCal as unknown[])[3];
      if (typeof written !== 'string' || !WRITTEN_TIME.test(written)) throw new Error('not a date');
      time = prop.getFirstValue() as Time;
    } catch {
      this.warn(`unreadable ${prop.name.toUpperCase()}`);
      return null;
    }
    if (!(time instanceof ICAL.Time) || time.year < YEAR_MIN || time.year > yearMax()) {
      this.warn(`${prop.name.toUpperCase()} is not a date in range (${YEAR_MIN} to ${yearMax()})`);
      return null;
    }
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    const localDate = `${pad(time.year, 4)}-${pad(time.month)}-${pad(time.day)}`;
    const midnight = time.isDate || (time.hour === 0 && time.minute === 0 && time.second === 0);
    const tzid = time.isDate ? null : text(prop.getParameter('tzid'), NAME_MAX);
    if (plusDays !== 0) {
      time = time.clone();
      time.adjust(plusDays, 0, 0, 0);
    }
    const millis = time.isDate ? Date.parse(`${localDate}T00:00:00Z`) : this.#toUtc(time, tzid);
    return { millis, iso: new Date(millis).toISOString(), isDate: time.isDate, localDate, midnight, tzid };
  }

  #toUtc(time: Time, tzid: string | null): number {
    const local = {
      year: time.year,
      month: time.month,
      day: time.day,
      hour: time.hour,
      minute: time.minute,
      second: time.second,
    };
    if (!tzid && time.zone === ICAL.Timezone.utcTimezone)
      return Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second);
    const zone = tzid ? ianaZoneOf(tzid) : this.#fallback;
    if (zone) return zonedTimeToUtc(local, zone);
    const custom = tzid ? this.#customZone(tzid, time.year) : null;
    if (custom !== null && typeof custom !== 'string') {
      const zoned = time.clone();
      zoned.zone = custom;
      return zoned.toUnixTime() * 1000;
    }
    const name = tzid?.slice(0, 60);
    this.warn(
      custom !== null
        ? `calendar-cut: time zone "${name}" not expanded (${custom}): read as UTC`
        : tzid
          ? `unknown time zone "${name}": read as UTC`
          : 'floating time: read as UTC',
    );
    return Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second);
  }

  /** The calendar's own definition of `tzid` for a time in `year`; a string says why it is not used. */
  #customZone(tzid: string, year: number): Timezone | string | null {
    const definition = this.#definitions.get(tzid);
    if (!definition) return null;
    const key = `${tzid}\n${year}`;
    let zone = this.#expanded.get(key);
    if (zone === undefined) {
      this.#budget.check(`time zone "${tzid.slice(0, 60)}"`);
      zone = zoneForYear(definition, year, yearMax());
      this.#expanded.set(key, zone);
    }
    return zone;
  }

  warn(message: string) {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    this.#warnings.push(message);
  }
}

function readAttendees(
  event: Component,
  max: number,
  budget: WorkBudget,
): { list: InviteAttendee[]; truncated: boolean } {
  const list: InviteAttendee[] = [];
  const seen = new Set<string>();
  let truncated = false;
  const all = event.getAllProperties('attendee');
  for (const [k, prop] of all.entries()) {
    if (k % 100 === 99) budget.check(`attendee ${k + 1} of ${all.length}`);
    const address = mailAddress(prop);
    if (!address || seen.has(address.address)) continue;
    if (list.length >= max) {
      truncated = true;
      break;
    }
    seen.add(address.address);
    const param = (name: string) => text(prop.getParameter(name), 40)?.toUpperCase() ?? null;
    list.push({
      ...address,
      partstat: param('partstat'),
      role: param('role'),
      cutype: param('cutype') ?? 'INDIVIDUAL',
    });
  }
  return { list, truncated };
}

/** ORGANIZER / ATTENDEE: a mailto: URI and its CN. */
function mailAddress(prop: Property | null): MailAddress | null {
  if (!prop) return null;
  let value: string;
  try {
    value = String(prop.getFirstValue() ?? '');
  } catch {
    return null;
  }
  const address = value
    .trim()
    .replace(/^mailto:/i, '')
    .toLowerCase();
  if (address.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(address)) return null;
  return { address, name: line(prop.getParameter('cn'), NAME_MAX)?.replace(/^"|"$/g, '') ?? '' };
}

/** A text value on one line, without control, escape or bidi characters; null when nothing is left. */
function line(value: unknown, max: number): string | null {
  const s = text(value, max);
  return s === null ? null : singleLine(s) || null;
}

/** A text value, trimmed and bounded; null when absent or empty. */
function text(value: unknown, max: number): string | null {
  if (value === null || value === undefined) return null;
  const s = (Array.isArray(value) ? value.join(', ') : String(value)).trim();
  if (s.length === 0) return null;
  return s.length <= max ? s : s.slice(0, max);
}
