/**
 * Invites built to hold the parse stage: a DURATION of billions of days, VTIMEZONE rules that
 * expand to millions of onsets, rules counted from year 1601. Each is read in bounded work (these
 * tests ran for seconds to minutes each before the bounds) and the mail keeps its outcome, with
 * a warning saying what was cut.
 */
import { describe, expect, it } from 'vitest';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import { rawMail, runParseStage } from '../../support/parse-stage.ts';

const list = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, k) => from + k).join(',');

function zone(tzid: string, rules: string[][]): string {
  return [
    'BEGIN:VTIMEZONE',
    `TZID:${tzid}`,
    ...rules.flatMap((r, k) => {
      const kind = k % 2 === 0 ? 'STANDARD' : 'DAYLIGHT';
      return [`BEGIN:${kind}`, ...r, `END:${kind}`];
    }),
    'END:VTIMEZONE',
  ].join('\r\n');
}

/** Europe's rules as Outlook writes a custom zone: yearly, counted from 1601. */
const OUTLOOK_EUROPE = zone('Custom Europe', [
  [
    'DTSTART:16010101T030000',
    'TZOFFSETFROM:+0200',
    'TZOFFSETTO:+0100',
    'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10',
  ],
  [
    'DTSTART:16010101T020000',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3',
  ],
]);

function invite(event: string[], ...zones: string[]): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'METHOD:REQUEST',
    ...zones,
    'BEGIN:VEVENT',
    'UID:hostile@globex.example',
    'SUMMARY:Planning',
    'ORGANIZER;CN=Jane Doe:mailto:jane.doe@globex.example',
    'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:alice@acme.example',
    ...event,
    'END:VEVENT',
    'END:VCALENDAR',
  ].join('\r\n');
}

function inviteMail(id: string, ics: string): string {
  return rawMail(
    [
      `Message-ID: <${id}@globex.example>`,
      'Subject: Planning',
      'Content-Type: multipart/alternative; boundary=b',
    ],
    [
      '--b',
      'Content-Type: text/plain',
      '',
      'Agenda inside.',
      '--b',
      'Content-Type: text/calendar; method=REQUEST',
      '',
      ics,
      '--b--',
    ].join('\r\n'),
  );
}

const HOSTILE = {
  // Ran for 4 s (nominal days: ical.js moves a date a month at a time); 13 s with a custom zone.
  'billions of days': invite(['DTSTART;TZID=Europe/Berlin:20260310T100000', 'DURATION:P3000000000D']),
  'billions of days in a custom zone': invite(
    ['DTSTART;TZID=Custom Europe:20260310T100000', 'DURATION:P3000000000D'],
    OUTLOOK_EUROPE,
  ),
  'billions of hours': invite(['DTSTART:20260310T100000Z', 'DURATION:PT99999999999999H']),
  'a negative duration': invite(['DTSTART:20260310T100000Z', 'DURATION:-PT1H']),
  // 366 onsets a year from 1601: 4 s and 160 MB for one rule; twenty of them, well over a minute.
  'every day of the year': invite(
    ['DTSTART;TZID=Custom:20260310T100000', 'DTEND;TZID=Custom:20260310T110000'],
    zone(
      'Custom',
      Array.from({ length: 20 }, () => [
        'DTSTART:16010101T000000',
        'TZOFFSETFROM:+0100',
        'TZOFFSETTO:+0000',
        `RRULE:FREQ=YEARLY;BYYEARDAY=${list(1, 366)}`,
      ]),
    ),
  ),
  'every hour of every month day': invite(
    ['DTSTART;TZID=Custom:20260310T100000', 'DTEND;TZID=Custom:20260310T110000'],
    zone('Custom', [
      [
        'DTSTART:16010101T000000',
        'TZOFFSETFROM:+0000',
        'TZOFFSETTO:+0000',
        `RRULE:FREQ=YEARLY;BYMONTH=${list(1, 12)};BYMONTHDAY=${list(1, 31)};BYHOUR=${list(0, 23)}`,
      ],
    ]),
  ),
  'a counted rule from 1601': invite(
    ['DTSTART;TZID=Custom:20260310T100000', 'DTEND;TZID=Custom:20260310T110000'],
    zone('Custom', [
      [
        'DTSTART:16010101T000000',
        'TZOFFSETFROM:+0000',
        'TZOFFSETTO:+0100',
        'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;COUNT=100000',
      ],
    ]),
  ),
};

