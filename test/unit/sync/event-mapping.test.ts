/** Event decisions from meeting invites: parsed fixtures in, EventDrafts and actions out. */
import { describe, expect, it } from 'vitest';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import type { Org } from '#shared/config/registry.ts';
import {
  type CapturedEmail,
  CapturedEmailSchema,
  type Invite,
  storedMessageDigest,
} from '#shared/domain/captured-email.ts';
import { captureIdForMessageId, captureIdOf } from '#shared/domain/sync/capture-id.ts';
import type { FoundEvent, LookupResult } from '#shared/domain/sync/crm-records.ts';
import {
  decideEvents,
  EVENT_MAX_MINUTES,
  type EventDecision,
  type EventMappingOptions,
  eventCaptureIdOf,
  planEventLookups,
} from '#shared/domain/sync/event-mapping.ts';
import { DESCRIPTION_MAX, TRUNCATION_MARKER } from '#shared/domain/sync/task-mapping.ts';
import { fixture, org as parseOrg } from '../parse/helpers.ts';
import { BCC, email, emptyResult, FORWARD_OWNED, makeOrg } from './support.ts';

const org = makeOrg();
const ALICE = '005000000000001AAA';
const BOB = '005000000000002AAA';
const OPS = '005000000000003AAA';
const SALES_LEAD = '005000000000004AAA';
const JANE = '003000000000001AAA';
const SEAN = '003000000000003AAA';
const CARL = '003000000000002AAA';
const LENA = '00Q000000000001AAA';
const GLOBEX = '001000000000001AAA';
const ORDER = '801000000000001AAA';
const EVENT = '00U000000000001AAA';
const OUTLOOK_UID =
  '040000008200E00074C5B7101A82E00800000000D0A1C2E3F4A5DB01000000000000000010000000A1B2C3D4E5F60718293A4B5C6D7E8F90';

function world(events: FoundEvent[] = []): LookupResult & { events: FoundEvent[] } {
  return {
    ...emptyResult(),
    users: [
      { id: ALICE, email: 'alice@acme.example', isActive: true },
      { id: BOB, email: 'bob@acme.example', isActive: true },
      { id: OPS, email: 'ops@acme.example', isActive: true },
      { id: SALES_LEAD, email: 'sales.lead@acme.example', isActive: true },
    ],
    contacts: [
      { id: JANE, email: 'jane@globex.example', accountId: GLOBEX, lastModified: null },
      { id: SEAN, email: "o'brien@globex.example", accountId: GLOBEX, lastModified: null },
      { id: CARL, email: 'carl@globex.example', accountId: GLOBEX, lastModified: null },
    ],
    leads: [{ id: LENA, email: 'lena@initech.example' }],
    events,
  };
}

const options: EventMappingOptions = { onCancel: 'delete', today: () => '2026-11-23T00:00:00.000Z' };

/** Parsed with the parse tests' org (same domain and BCC token, with an ORD- order number pattern). */
async function parsed(
  name: string,
  mode: 'bcc' | 'forward' = 'bcc',
  token = BCC,
  on: Org = parseOrg,
  senderVerified = mode === 'bcc',
) {
  const capture = { orgId: 'acme', address: `${token}@capture.example.com`, mode, target: null };
  const mail = await parseEmail(fixture(`invites/${name}`), { org: on, capture });
  // As the parse stage records it after its policy checks.
  return { ...mail, origin: { senderVerified, sourceDigest: storedMessageDigest(`${name} ${mode}`) } };
}

