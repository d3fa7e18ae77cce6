/**
 * Meeting invites through the whole local pipeline: SMTP in (nodemailer, a text/calendar part as
 * Outlook and Google send it), Salesforce REST out (jsforce against the strict emulator). The
 * invite becomes an Event (no Task), a higher SEQUENCE updates it, an older one never wins, a
 * CANCEL deletes it (or marks it for an org with `calendar.onCancel: "mark"`), and each
 * (org, UID, SEQUENCE) is written once, redelivery included.
 */
import { describe, expect, it } from 'vitest';
import { useE2e } from '../support/e2e.ts';

const BCC = 'acme-k7q2m9x4p8w3@capture.localhost';
const MARK_BCC = 'marks-q4w8e2r6t9y3@capture.localhost';

const org = (id: string, token: string, extra: object) => ({
  id,
  internalDomains: ['acme.example'],
  addresses: [{ token, mode: 'bcc' }],
  defaultOwnerEmail: 'ops@acme.example',
  ...extra,
});
const e2e = useE2e({
  allowTestVerdicts: true,
  registry: {
    captureDomain: 'capture.localhost',
    orgs: [
      org('acme', 'acme-k7q2m9x4p8w3', {}),
      org('marks', 'marks-q4w8e2r6t9y3', { calendar: { onCancel: 'mark' } }),
    ],
  },
});
const outcomeOf = e2e.outcomeOf.bind(e2e);

interface InviteSpec {
  uid: string;
  sequence: number;
  method?: 'REQUEST' | 'CANCEL';
  summary?: string;
  start?: string;
  end?: string;
  allDay?: { start: string; end: string };
  messageId: string;
  to?: string;
  bcc?: string;
  attendees?: string[];
}

