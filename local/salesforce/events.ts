/**
 * Event times as Salesforce keeps them (Object Reference, "Event"): StartDateTime and
 * ActivityDateTime are one value; EndDateTime and DurationInMinutes must agree; the end is not
 * before the start; a (non-recurring) event lasts at most 14 days. An all-day event needs its
 * date (ActivityDate or StartDateTime's date), runs from midnight UTC and lasts whole days,
 * one when no end or duration is given.
 */
import { SalesforceError } from './errors.ts';
import type { SfRecord } from './org.ts';

/** 14 days: the longest a non-recurring event may last. */
export const MAX_EVENT_MINUTES = 14 * 24 * 60;
const DAY_MINUTES = 24 * 60;
const MINUTE = 60_000;

type Values = Record<string, unknown>;

const integrity = (message: string, fields: string[]) =>
  new SalesforceError('FIELD_INTEGRITY_EXCEPTION', message, fields);
const missing = (field: string) =>
  new SalesforceError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${field}]`, [field]);

/** Salesforce's wire format for datetimes. */
export const formatDateTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const parse = (v: unknown) => Date.parse(String(v).replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
const given = (v: unknown) => v !== undefined && v !== null;

/** Fills and checks the time fields of an Event about to be created (existing null) or updated. */
export function eventRules(values: Values, existing: SfRecord | null): void {
  const touched = [
    'StartDateTime',
    'EndDateTime',
    'DurationInMinutes',
    'ActivityDate',
    'ActivityDateTime',
    'IsAllDayEvent',
  ].some((f) => f in values);
  if (existing && !touched) return;
  const allDay = (values.IsAllDayEvent ?? existing?.IsAllDayEvent) === true;
  if (allDay) allDayTimes(values, existing);
  else timedTimes(values, existing);
}

function timedTimes(values: Values, existing: SfRecord | null): void {
  if (given(values.StartDateTime) && given(values.ActivityDateTime)) {
    if (parse(values.StartDateTime) !== parse(values.ActivityDateTime))
      throw integrity('ActivityDateTime and StartDateTime must match', ['ActivityDateTime']);
  }
  const startRaw = values.StartDateTime ?? values.ActivityDateTime ?? existing?.StartDateTime;
  if (!given(startRaw)) throw missing('StartDateTime');
  const start = parse(startRaw);
  let duration = given(values.DurationInMinutes) ? Number(values.DurationInMinutes) : undefined;
  if (given(values.EndDateTime)) {
    const span = Math.round((parse(values.EndDateTime) - start) / MINUTE);
    if (duration !== undefined && duration !== span)
      throw integrity('DurationInMinutes and EndDateTime must describe the same length of time', [
        'DurationInMinutes',
      ]);
    duration = span;
  } else if (duration === undefined) {
    if (!existing || !given(existing.DurationInMinutes)) throw missing('DurationInMinutes');
    duration = Number(existing.DurationInMinutes);
  }
  checkSpan(duration);
  Object.assign(values, {
    StartDateTime: formatDateTime(start),
    ActivityDateTime: formatDateTime(start),
    ActivityDate: dateOf(start),
    EndDateTime: formatDateTime(start + duration * MINUTE),
    EndDate: dateOf(start + duration * MINUTE),
    DurationInMinutes: duration,
  });
}

function allDayTimes(values: Values, existing: SfRecord | null): void {
  const fromStart = given(values.StartDateTime) ? dateOf(parse(values.StartDateTime)) : null;
  if (given(values.ActivityDate) && fromStart && fromStart !== values.ActivityDate)
    throw integrity('ActivityDate and StartDateTime must match', ['ActivityDate']);
  const date = (values.ActivityDate ?? fromStart ?? existing?.ActivityDate) as string | null | undefined;
  if (!given(date)) throw missing('ActivityDate');
  const start = Date.parse(`${date}T00:00:00Z`);
  const duration = given(values.DurationInMinutes) ? Number(values.DurationInMinutes) : undefined;
  let days: number;
  if (given(values.EndDateTime)) {
    // All-day events keep dates only: the end is the last day, at midnight.
    const last = Date.parse(`${dateOf(parse(values.EndDateTime))}T00:00:00Z`);
    days = Math.round((last - start) / (DAY_MINUTES * MINUTE)) + 1;
    if (duration !== undefined && duration !== days * DAY_MINUTES)
      throw integrity('DurationInMinutes and EndDateTime must describe the same length of time', [
        'DurationInMinutes',
      ]);
  } else if (duration !== undefined) {
    days = Math.ceil(duration / DAY_MINUTES);
  } else {
    const kept = existing?.IsAllDayEvent === true ? Number(existing.DurationInMinutes) : DAY_MINUTES;
    days = Math.max(1, Math.round(kept / DAY_MINUTES));
  }
  if (days < 1) checkSpan(-1);
  checkSpan(days * DAY_MINUTES);
  const last = start + (days - 1) * DAY_MINUTES * MINUTE;
  Object.assign(values, {
    StartDateTime: formatDateTime(start),
    ActivityDateTime: formatDateTime(start),
    ActivityDate: date,
    EndDateTime: formatDateTime(last),
    EndDate: dateOf(last),
    DurationInMinutes: days * DAY_MINUTES,
  });
}

function checkSpan(minutes: number): void {
  if (!Number.isFinite(minutes) || minutes < 0)
    throw integrity('EndDateTime must not be before StartDateTime', ['EndDateTime']);
  if (minutes > MAX_EVENT_MINUTES)
    throw integrity(
      `An event can't last longer than 14 days (${MAX_EVENT_MINUTES} minutes); this one lasts ${minutes}`,
      ['DurationInMinutes'],
    );
}