/** A CapturedEmail from the sync test factory, carrying the given invite. */
function withInvite(invite: Partial<Invite>, spec: Parameters<typeof email>[0] = {}): CapturedEmail {
  const base: Invite = {
    method: 'REQUEST',
    action: 'request',
    ignoredReason: null,
    uid: 'u1@acme.example',
    sequence: 0,
    recurrenceId: null,
    summary: 'Call',
    description: null,
    descriptionTruncated: false,
    location: null,
    status: null,
    allDay: false,
    start: '2026-12-03T13:00:00.000Z',
    end: '2026-12-03T14:00:00.000Z',
    startDate: null,
    endDate: null,
    timeZone: null,
    organizer: { address: 'alice@acme.example', name: 'Alice Rep' },
    attendees: [
      {
        address: 'jane@globex.example',
        name: 'Jane',
        partstat: 'ACCEPTED',
        role: null,
        cutype: 'INDIVIDUAL',
      },
    ],
    attendeesTruncated: false,
    rrule: null,
    source: 'inline',
  };
  return CapturedEmailSchema.parse({ ...email(spec), invite: { ...base, ...invite } });
}

const one = (e: CapturedEmail, found = world(), opts = options) => decideEvents(org, [e], found, opts)[0]!;
const upsert = (d: EventDecision | undefined) => {
  if (d?.kind !== 'upsert') throw new Error(`expected upsert, got ${d?.kind}: ${JSON.stringify(d)}`);
  return d;
};
/** Outlook's fixture invite is organized by Alice: its Event's id holds her address. */
const OUTLOOK_EVENT = eventCaptureIdOf('acme', OUTLOOK_UID, 'alice@acme.example');
const existing = (sequence: number | null, more: Partial<FoundEvent> = {}): FoundEvent => ({
  id: EVENT,
  captureId: OUTLOOK_EVENT,
  ownerId: ALICE,
  sequence,
  cancelled: false,
  ...more,
});

describe('external ids', () => {
  it('are one per (org, UID), apart from Task capture ids', () => {
    expect(eventCaptureIdOf('acme', 'u1')).toBe(eventCaptureIdOf('acme', ' u1 '));
    expect(eventCaptureIdOf('acme', 'u1')).toMatch(/^[0-9a-f]{40}$/);
    expect(eventCaptureIdOf('acme', 'u1')).not.toBe(eventCaptureIdOf('other', 'u1'));
    expect(eventCaptureIdOf('acme', 'u1')).not.toBe(captureIdForMessageId('acme', 'u1'));
  });
});