describe('hostile invites', () => {
  it('are read within bounds, each mail captured with a warning saying what was cut; the good mail beside them too', async () => {
    const names = Object.keys(HOSTILE) as (keyof typeof HOSTILE)[];
    const good = rawMail(['Message-ID: <good@acme.example>', 'Subject: Good'], 'Hello');
    const results = await runParseStage([...names.map((n, k) => inviteMail(`h${k}`, HOSTILE[n])), good]);
    const byName = new Map(names.map((n, k) => [n, results[k]!]));
    for (const r of results) expect(r.email, r.sesMessageId).not.toBeNull();

    const day = 86_400_000;
    const days = byName.get('billions of days')!.email!;
    expect(days.invite?.start).toBe('2026-03-10T09:00:00.000Z');
    // 366 nominal days later, at the same wall-clock time (winter time again on 11 March 2027).
    expect(days.invite?.end).toBe('2027-03-11T09:00:00.000Z');
    expect(days.warnings).toContain('calendar-cut: a DURATION over 366 days was cut to 366 days');
    const custom = byName.get('billions of days in a custom zone')!.email!;
    expect([custom.invite?.start, custom.invite?.end]).toEqual([
      '2026-03-10T09:00:00.000Z',
      '2027-03-11T09:00:00.000Z',
    ]);
    const hours = byName.get('billions of hours')!.email!;
    expect(Date.parse(hours.invite!.end!) - Date.parse(hours.invite!.start!)).toBe(366 * day);
    const negative = byName.get('a negative duration')!.email!;
    expect(negative.invite?.end).toBe(negative.invite?.start);
    expect(negative.warnings.some((w) => w.startsWith('calendar-cut: a negative'))).toBe(true);

    for (const name of [
      'every day of the year',
      'every hour of every month day',
      'a counted rule from 1601',
    ] as const) {
      const email = byName.get(name)!.email!;
      expect(email.invite?.start, name).toBe('2026-03-10T10:00:00.000Z');
      expect(
        email.warnings.find((w) => w.startsWith('calendar-cut: time zone "Custom" not expanded')),
        name,
      ).toBeDefined();
    }
    expect(results.at(-1)!.email?.subject).toBe('Good');
    // A bound for a busy machine: unbounded, these invites took well over a minute together.
  }, 30_000);

  it('a custom zone written from 1601 still gives the right offsets on both sides of a DST change', async () => {
    for (const [local, utc] of [
      ['20260310T100000', '2026-03-10T09:00:00.000Z'],
      ['20260710T100000', '2026-07-10T08:00:00.000Z'],
      ['19800710T100000', '1980-07-10T08:00:00.000Z'],
      ['20290710T100000', '2029-07-10T08:00:00.000Z'],
    ]) {
      const email = await parseEmail(
        Buffer.from(
          inviteMail('dst', invite([`DTSTART;TZID=Custom Europe:${local}`, 'DURATION:PT1H'], OUTLOOK_EUROPE)),
        ),
      );
      expect(email.invite?.start, local).toBe(utc);
      expect(email.warnings, local).toEqual([]);
    }
  });

  it('over its time budget, the invite is dropped with a warning and the mail is still captured', async () => {
    const ics = invite(['DTSTART;TZID=Custom Europe:20260310T100000', 'DURATION:PT1H'], OUTLOOK_EUROPE);
    // A budget already spent when the work starts: every step finds the time up.
    const email = await parseEmail(Buffer.from(inviteMail('budget', ics)), { calendar: { maxWorkMs: -1 } });
    expect(email.invite).toBeNull();
    expect(email.subject).toBe('Planning');
    expect(email.warnings).toContain(
      'calendar-budget: reading the invite took over -1 ms; stopped before its events, the invite was not kept',
    );
  });
});