function ics(spec: InviteSpec): string {
  const method = spec.method ?? 'REQUEST';
  const when = spec.allDay
    ? [`DTSTART;VALUE=DATE:${spec.allDay.start}`, `DTEND;VALUE=DATE:${spec.allDay.end}`]
    : [
        `DTSTART;TZID=Europe/Berlin:${spec.start ?? '20261201T093000'}`,
        `DTEND;TZID=Europe/Berlin:${spec.end ?? '20261201T103000'}`,
      ];
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Capture tests//EN',
    `METHOD:${method}`,
    'BEGIN:VEVENT',
    `UID:${spec.uid}`,
    `SEQUENCE:${spec.sequence}`,
    'DTSTAMP:20261120T080000Z',
    ...when,
    `SUMMARY:${spec.summary ?? 'Quarterly review'}`,
    'LOCATION:Globex HQ\\, Room 4',
    'DESCRIPTION:Agenda: volumes for 2027',
    'ORGANIZER;CN=Alice Rep:mailto:alice@acme.example',
    ...(spec.attendees ?? [
      'ATTENDEE;CN=Jane Doe;PARTSTAT=ACCEPTED:mailto:jane.doe@globex.example',
      "ATTENDEE;CN=Sean O'Brien;PARTSTAT=NEEDS-ACTION:mailto:o'brien@globex.example",
      'ATTENDEE;CN=Bob Rep;PARTSTAT=DECLINED:mailto:bob@acme.example',
      'ATTENDEE;CUTYPE=ROOM;CN=Room 4:mailto:room4@acme.example',
    ]),
    ...(method === 'CANCEL' ? ['STATUS:CANCELLED'] : []),
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

const sendInvite = (spec: InviteSpec) =>
  e2e.send({
    envelope: { from: 'alice@acme.example', to: [spec.bcc ?? BCC] },
    from: 'Alice Rep <alice@acme.example>',
    to: spec.to ?? "Jane Doe <jane.doe@globex.example>, Sean O'Brien <o'brien@globex.example>",
    subject: `${spec.method === 'CANCEL' ? 'Cancelled' : 'Invitation'}: ${spec.summary ?? 'Quarterly review'}`,
    messageId: spec.messageId,
    text: 'You are invited.',
    icalEvent: { method: (spec.method ?? 'REQUEST').toLowerCase(), content: ics(spec) },
  });

interface EventRow {
  Id: string;
  Subject: string;
  StartDateTime: string;
  EndDateTime: string;
  IsAllDayEvent: boolean;
  ActivityDate: string;
  Location: string;
  Description: string;
  OwnerId: string;
  WhoId: string | null;
  WhatId: string | null;
  ShowAs: string;
  Capture_Sequence__c: number;
  IsDeleted: boolean;
}

const EVENT_FIELDS =
  'Id, Subject, StartDateTime, EndDateTime, IsAllDayEvent, ActivityDate, Location, Description, OwnerId, WhoId, WhatId, ShowAs, Capture_Sequence__c, IsDeleted';

async function eventsTitled(subject: string, all = false): Promise<EventRow[]> {
  const soql = `SELECT ${EVENT_FIELDS} FROM Event WHERE Subject LIKE '%${subject}%'`;
  return (await e2e.sf.query<EventRow>(soql, all ? { scanAll: true } : {})).records;
}
const idOf = e2e.idOf.bind(e2e);

describe('meeting invites through the local pipeline', () => {
  it('makes an Event (no Task, no .ics File) with times, place, owner, who, what and invitees', async () => {
    await sendInvite({ uid: 'review-1@acme.example', sequence: 0, messageId: '<inv-1a@acme.example>' });
    const outcome = await outcomeOf('<inv-1a@acme.example>');
    expect(outcome).toMatchObject({ outcome: 'created', reason: 'event-created' });
    const [event, more] = await eventsTitled('Quarterly review');
    expect(more).toBeUndefined();
    expect(event?.Id).toBe(outcome?.taskId);
    // 09:30 in Berlin in December is 08:30 UTC.
    expect(event?.StartDateTime).toMatch(/^2026-12-01T08:30:00\.000\+0000$/);
    expect(event?.EndDateTime).toMatch(/^2026-12-01T09:30:00\.000\+0000$/);
    expect(event?.Location).toBe('Globex HQ, Room 4');
    expect(event?.Description).toContain('Agenda: volumes for 2027');
    expect(event?.OwnerId).toBe(await idOf("SELECT Id FROM User WHERE Email = 'alice@acme.example'"));
    const jane = await idOf("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'");
    const sean = await idOf("SELECT Id FROM Contact WHERE Email = 'o\\'brien@globex.example'");
    expect([jane, sean]).toContain(event?.WhoId);
    expect(event?.WhatId).toBe(await idOf("SELECT Id FROM Account WHERE Name = 'Globex Corporation'"));
    const relations = (
      await e2e.sf.query<{ RelationId: string; IsInvitee: boolean; IsParent: boolean; Status: string }>(
        `SELECT RelationId, IsInvitee, IsParent, Status FROM EventRelation WHERE EventId = '${event?.Id}' AND IsWhat = false`,
      )
    ).records;
    const bob = await idOf("SELECT Id FROM User WHERE Email = 'bob@acme.example'");
    expect(relations.find((r) => r.RelationId === bob)).toMatchObject({
      IsInvitee: true,
      Status: 'Declined',
    });
    const other = event?.WhoId === jane ? sean : jane;
    expect(relations.find((r) => r.RelationId === other)).toMatchObject({ IsInvitee: true, IsParent: true });
    const tasks = await e2e.sf.query("SELECT Id FROM Task WHERE Subject LIKE '%Quarterly review%'");
    expect(tasks.totalSize).toBe(0);
    const files = await e2e.sf.query(`SELECT Id FROM ContentVersion WHERE PathOnClient LIKE '%.ics'`);
    expect(files.totalSize).toBe(0);
  });

  it('writes a redelivered or re-BCCd invite once, updates on a higher SEQUENCE, never goes back to an older one', async () => {
    await sendInvite({ uid: 'review-1@acme.example', sequence: 0, messageId: '<inv-1a@acme.example>' });
    expect(await outcomeOf('<inv-1a@acme.example>')).toMatchObject({ outcome: 'created' });
    const before = await eventsTitled('Quarterly review');
    expect(before).toHaveLength(1);

    await sendInvite({
      uid: 'review-1@acme.example',
      sequence: 2,
      messageId: '<inv-1c@acme.example>',
      start: '20261202T140000',
      end: '20261202T150000',
      summary: 'Quarterly review (moved)',
    });
    expect(await outcomeOf('<inv-1c@acme.example>')).toMatchObject({
      outcome: 'created',
      reason: 'event-updated',
    });
    await sendInvite({
      uid: 'review-1@acme.example',
      sequence: 1,
      messageId: '<inv-1b@acme.example>',
      summary: 'Quarterly review (late copy)',
    });
    expect(await outcomeOf('<inv-1b@acme.example>')).toMatchObject({ outcome: 'duplicate' });
    const after = await eventsTitled('Quarterly review');
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      Id: before[0]!.Id,
      Subject: 'Quarterly review (moved)',
      Capture_Sequence__c: 2,
    });
    expect(after[0]!.StartDateTime).toMatch(/^2026-12-02T13:00:00/);
  });

  it('follows a reschedule that changes who comes: answers updated, people no longer invited removed', async () => {
    const jane = 'ATTENDEE;CN=Jane Doe;PARTSTAT=ACCEPTED:mailto:jane.doe@globex.example';
    await sendInvite({
      uid: 'plan-3@acme.example',
      sequence: 0,
      summary: 'Planning call',
      messageId: '<inv-3a@acme.example>',
      attendees: [
        jane,
        'ATTENDEE;CN=Bob Rep;PARTSTAT=NEEDS-ACTION:mailto:bob@acme.example',
        'ATTENDEE;CN=Ops;PARTSTAT=NEEDS-ACTION:mailto:ops@acme.example',
      ],
    });
    expect(await outcomeOf('<inv-3a@acme.example>')).toMatchObject({ outcome: 'created' });
    const invited = async () => {
      const [event] = await eventsTitled('Planning call');
      return (
        await e2e.sf.query<{ RelationId: string; Status: string }>(
          `SELECT RelationId, Status FROM EventRelation WHERE EventId = '${event?.Id}' AND IsInvitee = true`,
        )
      ).records;
    };
    const bob = await idOf("SELECT Id FROM User WHERE Email = 'bob@acme.example'");
    const ops = await idOf("SELECT Id FROM User WHERE Email = 'ops@acme.example'");
    const first = await invited();
    expect(first.find((r) => r.RelationId === bob)).toMatchObject({ Status: 'New' });
    expect(first.some((r) => r.RelationId === ops)).toBe(true);
    await sendInvite({
      uid: 'plan-3@acme.example',
      sequence: 1,
      summary: 'Planning call',
      messageId: '<inv-3b@acme.example>',
      attendees: [jane, 'ATTENDEE;CN=Bob Rep;PARTSTAT=ACCEPTED:mailto:bob@acme.example'],
    });
    expect(await outcomeOf('<inv-3b@acme.example>')).toMatchObject({
      outcome: 'created',
      reason: 'event-updated',
    });
    const rows = await invited();
    expect(rows.find((r) => r.RelationId === bob)).toMatchObject({ Status: 'Accepted' });
    expect(rows.some((r) => r.RelationId === ops)).toBe(false);
  });

  it('deletes the Event on CANCEL, and a late REQUEST of the same SEQUENCE does not bring it back', async () => {
    await sendInvite({
      uid: 'sync-9@acme.example',
      sequence: 0,
      summary: 'Supply sync',
      messageId: '<inv-9a@acme.example>',
    });
    expect(await outcomeOf('<inv-9a@acme.example>')).toMatchObject({ outcome: 'created' });
    await sendInvite({
      uid: 'sync-9@acme.example',
      sequence: 1,
      method: 'CANCEL',
      summary: 'Supply sync',
      messageId: '<inv-9b@acme.example>',
    });
    expect(await outcomeOf('<inv-9b@acme.example>')).toMatchObject({
      outcome: 'created',
      reason: 'event-deleted',
    });
    expect(await eventsTitled('Supply sync')).toHaveLength(0);
    expect((await eventsTitled('Supply sync', true))[0]).toMatchObject({
      IsDeleted: true,
      Capture_Sequence__c: 1,
    });
    await sendInvite({
      uid: 'sync-9@acme.example',
      sequence: 1,
      summary: 'Supply sync',
      messageId: '<inv-9c@acme.example>',
    });
    expect(await outcomeOf('<inv-9c@acme.example>')).toMatchObject({ outcome: 'duplicate' });
    expect(await eventsTitled('Supply sync')).toHaveLength(0);
  });

  it('marks the Event cancelled for an org that asks for it, and writes all-day events as days', async () => {
    await sendInvite({
      uid: 'offsite@acme.example',
      sequence: 0,
      summary: 'Offsite',
      allDay: { start: '20261207', end: '20261209' },
      messageId: '<inv-off-a@acme.example>',
      bcc: MARK_BCC,
    });
    expect(await outcomeOf('<inv-off-a@acme.example>')).toMatchObject({ outcome: 'created' });
    const [event] = await eventsTitled('Offsite');
    expect(event).toMatchObject({ IsAllDayEvent: true, ActivityDate: '2026-12-07' });
    expect(event?.EndDateTime).toMatch(/^2026-12-08T00:00:00/);
    await sendInvite({
      uid: 'offsite@acme.example',
      sequence: 1,
      method: 'CANCEL',
      summary: 'Offsite',
      allDay: { start: '20261207', end: '20261209' },
      messageId: '<inv-off-b@acme.example>',
      bcc: MARK_BCC,
    });
    expect(await outcomeOf('<inv-off-b@acme.example>')).toMatchObject({
      outcome: 'created',
      reason: 'event-marked-cancelled',
    });
    const marked = await eventsTitled('Offsite');
    expect(marked).toHaveLength(1);
    expect(marked[0]).toMatchObject({ Id: event?.Id, Subject: 'Cancelled: Offsite', ShowAs: 'Free' });
  });

  it('logs a calendar REPLY as a Task like any mail, without uploading its .ics part', async () => {
    const reply = ics({ uid: 'review-1@acme.example', sequence: 2, messageId: '' }).replace(
      'METHOD:REQUEST',
      'METHOD:REPLY',
    );
    await e2e.send({
      envelope: { from: 'alice@acme.example', to: [BCC] },
      from: 'Alice Rep <alice@acme.example>',
      to: 'Jane Doe <jane.doe@globex.example>',
      subject: 'Accepted: Quarterly review',
      messageId: '<inv-reply-1@acme.example>',
      text: 'Alice accepted.',
      icalEvent: { method: 'reply', content: reply },
      attachments: [{ filename: 'notes.txt', content: 'agenda notes' }],
    });
    const outcome = await outcomeOf('<inv-reply-1@acme.example>');
    expect(outcome).toMatchObject({ outcome: 'created' });
    expect(outcome?.taskId).toMatch(/^00T/);
    const files = (
      await e2e.sf.query<{ PathOnClient: string }>(
        `SELECT PathOnClient FROM ContentVersion WHERE FirstPublishLocationId = '${outcome?.taskId}'`,
      )
    ).records.map((f) => f.PathOnClient);
    expect(files).toEqual(['notes.txt']);
  });

  it('keeps a Task for a changed single occurrence of a series, which is not written as an Event', async () => {
    const occurrence = ics({
      uid: 'weekly@acme.example',
      sequence: 1,
      messageId: '',
      summary: 'Weekly sync',
    }).replace('SEQUENCE:1', 'SEQUENCE:1\r\nRECURRENCE-ID;TZID=Europe/Berlin:20261201T093000');
    await e2e.send({
      envelope: { from: 'alice@acme.example', to: [BCC] },
      from: 'Alice Rep <alice@acme.example>',
      to: 'Jane Doe <jane.doe@globex.example>',
      subject: 'Updated: Weekly sync (one occurrence)',
      messageId: '<inv-occ-1@acme.example>',
      text: 'This one moves.',
      icalEvent: { method: 'request', content: occurrence },
    });
    const outcome = await outcomeOf('<inv-occ-1@acme.example>');
    expect(outcome).toMatchObject({ outcome: 'created' });
    expect(outcome?.taskId).toMatch(/^00T/);
    expect(await eventsTitled('Weekly sync')).toHaveLength(0);
  });

  it('measures Salesforce calls for a batch of ten invites arriving together', {
    timeout: 60_000,
  }, async () => {
    await e2e.stack.idle();
    const before = e2e.stack.emulator!.apiRequestCount();
    const ids = Array.from({ length: 10 }, (_, i) => `<inv-many-${i}@acme.example>`);
    await e2e.together(() =>
      Promise.all(
        ids.map((messageId, i) =>
          sendInvite({ uid: `many-${i}@acme.example`, sequence: 0, summary: `Call ${i}`, messageId }),
        ),
      ),
    );
    const outcomes = await Promise.all(ids.map(outcomeOf));
    const calls = e2e.stack.emulator!.apiRequestCount() - before;
    console.info(`Salesforce API calls through the stack for 10 invites: ${calls} (${calls / 10}/invite)`);
    expect(outcomes.every((o) => o?.outcome === 'created')).toBe(true);
    expect((await e2e.sf.query("SELECT Id FROM Event WHERE Subject LIKE 'Call %'")).totalSize).toBe(10);
  });
});