describe('an Outlook invite becomes an Event', () => {
  it('with owner, who and what decided as for Tasks, and the times in UTC', async () => {
    const mail = await parsed('outlook-windows-tz.eml');
    const found = { ...world(), orders: [{ id: ORDER, number: 'ORD-10042', accountId: GLOBEX }] };
    const d = upsert(one(mail, found));
    expect(d.event).toMatchObject({
      Subject: 'Quarterly review with Globex',
      StartDateTime: '2026-12-03T13:00:00.000Z',
      EndDateTime: '2026-12-03T14:30:00.000Z',
      IsAllDayEvent: false,
      ActivityDate: null,
      Location: 'Room Rhine (8), Frankfurt office',
      ShowAs: 'Busy',
      // The internal organizer owns it; the first external attendee is the Who; the order in the text the What.
      OwnerId: ALICE,
      WhoId: JANE,
      WhatId: ORDER,
      Capture_Id__c: OUTLOOK_EVENT,
      Capture_Sequence__c: 0,
    });
    expect(d.event.Description).toContain('Organizer: Alice Rep <alice@acme.example>');
    expect(d.event.Description).toContain('Jane Doe <jane@globex.example> (not answered)');
    expect(d.event.Description).toContain('Time zone: W. Europe Standard Time');
    expect(d.event.Description).toContain('1. Orders ORD-10042 and ORD-10043');
    expect(d.event.Description).not.toContain('Room Rhine (8) <');
    // The other contact is related and invited, the internal attendee is an invitee; the room is neither.
    expect(d.relations).toEqual([
      { RelationId: SEAN, IsParent: true, IsInvitee: true, Status: 'New' },
      { RelationId: BOB, IsParent: false, IsInvitee: true, Status: 'New' },
    ]);
    expect(d).toMatchObject({ eventId: null, lead: null, adjustments: [] });
  });

  it('plans the lookups: the Task plan over organizer and attendees, internal invitees, the Event', async () => {
    const mail = await parsed('outlook-windows-tz.eml');
    const plan = planEventLookups(org, [mail, email({ messageId: '<plain@x>' })]);
    expect(plan.userEmails).toEqual(
      expect.arrayContaining(['alice@acme.example', 'ops@acme.example', 'bob@acme.example']),
    );
    expect(plan.userEmails).not.toContain('room.rhine@acme.example');
    expect(plan.personEmails).toEqual(['jane@globex.example', "o'brien@globex.example"]);
    expect(plan.orderNumbers).toEqual(['ORD-10042', 'ORD-10043']);
    // By organizer and UID, and the id Events written before the organizer was part of it have.
    expect(plan.eventCaptureIds).toEqual([OUTLOOK_EVENT, eventCaptureIdOf('acme', OUTLOOK_UID)]);
  });

  it('is owned like a forwarded Task in forward mode: the address owner, not the organizer', async () => {
    const mail = await parsed('outlook-windows-tz.eml', 'forward', FORWARD_OWNED, parseOrg, true);
    const d = upsert(one(mail));
    expect(d.event.OwnerId).toBe(SALES_LEAD);
    // A forwarded copy never sets the owner for good, nor its SEQUENCE: the first proven rep does.
    expect(d.event.Capture_Sequence__c).toBeNull();
  });

  it('with an external organizer (Google) through the shared inbox: Who the organizer, the address owner', async () => {
    const mail = await parsed('google-invite.eml', 'forward', FORWARD_OWNED, parseOrg, true);
    const d = upsert(one(mail));
    expect(d.event).toMatchObject({
      OwnerId: SALES_LEAD,
      WhoId: JANE,
      WhatId: GLOBEX,
      StartDateTime: '2026-12-08T15:00:00.000Z',
      EndDateTime: '2026-12-08T15:45:00.000Z',
      Location: null,
    });
    // Alice, not the owner here, is an invitee.
    expect(d.relations).toEqual([
      { RelationId: ALICE, IsParent: false, IsInvitee: true, Status: 'New' },
      { RelationId: CARL, IsParent: true, IsInvitee: true, Status: 'New' },
    ]);
  });

  it('is made even when a Task for the same message exists', async () => {
    const mail = await parsed('outlook-windows-tz.eml');
    const found = { ...world(), tasks: [{ id: '00T1', captureId: captureIdOf('acme', mail), whatId: null }] };
    expect(one(mail, found).kind).toBe('upsert');
  });
});

describe('all-day events', () => {
  it('carry their first day in ActivityDate and their last day in EndDateTime', async () => {
    const d = upsert(one(await parsed('all-day.eml')));
    expect(d.event).toMatchObject({
      IsAllDayEvent: true,
      ActivityDate: '2026-12-14',
      StartDateTime: '2026-12-14T00:00:00.000Z',
      EndDateTime: '2026-12-15T00:00:00.000Z',
      Location: 'Globex HQ, Springfield',
    });
  });

  it('last at most 14 days', () => {
    const long = withInvite({
      allDay: true,
      start: '2026-12-01T00:00:00.000Z',
      end: '2026-12-21T00:00:00.000Z',
      startDate: '2026-12-01',
      endDate: '2026-12-20',
    });
    const d = upsert(one(long));
    expect(d.event.EndDateTime).toBe('2026-12-14T00:00:00.000Z');
    expect(d.adjustments).toEqual([
      'shortened from 20 to 14 days: Salesforce keeps an event at most 14 days',
    ]);
    expect(d.event.Description).toContain('Note: shortened from 20 to 14 days');
  });
});

