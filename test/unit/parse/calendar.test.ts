/** Meeting invites: text/calendar parts read through parseEmail into CapturedEmail.invite. */
import { describe, expect, it } from 'vitest';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import { CapturedEmailSchema, type Invite } from '#shared/domain/captured-email.ts';
import { ianaZoneOf, WINDOWS_ZONES } from '#shared/domain/parse/calendar/time-zones.ts';
import { fixture, mime, org } from './helpers.ts';

const capture = {
  orgId: 'acme',
  address: 'acme-k7q2m9x4p8w3@capture.example.com',
  mode: 'bcc' as const,
  target: null,
};
const parseFixture = (name: string) => parseEmail(fixture(`invites/${name}`), { org, capture });

const calendar = (...lines: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', ...lines, 'END:VCALENDAR'].join('\n');
const vevent = (...lines: string[]) => ['BEGIN:VEVENT', ...lines, 'END:VEVENT'].join('\n');
const request = (...lines: string[]) =>
  calendar('METHOD:REQUEST', vevent('UID:u1@acme.example', 'SUMMARY:Call', ...lines));

/** A message whose only part is a text/calendar body. */
function calendarMail(ics: string, contentType = 'text/calendar; charset=utf-8; method=REQUEST') {
  return mime(
    {
      From: 'Alice Rep <alice@acme.example>',
      To: 'Jane Doe <jane@globex.example>',
      Subject: 'Invitation',
      Date: 'Fri, 20 Nov 2026 09:00:00 +0000',
      'Message-ID': '<inv@acme.example>',
      'MIME-Version': '1.0',
      'Content-Type': contentType,
    },
    ics,
  );
}

async function inviteOf(ics: string, options: Parameters<typeof parseEmail>[1] = {}) {
  const email = await parseEmail(calendarMail(ics), options);
  return { invite: email.invite ?? null, warnings: email.warnings, email };
}

const expectInvite = (invite: Invite | null | undefined): Invite => {
  if (!invite) throw new Error('expected an invite');
  return invite;
};

describe('Outlook invite with a Windows time zone', () => {
  it('reads UID, SEQUENCE, times in UTC, people and text', async () => {
    const email = await parseFixture('outlook-windows-tz.eml');
    const invite = expectInvite(email.invite);
    expect(invite).toMatchObject({
      method: 'REQUEST',
      action: 'request',
      ignoredReason: null,
      uid: '040000008200E00074C5B7101A82E00800000000D0A1C2E3F4A5DB01000000000000000010000000A1B2C3D4E5F60718293A4B5C6D7E8F90',
      sequence: 0,
      recurrenceId: null,
      summary: 'Quarterly review with Globex',
      location: 'Room Rhine (8), Frankfurt office',
      // 14:00–15:30 in Frankfurt in December (UTC+1).
      start: '2026-12-03T13:00:00.000Z',
      end: '2026-12-03T14:30:00.000Z',
      allDay: false,
      startDate: null,
      timeZone: 'W. Europe Standard Time',
      organizer: { address: 'alice@acme.example', name: 'Alice Rep' },
      rrule: null,
      source: 'inline',
    });
    expect(invite.description).toBe('Agenda:\n1. Orders ORD-10042 and ORD-10043\n2. Renewal');
    expect(invite.attendees).toEqual([
      {
        address: 'jane@globex.example',
        name: 'Jane Doe',
        partstat: 'NEEDS-ACTION',
        role: 'REQ-PARTICIPANT',
        cutype: 'INDIVIDUAL',
      },
      {
        address: "o'brien@globex.example",
        name: "O'Brien, Sean",
        partstat: 'NEEDS-ACTION',
        role: 'REQ-PARTICIPANT',
        cutype: 'INDIVIDUAL',
      },
      {
        address: 'bob@acme.example',
        name: 'Bob Builder',
        partstat: 'NEEDS-ACTION',
        role: 'OPT-PARTICIPANT',
        cutype: 'INDIVIDUAL',
      },
      {
        address: 'room.rhine@acme.example',
        name: 'Room Rhine (8)',
        partstat: 'NEEDS-ACTION',
        role: 'NON-PARTICIPANT',
        cutype: 'RESOURCE',
      },
    ]);
    expect(email.warnings).toEqual([]);
    // The rest of the message is read as before: body text, order numbers, the calendar part as a part.
    expect(email.text).toContain('Agenda:');
    expect(email.orderNumbers).toEqual(['ORD-10042', 'ORD-10043']);
    expect(email.attachments.map((a) => a.contentType)).toEqual(['text/calendar']);
    expect(CapturedEmailSchema.parse(JSON.parse(JSON.stringify(email)))).toEqual(email);
  });

  it('reads the update (SEQUENCE 1, new time) and the cancellation (METHOD CANCEL)', async () => {
    const updated = expectInvite((await parseFixture('outlook-updated.eml')).invite);
    expect(updated).toMatchObject({ action: 'request', sequence: 1, start: '2026-12-03T15:00:00.000Z' });
    const cancelled = expectInvite((await parseFixture('outlook-cancelled.eml')).invite);
    expect(cancelled).toMatchObject({ method: 'CANCEL', action: 'cancel', status: 'CANCELLED', sequence: 2 });
    expect(cancelled.uid).toBe(updated.uid);
  });

  it('maps Windows zone names without a VTIMEZONE, daylight saving time included', async () => {
    const summer = await inviteOf(
      request('DTSTART;TZID=Pacific Standard Time:20260701T090000', 'DURATION:PT30M'),
    );
    expect(summer.invite).toMatchObject({
      start: '2026-07-01T16:00:00.000Z',
      end: '2026-07-01T16:30:00.000Z',
    });
    const winter = await inviteOf(request('DTSTART;TZID="Tokyo Standard Time":20260115T090000'));
    // No DTEND or DURATION: the event ends when it starts.
    expect(winter.invite).toMatchObject({
      start: '2026-01-15T00:00:00.000Z',
      end: '2026-01-15T00:00:00.000Z',
    });
    expect(summer.warnings).toEqual([]);
  });

  it('maps every listed Windows zone to a zone this runtime knows', () => {
    for (const [windows, iana] of Object.entries(WINDOWS_ZONES)) expect(ianaZoneOf(windows)).toBe(iana);
    expect(Object.keys(WINDOWS_ZONES).length).toBeGreaterThanOrEqual(50);
  });

  it('uses the VTIMEZONE of a TZID neither IANA nor Windows knows', async () => {
    const zone = [
      'BEGIN:VTIMEZONE',
      'TZID:(UTC+01:00) Amsterdam\\, Berlin\\, Rome',
      'BEGIN:STANDARD',
      'DTSTART:16010101T030000',
      'TZOFFSETFROM:+0200',
      'TZOFFSETTO:+0100',
      'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10',
      'END:STANDARD',
      'BEGIN:DAYLIGHT',
      'DTSTART:16010101T020000',
      'TZOFFSETFROM:+0100',
      'TZOFFSETTO:+0200',
      'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3',
      'END:DAYLIGHT',
      'END:VTIMEZONE',
    ].join('\n');
    const at = (local: string) =>
      calendar(
        'METHOD:REQUEST',
        zone,
        vevent('UID:u2', `DTSTART;TZID="(UTC+01:00) Amsterdam, Berlin, Rome":${local}`, 'DURATION:PT1H'),
      );
    expect((await inviteOf(at('20261203T140000'))).invite?.start).toBe('2026-12-03T13:00:00.000Z');
    expect((await inviteOf(at('20260701T140000'))).invite?.start).toBe('2026-07-01T12:00:00.000Z');
  });

  it('reads an unknown zone and a floating time as UTC, with a warning', async () => {
    const unknown = await inviteOf(request('DTSTART;TZID=Mars/Olympus_Mons:20261203T140000'));
    expect(unknown.invite?.start).toBe('2026-12-03T14:00:00.000Z');
    expect(unknown.warnings).toContain('unknown time zone "Mars/Olympus_Mons": read as UTC');
    const floating = await inviteOf(request('DTSTART:20261203T140000'));
    expect(floating.invite?.start).toBe('2026-12-03T14:00:00.000Z');
    expect(floating.warnings).toContain('floating time: read as UTC');
    // A calendar-wide zone (X-WR-TIMEZONE) gives floating times their zone.
    const withZone = await inviteOf(
      calendar('METHOD:REQUEST', 'X-WR-TIMEZONE:Europe/Paris', vevent('UID:u3', 'DTSTART:20261203T140000')),
    );
    expect(withZone.invite?.start).toBe('2026-12-03T13:00:00.000Z');
  });

  it('adds DURATION days on the wall clock and hours exactly, across a DST change', async () => {
    // 10:00 on 24 Oct (UTC+2) plus one day is 10:00 on 25 Oct (UTC+1): 25 hours later.
    const day = await inviteOf(request('DTSTART;TZID=Europe/Berlin:20261024T100000', 'DURATION:P1D'));
    expect(day.invite).toMatchObject({ start: '2026-10-24T08:00:00.000Z', end: '2026-10-25T09:00:00.000Z' });
    const hours = await inviteOf(request('DTSTART;TZID=Europe/Berlin:20261024T100000', 'DURATION:PT24H'));
    expect(hours.invite?.end).toBe('2026-10-25T08:00:00.000Z');
    const both = await inviteOf(request('DTSTART;TZID=Europe/Berlin:20261024T100000', 'DURATION:P1DT2H'));
    expect(both.invite?.end).toBe('2026-10-25T11:00:00.000Z');
  });

  it('reads times around daylight saving changes as RFC 5545 says', async () => {
    // 02:30 happens twice on 25 Oct 2026 in Berlin: the first one (still UTC+2).
    const twice = await inviteOf(request('DTSTART;TZID=Europe/Berlin:20261025T023000'));
    expect(twice.invite?.start).toBe('2026-10-25T00:30:00.000Z');
    // 02:30 does not exist on 29 Mar 2026 in Berlin: the offset before the change (UTC+1).
    const skipped = await inviteOf(request('DTSTART;TZID=Europe/Berlin:20260329T023000'));
    expect(skipped.invite?.start).toBe('2026-03-29T01:30:00.000Z');
  });
});

describe('Google Calendar invite', () => {
  it('reads the inline alternative in UTC before the attached invite.ics', async () => {
    const email = await parseFixture('google-invite.eml');
    const invite = expectInvite(email.invite);
    expect(invite).toMatchObject({
      uid: '5qk1h9b3v8n2m4c6x0z7a1s3d5@google.com',
      summary: 'Rollout plan – Globex × Acme',
      start: '2026-12-08T15:00:00.000Z',
      end: '2026-12-08T15:45:00.000Z',
      timeZone: null,
      status: 'CONFIRMED',
      location: null,
      source: 'inline',
      organizer: { address: 'jane@globex.example', name: 'jane@globex.example' },
    });
    expect(invite.description).toContain('Join with Google Meet');
    expect(invite.attendees.map((a) => [a.address, a.partstat])).toEqual([
      ['jane@globex.example', 'ACCEPTED'],
      ['alice@acme.example', 'NEEDS-ACTION'],
      ['carl@globex.example', 'TENTATIVE'],
    ]);
    expect(email.attachments.map((a) => [a.contentType, a.filename])).toEqual([
      ['text/calendar', null],
      ['application/ics', 'invite.ics'],
    ]);
    expect(email.warnings).toEqual([]);
  });

  it('reads an invite that comes only as an attached .ics file', async () => {
    const ics = request('DTSTART:20261208T150000Z', 'DTEND:20261208T154500Z');
    const raw = mime(
      {
        From: 'jane@globex.example',
        To: 'alice@acme.example',
        Subject: 'Invitation',
        'MIME-Version': '1.0',
        'Content-Type': 'multipart/mixed; boundary="b"',
      },
      [
        '--b',
        'Content-Type: text/plain',
        '',
        'See attached.',
        '--b',
        'Content-Type: application/octet-stream; name="meeting.ics"',
        'Content-Disposition: attachment; filename="meeting.ics"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from(ics).toString('base64'),
        '--b--',
        '',
      ].join('\n'),
    );
    const email = await parseEmail(raw);
    expect(email.invite).toMatchObject({ uid: 'u1@acme.example', source: 'attachment' });
    expect(email.text).toContain('See attached.');
  });
});

describe('all-day and recurring events', () => {
  it('reads DATE values as days: first and last day, end exclusive in UTC', async () => {
    const invite = expectInvite((await parseFixture('all-day.eml')).invite);
    expect(invite).toMatchObject({
      allDay: true,
      startDate: '2026-12-14',
      endDate: '2026-12-15',
      start: '2026-12-14T00:00:00.000Z',
      end: '2026-12-16T00:00:00.000Z',
      timeZone: null,
      source: 'attachment',
      location: 'Globex HQ, Springfield',
    });
  });

  it('makes a DATE start without end one day, and reads Outlook all-day midnights as days', async () => {
    const single = await inviteOf(request('DTSTART;VALUE=DATE:20261224'));
    expect(single.invite).toMatchObject({ allDay: true, startDate: '2026-12-24', endDate: '2026-12-24' });
    const days = await inviteOf(request('DTSTART;VALUE=DATE:20261224', 'DURATION:P3D'));
    expect(days.invite).toMatchObject({ startDate: '2026-12-24', endDate: '2026-12-26' });
    const outlook = await inviteOf(
      request(
        'DTSTART;TZID=W. Europe Standard Time:20261224T000000',
        'DTEND;TZID=W. Europe Standard Time:20261225T000000',
        'X-MICROSOFT-CDO-ALLDAYEVENT:TRUE',
      ),
    );
    expect(outlook.invite).toMatchObject({ allDay: true, startDate: '2026-12-24', endDate: '2026-12-24' });
  });

  it('keeps RRULE as text and the first occurrence (60 attendees, all kept)', async () => {
    const email = await parseFixture('sixty-attendees.eml');
    const invite = expectInvite(email.invite);
    expect(invite.rrule).toBe('FREQ=MONTHLY;COUNT=6;BYDAY=2TH');
    // 11:00 in New York in December (UTC-5), DURATION PT1H.
    expect(invite).toMatchObject({ start: '2026-12-10T16:00:00.000Z', end: '2026-12-10T17:00:00.000Z' });
    expect(invite.attendees).toHaveLength(60);
    expect(invite.attendeesTruncated).toBe(false);
    expect(invite.attendees[59]).toMatchObject({ address: 'guest60@globex.example', name: 'Guest 60' });
  });

  it('takes the series over its changed occurrences, and marks a lone occurrence', async () => {
    const exception = vevent(
      'UID:s1',
      'RECURRENCE-ID;TZID=Europe/Berlin:20261210T100000',
      'DTSTART;TZID=Europe/Berlin:20261210T120000',
      'SUMMARY:Moved',
    );
    const series = vevent(
      'UID:s1',
      'DTSTART;TZID=Europe/Berlin:20261203T100000',
      'RRULE:FREQ=WEEKLY',
      'SUMMARY:Weekly',
    );
    const both = await inviteOf(calendar('METHOD:REQUEST', exception, series));
    expect(both.invite).toMatchObject({ summary: 'Weekly', recurrenceId: null, rrule: 'FREQ=WEEKLY' });
    const alone = await inviteOf(calendar('METHOD:REQUEST', exception));
    expect(alone.invite).toMatchObject({ summary: 'Moved', recurrenceId: '2026-12-10T09:00:00.000Z' });
  });
});

describe('methods other than REQUEST and CANCEL', () => {
  it.each([
    ['REPLY', /METHOD:REPLY: an attendee's answer/],
    ['PUBLISH', /METHOD:PUBLISH: a published calendar entry/],
    ['COUNTER', /METHOD:COUNTER/],
  ])('recognises %s and says why it is ignored', async (method, reason) => {
    const ics = calendar(`METHOD:${method}`, vevent('UID:r1', 'DTSTART:20261203T140000Z'));
    const { invite } = await inviteOf(ics);
    expect(invite).toMatchObject({ method, action: 'ignore' });
    expect(invite?.ignoredReason).toMatch(reason);
  });

  it('takes METHOD from the Content-Type when the calendar has none', async () => {
    const ics = calendar(vevent('UID:m1', 'DTSTART:20261203T140000Z'));
    expect((await inviteOf(ics)).invite).toMatchObject({ method: 'REQUEST', action: 'request' });
    const bare = await parseEmail(calendarMail(ics, 'text/calendar; charset=utf-8'));
    expect(bare.invite).toMatchObject({ method: '', action: 'ignore' });
    expect(bare.invite?.ignoredReason).toBe('METHOD:(none): a calendar without METHOD, not an invitation');
  });

  it('treats a REQUEST whose STATUS is CANCELLED as a cancellation', async () => {
    const { invite } = await inviteOf(request('DTSTART:20261203T140000Z', 'STATUS:CANCELLED'));
    expect(invite?.action).toBe('cancel');
  });
});

describe('malformed and hostile calendars', () => {
  it('turns a malformed calendar into a warning; the message is still read', async () => {
    const email = await parseFixture('malformed.eml');
    expect(email.invite).toBeNull();
    expect(email.warnings).toEqual(['calendar part could not be read: malformed iCalendar']);
    expect(email.text).toContain('the message itself is fine');
  });

  it.each([
    ['no UID', calendar('METHOD:REQUEST', vevent('DTSTART:20261203T140000Z')), 'calendar event has no UID'],
    ['no start', request('SUMMARY:x'), 'calendar event has no readable start'],
    ['a bad date', request('DTSTART:2026120XT140000Z'), 'calendar event has no readable start'],
    [
      'a year out of range',
      request('DTSTART:99991203T140000Z'),
      `DTSTART is not a date in range (1970 to ${new Date().getUTCFullYear() + 5})`,
    ],
    ['no event', calendar('METHOD:REQUEST'), 'calendar part has no event'],
    ['no calendar', vevent('UID:x'), 'calendar part has no VCALENDAR'],
    ['text that is not iCalendar', 'hello world', 'calendar part could not be read: malformed iCalendar'],
  ])('%s: a warning and no invite', async (_name, ics, warning) => {
    const { invite, warnings } = await inviteOf(ics);
    expect(invite).toBeNull();
    expect(warnings).toContain(warning);
  });

  it('keeps a cancellation without a start (only the UID matters to cancel)', async () => {
    const { invite } = await inviteOf(calendar('METHOD:CANCEL', vevent('UID:c1', 'SEQUENCE:3')));
    expect(invite).toMatchObject({ action: 'cancel', uid: 'c1', sequence: 3, start: null, end: null });
  });

  it('does not expand time zone rules it cannot bound (daily rules from year 1601)', async () => {
    const zone = [
      'BEGIN:VTIMEZONE',
      'TZID:Hostile',
      'BEGIN:STANDARD',
      'DTSTART:16010101T000000',
      'TZOFFSETFROM:+0000',
      'TZOFFSETTO:+0100',
      'RRULE:FREQ=DAILY',
      'END:STANDARD',
      'END:VTIMEZONE',
    ].join('\n');
    const ics = calendar('METHOD:REQUEST', zone, vevent('UID:h1', 'DTSTART;TZID=Hostile:20291203T140000'));
    const { invite, warnings } = await inviteOf(ics);
    expect(invite?.start).toBe('2029-12-03T14:00:00.000Z');
    expect(warnings).toContain(
      'calendar-cut: time zone "Hostile" not expanded (a rule recurs other than once a year): read as UTC',
    );
  });

  it('cuts a calendar part over the byte budget after its last whole event', async () => {
    const first = vevent('UID:big', 'DTSTART:20261203T140000Z', 'SUMMARY:Kept');
    const second = vevent('UID:big', 'RECURRENCE-ID:20261210T140000Z', `DESCRIPTION:${'x'.repeat(5000)}`);
    const ics = calendar('METHOD:REQUEST', first, second);
    const { invite, warnings } = await inviteOf(ics, { calendar: { maxBytes: 2000 } });
    expect(invite).toMatchObject({ uid: 'big', summary: 'Kept' });
    expect(warnings).toContain('calendar part larger than 2000 bytes: only its beginning was read');

    // No whole event within the budget: what came before the long line is kept, the open components closed.
    const lone = calendar(
      'METHOD:REQUEST',
      vevent('UID:lone', 'DTSTART:20261203T140000Z', `DESCRIPTION:${'y'.repeat(5000)}`),
    );
    const cut = await inviteOf(lone, { calendar: { maxBytes: 2000 } });
    expect(cut.invite).toMatchObject({ uid: 'lone', start: '2026-12-03T14:00:00.000Z', description: null });
    expect(cut.warnings).toEqual(['calendar part larger than 2000 bytes: only its beginning was read']);
  });

  it('bounds events, attendees, description and calendar parts', async () => {
    const attendees = Array.from({ length: 12 }, (_, i) => `ATTENDEE:mailto:p${i}@globex.example`);
    const events = Array.from({ length: 5 }, (_, i) => vevent(`UID:e${i}`, 'DTSTART:20261203T140000Z'));
    const ics = calendar(
      'METHOD:REQUEST',
      vevent('UID:e', 'DTSTART:20261203T140000Z', 'DESCRIPTION:0123456789abcdef', ...attendees),
      ...events,
    );
    const limits = { maxEvents: 3, maxAttendees: 10, maxDescriptionChars: 10 };
    const { invite, warnings } = await inviteOf(ics, { calendar: limits });
    expect(invite).toMatchObject({ uid: 'e', description: '0123456789', descriptionTruncated: true });
    expect(invite?.attendees).toHaveLength(10);
    expect(invite?.attendeesTruncated).toBe(true);
    expect(warnings).toEqual([
      'calendar part has more than 3 events: the rest are ignored',
      'calendar part has 2 other event(s): ignored',
      'more than 10 attendees: the rest are ignored',
    ]);

    const google = await parseEmail(fixture('invites/google-invite.eml'), { calendar: { maxParts: 1 } });
    expect(google.invite?.source).toBe('inline');
    expect(google.warnings).toEqual(['more than 1 calendar parts: the rest are ignored']);
  });

  it('decodes a calendar part in its declared charset', async () => {
    const ics = request('DTSTART:20261203T140000Z', 'LOCATION:Café Zürich');
    const raw = calendarMail('', 'text/calendar; charset=iso-8859-1; method=REQUEST');
    const latin1 = Buffer.concat([raw, Buffer.from(ics.replace(/\n/g, '\r\n'), 'latin1')]);
    const email = await parseEmail(latin1);
    expect(email.invite?.location).toBe('Café Zürich');
    // A charset the runtime does not know: read as UTF-8, the iCalendar default.
    const unknown = await parseEmail(
      calendarMail(ics, 'text/calendar; charset=x-no-such-charset; method=REQUEST'),
    );
    expect(unknown.invite?.location).toBe('Café Zürich');
  });
});

describe('messages without an invite', () => {
  it('have invite null, and CapturedEmails written before invites still validate', async () => {
    const email = await parseEmail(fixture('gmail-forward.eml'), { org, capture });
    expect(email.invite).toBeNull();
    const { invite: _dropped, ...older } = email;
    expect(CapturedEmailSchema.safeParse(JSON.parse(JSON.stringify(older))).success).toBe(true);
  });
});