describe("Salesforce's Event rules", () => {
  it('caps a timed event at 14 days (20,160 minutes)', () => {
    const d = upsert(one(withInvite({ start: '2026-12-01T09:00:00.000Z', end: '2026-12-31T09:00:00.000Z' })));
    const minutes = (Date.parse(d.event.EndDateTime) - Date.parse(d.event.StartDateTime)) / 60_000;
    expect(minutes).toBe(EVENT_MAX_MINUTES);
    expect(EVENT_MAX_MINUTES).toBe(20_160);
  });

  it('never ends before it starts', () => {
    const d = upsert(one(withInvite({ start: '2026-12-01T09:00:00.000Z', end: '2026-12-01T08:00:00.000Z' })));
    expect(d.event.EndDateTime).toBe(d.event.StartDateTime);
    expect(d.adjustments).toEqual(['the end was before the start: the event ends when it starts']);
  });

  it('cuts Subject and Location to 255 and Description to 32,000 characters with a marker', () => {
    const d = upsert(
      one(
        withInvite({ summary: 's'.repeat(300), location: 'l'.repeat(300), description: 'd'.repeat(40_000) }),
      ),
    );
    expect(d.event.Subject).toHaveLength(255);
    expect(d.event.Location).toHaveLength(255);
    expect(d.event.Description).toHaveLength(DESCRIPTION_MAX);
    expect(d.event.Description.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('relates at most 50 contacts (the Who among them); the rest stay invitees', async () => {
    const mail = await parsed('sixty-attendees.eml');
    const guests = Array.from({ length: 60 }, (_, i) => {
      const n = String(i + 1).padStart(2, '0');
      return {
        id: `0030000000000${n}BBB`,
        email: `guest${n}@globex.example`,
        accountId: GLOBEX,
        lastModified: null,
      };
    });
    const d = upsert(one(mail, { ...world(), contacts: guests }));
    expect(d.event.WhoId).toBe(guests[0]!.id);
    expect(d.relations).toHaveLength(59);
    expect(d.relations.filter((r) => r.IsParent)).toHaveLength(49);
    expect(d.relations.filter((r) => r.IsInvitee)).toHaveLength(59);
    expect(d.relations.slice(49).every((r) => !r.IsParent && r.IsInvitee)).toBe(true);
    expect(d.adjustments).toEqual([
      '10 more contact(s) not related: Salesforce relates an event to at most 50 contacts',
    ]);
    // A series is written as its first occurrence, the rule kept in the Description.
    expect(d.event.Description).toContain(
      'Repeats: FREQ=MONTHLY;COUNT=6;BYDAY=2TH (this is the first occurrence)',
    );
    expect(d.event.Description).toContain('Guest 60 <guest60@globex.example> (not answered)');
  });

  it('relates no contact beside a lead Who; the others are invitees only', () => {
    const mail = withInvite({
      attendees: [
        {
          address: 'lena@initech.example',
          name: 'Lena',
          partstat: 'DECLINED',
          role: null,
          cutype: 'INDIVIDUAL',
        },
        {
          address: 'jane@globex.example',
          name: 'Jane',
          partstat: 'ACCEPTED',
          role: null,
          cutype: 'INDIVIDUAL',
        },
      ],
    });
    const found = { ...world(), contacts: world().contacts.filter((c) => c.id !== JANE) };
    found.contacts.push({ id: JANE, email: 'jane@globex.example', accountId: null, lastModified: null });
    // Jane is a contact, so she is the Who: the lead is an invitee only.
    const contactWho = upsert(one(mail, found));
    expect(contactWho.event.WhoId).toBe(JANE);
    expect(contactWho.relations).toEqual([
      { RelationId: LENA, IsParent: false, IsInvitee: true, Status: 'Declined' },
    ]);
    // Without contacts, the lead is the Who and no contact could be related beside it.
    const leadWho = upsert(one(mail, { ...world(), contacts: [] }));
    expect(leadWho.event).toMatchObject({ WhoId: LENA, WhatId: null });
    expect(leadWho.relations).toEqual([]);
  });
});

describe('updates, cancellations and order', () => {
  it('updates the Event on a higher SEQUENCE', async () => {
    const d = upsert(one(await parsed('outlook-updated.eml'), world([existing(0)])));
    expect(d.eventId).toBe(EVENT);
    expect(d.event).toMatchObject({ StartDateTime: '2026-12-03T15:00:00.000Z', Capture_Sequence__c: 1 });
  });

  it('refuses an older SEQUENCE and is exactly once per SEQUENCE', async () => {
    const first = await parsed('outlook-windows-tz.eml');
    expect(one(first, world([existing(1)]))).toMatchObject({
      kind: 'stale',
      eventId: EVENT,
      reason: 'older-sequence',
    });
    // The same SEQUENCE from its organizer is written again (relations an earlier try missed), once.
    expect(one(first, world([existing(0)]))).toMatchObject({ kind: 'upsert', again: true, eventId: EVENT });
    expect(decideEvents(org, [first, first], world([existing(0)]), options)[1]).toMatchObject({
      kind: 'duplicate',
      reason: 'same-sequence',
    });
    // An Event written without a sequence is older than any invite.
    expect(one(first, world([existing(null)])).kind).toBe('upsert');
  });

  it('deletes the Event on METHOD CANCEL, or marks it cancelled when the org asks', async () => {
    const cancel = await parsed('outlook-cancelled.eml');
    expect(one(cancel, world([existing(1)]))).toEqual({
      kind: 'cancel',
      eventCaptureId: OUTLOOK_EVENT,
      eventId: EVENT,
      action: 'delete',
      sequence: 2,
      update: null,
    });
    expect(one(cancel, world([existing(1)]), { ...options, onCancel: 'mark' })).toMatchObject({
      action: 'mark',
      sequence: 2,
      update: { Subject: 'Canceled: Quarterly review with Globex', ShowAs: 'Free' },
    });
    const plain = withInvite({ action: 'cancel', method: 'CANCEL', uid: OUTLOOK_UID, sequence: 2 });
    expect(one(plain, world([existing(1)]), { ...options, onCancel: 'mark' })).toMatchObject({
      update: { Subject: 'Cancelled: Call' },
    });
    expect(
      one(cancel, world([existing(2, { cancelled: true })]), { ...options, onCancel: 'mark' }),
    ).toMatchObject({
      kind: 'duplicate',
      reason: 'already-cancelled',
    });
    expect(one(cancel, world([existing(3)]))).toMatchObject({ kind: 'stale', reason: 'older-sequence' });
    expect(one(cancel, world())).toMatchObject({ kind: 'ignored', reason: 'no-event-to-cancel' });
  });

  it('does not bring back a deleted Event with a late REQUEST (tombstone)', async () => {
    const tombstone = existing(2, { deleted: true, cancelled: true });
    expect(one(await parsed('outlook-updated.eml'), world([tombstone]))).toMatchObject({
      kind: 'stale',
      reason: 'older-sequence',
    });
    const again = withInvite({ uid: OUTLOOK_UID, sequence: 2 });
    expect(one(again, world([tombstone]))).toMatchObject({
      kind: 'stale',
      reason: 'cancelled-at-this-sequence',
    });
    const rescheduled = upsert(one(withInvite({ uid: OUTLOOK_UID, sequence: 3 }), world([tombstone])));
    expect(rescheduled.eventId).toBeNull();
  });

  it('keeps order within a batch: request, update, cancel, then a late original', async () => {
    const [request, update, cancel] = await Promise.all(
      ['outlook-windows-tz.eml', 'outlook-updated.eml', 'outlook-cancelled.eml'].map((n) => parsed(n)),
    );
    const decisions = decideEvents(org, [request!, update!, cancel!, request!], world(), options);
    expect(decisions.map((d) => d.kind)).toEqual(['upsert', 'upsert', 'cancel', 'stale']);
    expect(decisions[2]).toMatchObject({ eventId: null, action: 'delete' });
    const reversed = decideEvents(org, [update!, request!], world(), options);
    expect(reversed.map((d) => d.kind)).toEqual(['upsert', 'stale']);
  });
});

describe('what is not an Event', () => {
  it('says why', () => {
    const reply = withInvite({
      method: 'REPLY',
      action: 'ignore',
      ignoredReason: "METHOD:REPLY: an attendee's answer",
    });
    expect(one(reply)).toMatchObject({ kind: 'ignored', reason: "METHOD:REPLY: an attendee's answer" });
    expect(one(withInvite({ recurrenceId: '2026-12-10T09:00:00.000Z' }))).toMatchObject({
      kind: 'ignored',
      reason: 'one-occurrence-of-a-series',
    });
    expect(one(withInvite({}, { excluded: 'private' }))).toMatchObject({
      kind: 'excluded',
      reason: 'private',
    });
    expect(one(email())).toEqual({ kind: 'no-invite', captureId: captureIdOf('acme', email()) });
  });

  it('follows the Task rules when nobody matches or no owner is found', () => {
    const stranger = withInvite(
      {
        organizer: { address: 'alice@acme.example', name: 'Alice' },
        attendees: [
          {
            address: 'new@prospect.example',
            name: 'Nina New',
            partstat: null,
            role: null,
            cutype: 'INDIVIDUAL',
          },
        ],
      },
      { to: ['Nina New <new@prospect.example>'] },
    );
    expect(one(stranger)).toMatchObject({ kind: 'unmatched', reason: 'no-contact-or-lead' });
    const leads = makeOrg({ unmatched: 'create-lead' });
    const d = upsert(decideEvents(leads, [stranger], world(), options)[0]);
    expect(d.lead).toMatchObject({ Email: 'new@prospect.example', LastName: 'New' });
    expect(d.event.WhoId).toBeNull();
    expect(one(withInvite({}), { ...world(), users: [] })).toMatchObject({ kind: 'owner-missing' });
  });
});

describe('who may change an Event', () => {
  const seq = (sequence: number, spec: Parameters<typeof email>[0] = {}, more: Partial<Invite> = {}) =>
    withInvite({ uid: OUTLOOK_UID, sequence, ...more }, spec);
  /** Mallory writes to the shared inbox, naming Alice as the organizer of her meeting. */
  const mallory = (more: Partial<Invite>, verified = false) =>
    seq(more.sequence ?? 0, { mode: 'forward', from: 'mallory@evil.example', verified }, more);

  it('refuses an outsider’s CANCEL or update of a rep’s meeting; the mail is logged as any other', () => {
    const rep = world([existing(1)]);
    const cancel = mallory({ action: 'cancel', method: 'CANCEL', sequence: 2 });
    expect(one(cancel, rep)).toMatchObject({ kind: 'refused', eventId: EVENT });
    expect(one(mallory({ sequence: Number.MAX_SAFE_INTEGER }), rep)).toMatchObject({ kind: 'refused' });
    // A proven organizer through a forward address changes nothing either.
    const proven = seq(
      2,
      { mode: 'forward', from: 'alice@acme.example', verified: true },
      { action: 'cancel' },
    );
    expect(one(proven, rep)).toMatchObject({ kind: 'refused' });
    // Copies that change nothing stay duplicates.
    expect(one(mallory({ sequence: 1 }), rep)).toMatchObject({ kind: 'duplicate', reason: 'same-sequence' });
  });

  it('ignores an outsider’s SEQUENCE: a new Event keeps none, and the first proven rep takes it over', () => {
    // Naming Alice's meeting through the shared inbox makes nothing: it is about its sender, and Alice is internal.
    expect(one(mallory({ sequence: Number.MAX_SAFE_INTEGER }))).toMatchObject({ kind: 'unmatched' });
    // Jane's own meeting through the shared inbox, with a huge SEQUENCE: an Event, without it.
    const jane = { address: 'jane@globex.example', name: 'Jane' };
    const alice = {
      address: 'alice@acme.example',
      name: 'Alice',
      partstat: null,
      role: null,
      cutype: 'INDIVIDUAL',
    };
    const janes = (sequence: number, spec: Parameters<typeof email>[0]) =>
      withInvite({ uid: 'j1@globex.example', sequence, organizer: jane, attendees: [alice] }, spec);
    const viaInbox = upsert(
      one(janes(Number.MAX_SAFE_INTEGER, { mode: 'forward', from: 'jane@globex.example', verified: true })),
    );
    expect(viaInbox.event).toMatchObject({ OwnerId: OPS, Capture_Sequence__c: null });
    // Alice, a proven attendee, BCCs the next update: she owns the Event and its SEQUENCE counts.
    const written: FoundEvent = {
      id: EVENT,
      captureId: viaInbox.eventCaptureId,
      sequence: null,
      cancelled: false,
      ownerId: OPS,
    };
    const update = upsert(one(janes(1, {}), world([written])));
    expect(update).toMatchObject({ eventId: EVENT, setOwner: true });
    expect(update.event).toMatchObject({ OwnerId: ALICE, Capture_Sequence__c: 1 });
  });

  it('lets a forwarded copy create an Event but never own it; the first proven rep sets the owner, once', () => {
    const shared = seq(0, { mode: 'forward', token: FORWARD_OWNED, verified: true });
    expect(upsert(one(shared)).event).toMatchObject({ OwnerId: SALES_LEAD, Capture_Sequence__c: null });
    // Bob, a proven attendee, BCCs his copy of Alice's meeting: he owns it now.
    const attendee = {
      address: 'bob@acme.example',
      name: 'Bob',
      partstat: null,
      role: null,
      cutype: 'INDIVIDUAL',
    };
    const bobs = seq(0, { from: 'bob@acme.example' }, { attendees: [attendee] });
    const claimed = upsert(one(bobs, world([existing(null, { ownerId: SALES_LEAD })])));
    expect(claimed).toMatchObject({ setOwner: true });
    expect(claimed.event.OwnerId).toBe(BOB);
    // Later the organizer updates it: the owner stays Bob's (OwnerId not sent).
    const later = upsert(one(seq(1), world([existing(0, { ownerId: BOB })])));
    expect(later.setOwner).toBe(false);
  });

  it('lets only the organizer or the Event’s owner change it through a bcc address', () => {
    const bobUpdates = seq(1, { from: 'bob@acme.example' });
    expect(one(bobUpdates, world([existing(0, { ownerId: ALICE })]))).toMatchObject({ kind: 'refused' });
    expect(one(bobUpdates, world([existing(0, { ownerId: BOB })])).kind).toBe('upsert');
  });

  it('keeps another organizer’s invite with the same UID apart: another meeting, another Event', () => {
    const other = seq(5, {}, { organizer: { address: 'mallory@evil.example', name: 'M' } });
    const d = one(other, world([existing(0)]));
    expect(d).toMatchObject({ kind: 'upsert', eventId: null });
    expect(d.kind === 'upsert' && d.eventCaptureId).not.toBe(OUTLOOK_EVENT);
  });

  it('finds an Event written under the UID alone, and lets its owner, not a claimed organizer, change it', () => {
    const legacy = existing(0, { captureId: eventCaptureIdOf('acme', OUTLOOK_UID), ownerId: BOB });
    // Alice claims to organize it, but the Event's organizer is not known and Bob owns it.
    expect(one(seq(1), world([legacy]))).toMatchObject({ kind: 'refused' });
    expect(one(seq(1, { from: 'bob@acme.example' }), world([legacy]))).toMatchObject({
      kind: 'upsert',
      eventCaptureId: eventCaptureIdOf('acme', OUTLOOK_UID),
    });
  });
});
