/**
 * From CapturedEmails carrying a meeting invite and the CRM's answers to Event decisions: create or
 * update the Event of (org, UID), refuse an older SEQUENCE, cancel on METHOD CANCEL. Owner, WhoId,
 * WhatId and the unmatched policy are the Task mapping's, applied to the invite's organizer and
 * attendees. Pure.
 *
 * Salesforce's Event rules respected here (Event and EventRelation in the Salesforce Object
 * Reference): Subject 255 and Location 255 characters, Description 32,000; EndDateTime not before
 * StartDateTime; a non-recurring event lasts at most 14 days (DurationInMinutes ≤ 20,160); an
 * all-day event carries its day in ActivityDate (matching StartDateTime's date) and its last day in
 * EndDateTime; an event relates to up to 50 contacts or one lead (the WhoId among them), and up to
 * 1,000 invitees (users, contacts, leads) whatever the number of related contacts.
 */
import { createHash } from 'node:crypto';
import type { Org } from '../../config/registry.ts';
import type { CapturedEmail, Invite, MailAddress, Participant } from '../captured-email.ts';
import { isInternalAddress } from '../internal-address.ts';
import { captureIdOf } from './capture-id.ts';
import type { FoundEvent, LeadDraft, LookupPlan, LookupResult } from './crm-records.ts';
import { type EventState, type InviteAuthority, inviteAuthority } from './invite-authority.ts';
import {
  DESCRIPTION_MAX,
  decide,
  defaultOwnerEmail,
  planLookups,
  SUBJECT_MAX,
  TRUNCATION_MARKER,
} from './task-mapping.ts';
import { trustOf, WRITE_RIGHTS } from './write-rights.ts';

export const LOCATION_MAX = 255;
/** A non-recurring Event lasts at most 14 days. */
export const EVENT_MAX_MINUTES = 14 * 24 * 60;
/** Contacts an Event may be related to (IsParent), the WhoId included; or a single lead. */
export const MAX_RELATED_CONTACTS = 50;
/** Invitees of a non-recurring Event (Capture writes the first occurrence of a series, non-recurring). */
export const MAX_INVITEES = 1000;
/** Attendees named in the Description before "and N more". */
const LISTED_ATTENDEES = 100;
const MINUTE = 60_000;
const DAY = 86_400_000;

/** What to do with the Event when its meeting is cancelled (proposed org setting `calendar.onCancel`). */
export type CancelAction = 'delete' | 'mark';

export interface EventDraft {
  Subject: string;
  StartDateTime: string;
  EndDateTime: string;
  IsAllDayEvent: boolean;
  /** All-day events only: the first day (matches StartDateTime's date). */
  ActivityDate: string | null;
  Location: string | null;
  Description: string;
  ShowAs: 'Busy' | 'Free';
  OwnerId: string;
  WhoId: string | null;
  WhatId: string | null;
  /** External id: one Event per (org, UID). */
  Capture_Id__c: string;
  /**
   * The invite's SEQUENCE, so a writer can refuse to overwrite a newer one; null while no invite
   * from someone who may change the Event has written it (invite-authority.ts).
   */
  Capture_Sequence__c: number | null;
}

/**
 * An EventRelation besides the WhoId's own (Salesforce creates that one with the Event).
 * Status follows the attendee's PARTSTAT: Accepted, Declined, else New (not responded).
 */
export interface EventRelationDraft {
  RelationId: string;
  IsParent: boolean;
  IsInvitee: boolean;
  Status: 'New' | 'Accepted' | 'Declined' | null;
}

export interface EventMappingOptions {
  onCancel: CancelAction;
  today: () => string;
}

export type EventDecision =
  | { kind: 'no-invite'; captureId: string }
  | { kind: 'ignored' | 'excluded' | 'unmatched' | 'owner-missing'; eventCaptureId: string; reason: string }
  | { kind: 'stale' | 'duplicate'; eventCaptureId: string; eventId: string | null; reason: string }
  /** The sender may not change the Event: the mail is logged as any other mail, with this reason. */
  | { kind: 'refused'; eventCaptureId: string; eventId: string | null; reason: string }
  | {
      kind: 'upsert';
      eventCaptureId: string;
      /** Set when the Event exists: update it. */
      eventId: string | null;
      event: EventDraft;
      /** Send OwnerId: a new Event, or the first proven internal organizer or attendee taking it over. */
      setOwner: boolean;
      /** The same SEQUENCE again from one who may write it: written again so missing relations are added. */
      again: boolean;
      /** Set when the org's policy creates a Lead for an unknown organizer or attendee first. */
      lead: LeadDraft | null;
      relations: EventRelationDraft[];
      /** Changes made to fit Salesforce's rules (also listed in the Description). */
      adjustments: string[];
    }
  | {
      kind: 'cancel';
      eventCaptureId: string;
      /** Null when the Event is created earlier in the same batch: find it by its external id. */
      eventId: string | null;
      action: CancelAction;
      sequence: number;
      /** For "mark": the fields to update. */
      update: Pick<EventDraft, 'Subject' | 'ShowAs'> | null;
    };

/**
 * External id of an invite's Event: a stable hash of org, organizer and UID (not the Task id
 * space: "invite" salt). An invite without an ORGANIZER, and Events written before the organizer
 * was part of the id, have the id of org and UID alone.
 */
export function eventCaptureIdOf(orgId: string, uid: string, organizer: string | null = null): string {
  const who = organizer ? `${organizer.trim().toLowerCase()}\n` : '';
  return createHash('sha256').update(`${orgId}\ninvite\n${who}${uid.trim()}`).digest('hex').slice(0, 40);
}

/** The ids an invite's Event may have: by organizer and UID, and the older one by UID alone. */
function eventKeys(orgId: string, invite: Invite): { primary: string; legacy: string } {
  return {
    primary: eventCaptureIdOf(orgId, invite.uid, invite.organizer?.address ?? null),
    legacy: eventCaptureIdOf(orgId, invite.uid),
  };
}

/** Invitees that are people: rooms and equipment are not Salesforce Users, Contacts or Leads. */
const isPerson = (a: Invite['attendees'][number]) => a.cutype !== 'ROOM' && a.cutype !== 'RESOURCE';
const lower = (s: string) => s.toLowerCase();

/**
 * The message as the Task rules should see it for its invite: the organizer as sender, the
 * attendees as recipients, the message's own people after them; direction from the organizer.
 */
export function inviteView(org: Org, email: CapturedEmail, invite: Invite): CapturedEmail {
  const captureDomain = email.capture?.address.split('@')[1] ?? null;
  // Rooms and equipment stay out, also where the message lists them as recipients.
  const seen = new Set(invite.attendees.filter((a) => !isPerson(a)).map((a) => a.address));
  const participants: Participant[] = [];
  const add = (a: MailAddress | null, role: Participant['role']) => {
    if (!a || seen.has(a.address) || (captureDomain && a.address.endsWith(`@${captureDomain}`))) return;
    seen.add(a.address);
    participants.push({ ...a, role, internal: isInternalAddress(org, a.address) });
  };
  add(invite.organizer, 'from');
  for (const a of invite.attendees.filter(isPerson)) add({ address: a.address, name: a.name }, 'to');
  for (const p of email.participants) add(p, 'cc');
  const organizer = participants.find((p) => p.role === 'from');
  const direction = !organizer
    ? email.direction
    : !organizer.internal
      ? 'inbound'
      : participants.some((p) => !p.internal)
        ? 'outbound'
        : 'internal';
  return { ...email, participants, direction, forwarded: null };
}

/** Lookups for a batch's invites: the Task plan over the invite views, the internal invitees, the Events. */
export function planEventLookups(
  org: Org,
  emails: CapturedEmail[],
): LookupPlan & { eventCaptureIds: string[] } {
  const withInvite = emails.flatMap((e) => (e.invite && !e.excluded ? [{ email: e, invite: e.invite }] : []));
  const views = withInvite.map(({ email, invite }) => inviteView(org, email, invite));
  const plan = planLookups(org, views);
  const invitees = views.flatMap((v) =>
    v.participants.filter((p) => p.internal).map((p) => lower(p.address)),
  );
  // A proven internal sender may own the Event or take it over: its User is looked up.
  const senders = withInvite.flatMap(({ email }) =>
    email.participants.filter((p) => p.role === 'from' && p.internal).map((p) => lower(p.address)),
  );
  const keys = withInvite.flatMap(({ invite }) => Object.values(eventKeys(org.id, invite)));
  return {
    ...plan,
    userEmails: [...new Set([...plan.userEmails, ...invitees, ...senders])],
    eventCaptureIds: [...new Set(keys)],
  };
}

type Events = Map<string, EventState>;

function stateOf(events: readonly FoundEvent[]): Events {
  return new Map(
    events.map((e) => [
      e.captureId,
      {
        id: e.deleted ? null : e.id,
        sequence: e.sequence,
        cancelled: e.cancelled,
        deleted: e.deleted === true,
        ownerId: e.ownerId ?? null,
        legacy: false,
      },
    ]),
  );
}

/** The Event an invite names, under whichever id it was written with. */
function eventOf(
  orgId: string,
  invite: Invite,
  events: Events,
): { key: string; existing: EventState | null } {
  const { primary, legacy } = eventKeys(orgId, invite);
  const found = events.get(primary);
  if (found) return { key: primary, existing: found };
  const old = primary !== legacy ? events.get(legacy) : undefined;
  return old ? { key: legacy, existing: { ...old, legacy: true } } : { key: primary, existing: null };
}

interface Batch {
  org: Org;
  found: LookupResult;
  options: EventMappingOptions;
  events: Events;
  users: Map<string, string>;
  /** Events written again in this batch for a same-SEQUENCE copy (once each). */
  again: Set<string>;
}

/** One decision per email (`no-invite` for the others), same order; the batch's order holds within it. */
export function decideEvents(
  org: Org,
  emails: CapturedEmail[],
  found: LookupResult,
  options: EventMappingOptions,
): EventDecision[] {
  const batch: Batch = {
    org,
    found,
    options,
    events: stateOf(found.events ?? []),
    users: new Map(found.users.filter((u) => u.isActive).map((u) => [lower(u.email), u.id])),
    again: new Set(),
  };
  return emails.map((email) => decideEvent(batch, email));
}

function decideEvent(batch: Batch, email: CapturedEmail): EventDecision {
  const { org } = batch;
  const invite = email.invite;
  if (!invite) return { kind: 'no-invite', captureId: captureIdOf(org.id, email) };
  const { key, existing } = eventOf(org.id, invite, batch.events);
  if (email.excluded) return { kind: 'excluded', eventCaptureId: key, reason: email.excluded.reason };
  if (invite.action === 'ignore')
    return { kind: 'ignored', eventCaptureId: key, reason: invite.ignoredReason ?? 'not-an-invitation' };
  if (invite.recurrenceId)
    return { kind: 'ignored', eventCaptureId: key, reason: 'one-occurrence-of-a-series' };
  const sender = trustOf(email);
  const fromUser = sender.from ? (batch.users.get(sender.from) ?? null) : null;
  const authority = inviteAuthority(sender, WRITE_RIGHTS[sender.trust], invite, fromUser, existing);
  return invite.action === 'cancel'
    ? decideCancel(batch, email, invite, key, existing, authority)
    : decideRequest(batch, email, invite, key, existing, authority);
}

/** How an invite's SEQUENCE compares with the Event's: an Event without one counts as older. */
function compareSequence(existing: EventState | null, sequence: number): 'older' | 'same' | 'newer' {
  if (!existing || existing.sequence === null || sequence > existing.sequence) return 'newer';
  return sequence === existing.sequence ? 'same' : 'older';
}

function decideCancel(
  batch: Batch,
  email: CapturedEmail,
  invite: Invite,
  key: string,
  existing: EventState | null,
  authority: InviteAuthority,
): EventDecision {
  if (!existing || existing.deleted)
    return { kind: 'ignored', eventCaptureId: key, reason: 'no-event-to-cancel' };
  if (!authority.change)
    return { kind: 'refused', eventCaptureId: key, eventId: existing.id, reason: authority.refusal ?? '' };
  const order = compareSequence(existing, invite.sequence);
  if (order === 'older')
    return { kind: 'stale', eventCaptureId: key, eventId: existing.id, reason: 'older-sequence' };
  if (order === 'same' && existing.cancelled)
    return { kind: 'duplicate', eventCaptureId: key, eventId: existing.id, reason: 'already-cancelled' };
  const action = batch.options.onCancel;
  batch.events.set(key, {
    ...existing,
    id: action === 'mark' ? existing.id : null,
    sequence: invite.sequence,
    cancelled: true,
    deleted: action === 'delete',
  });
  const base = {
    kind: 'cancel' as const,
    eventCaptureId: key,
    eventId: existing.id,
    action,
    sequence: invite.sequence,
  };
  if (action === 'delete') return { ...base, update: null };
  const title = eventSubject(invite.summary ?? email.subject);
  const Subject = /^cancel+ed:/i.test(title) ? title : eventSubject(`Cancelled: ${title}`);
  return { ...base, update: { Subject, ShowAs: 'Free' } };
}

function decideRequest(
  batch: Batch,
  email: CapturedEmail,
  invite: Invite,
  key: string,
  existing: EventState | null,
  authority: InviteAuthority,
): EventDecision {
  const order = compareSequence(existing, invite.sequence);
  if (existing && !authority.change) {
    // Nobody's SEQUENCE counted yet: this copy cannot be told from the one written; it changes nothing.
    if (existing.sequence === null || order === 'same')
      return { kind: 'duplicate', eventCaptureId: key, eventId: existing.id, reason: 'same-sequence' };
    if (order === 'older')
      return { kind: 'stale', eventCaptureId: key, eventId: existing.id, reason: 'older-sequence' };
    return { kind: 'refused', eventCaptureId: key, eventId: existing.id, reason: authority.refusal ?? '' };
  }
  if (order === 'older')
    return { kind: 'stale', eventCaptureId: key, eventId: existing?.id ?? null, reason: 'older-sequence' };
  if (order === 'same' && existing?.deleted)
    return { kind: 'stale', eventCaptureId: key, eventId: null, reason: 'cancelled-at-this-sequence' };
  const again = order === 'same' && existing !== null;
  if (again && batch.again.has(key))
    return { kind: 'duplicate', eventCaptureId: key, eventId: existing?.id ?? null, reason: 'same-sequence' };
  const decision = upsertDecision(batch, email, invite, key, existing, authority);
  if (decision.kind !== 'upsert') return decision;
  if (again) batch.again.add(key);
  const ownerId = decision.setOwner ? decision.event.OwnerId : (existing?.ownerId ?? null);
  batch.events.set(key, {
    id: decision.eventId,
    sequence: authority.sequenceCounts ? invite.sequence : (existing?.sequence ?? null),
    cancelled: false,
    deleted: false,
    ownerId,
    legacy: existing?.legacy ?? false,
  });
  return { ...decision, again };
}

function upsertDecision(
  batch: Batch,
  email: CapturedEmail,
  invite: Invite,
  eventCaptureId: string,
  existing: EventState | null,
  authority: InviteAuthority,
): EventDecision {
  const { org, found, options } = batch;
  const when = fitToSalesforce(invite);
  if (!when) return { kind: 'ignored', eventCaptureId, reason: 'no-start' };
  const view = inviteView(org, email, invite);
  // The Task rules decide who and what; a Task for the same message must not read as a duplicate.
  const own = captureIdOf(org.id, email);
  const tasks = found.tasks.filter((t) => t.captureId !== own);
  const [task] = decide(org, [view], { ...found, tasks }, { orderNumbersField: false, today: options.today });
  if (!task || task.kind === 'excluded' || task.kind === 'copy' || task.kind === 'existing')
    return {
      kind: 'ignored',
      eventCaptureId,
      reason: task?.kind === 'excluded' ? task.reason : 'no-decision',
    };
  if (task.kind !== 'create') return { kind: task.kind, eventCaptureId, reason: task.reason };
  // The owner: set once, by the first proven internal organizer or attendee; else the address's default owner.
  const defaultOwner = batch.users.get(lower(defaultOwnerEmail(org, email))) ?? null;
  const eventId = existing && !existing.deleted ? existing.id : null;
  const OwnerId = authority.setsOwner ?? (eventId ? (existing?.ownerId ?? null) : defaultOwner);
  if (!OwnerId)
    return {
      kind: 'owner-missing',
      eventCaptureId,
      reason: 'no active Salesforce User for the default owner',
    };
  const { WhoId, WhatId } = task.task;
  const whoIsLead = task.lead !== null || (WhoId !== null && found.leads.some((l) => l.id === WhoId));
  const related = eventRelations(view, invite, found, { WhoId, OwnerId, whoIsLead });
  const adjustments = [...when.adjustments, ...related.adjustments];
  const event: EventDraft = {
    Subject: eventSubject(invite.summary ?? email.subject),
    StartDateTime: when.start,
    EndDateTime: when.end,
    IsAllDayEvent: when.allDay,
    ActivityDate: when.allDay ? when.start.slice(0, 10) : null,
    Location: invite.location ? cut(invite.location, LOCATION_MAX) : null,
    Description: eventDescription(invite, email, adjustments),
    ShowAs: 'Busy',
    OwnerId,
    WhoId,
    WhatId,
    Capture_Id__c: eventCaptureId,
    Capture_Sequence__c: authority.sequenceCounts ? invite.sequence : null,
  };
  const setOwner = eventId === null || authority.setsOwner !== null;
  const base = { kind: 'upsert' as const, eventCaptureId, eventId, event, setOwner, again: false };
  return { ...base, lead: task.lead, relations: related.relations, adjustments };
}

/**
 * Start and end as Salesforce takes them: all-day events as days (EndDateTime is the last day),
 * the end never before the start, at most 14 days.
 */
export function fitToSalesforce(
  invite: Invite,
): { start: string; end: string; allDay: boolean; adjustments: string[] } | null {
  if (!invite.start) return null;
  const adjustments: string[] = [];
  const start = Date.parse(invite.start);
  const iso = (t: number) => new Date(t).toISOString();
  if (invite.allDay) {
    const lastDay = invite.endDate ? Date.parse(`${invite.endDate}T00:00:00Z`) : start;
    let days = Math.max(1, Math.round((lastDay - start) / DAY) + 1);
    if (days * 1440 > EVENT_MAX_MINUTES) {
      adjustments.push(`shortened from ${days} to 14 days: Salesforce keeps an event at most 14 days`);
      days = EVENT_MAX_MINUTES / 1440;
    }
    return { start: iso(start), end: iso(start + (days - 1) * DAY), allDay: true, adjustments };
  }
  let end = invite.end ? Date.parse(invite.end) : start;
  if (end < start) {
    adjustments.push('the end was before the start: the event ends when it starts');
    end = start;
  }
  if (end - start > EVENT_MAX_MINUTES * MINUTE) {
    adjustments.push(
      `shortened from ${Math.round((end - start) / MINUTE)} minutes to 14 days: Salesforce keeps an event at most 14 days`,
    );
    end = start + EVENT_MAX_MINUTES * MINUTE;
  }
  return { start: iso(start), end: iso(end), allDay: false, adjustments };
}

/**
 * Contacts related (IsParent) up to 50 with the WhoId, none beside a lead; every matched attendee
 * an invitee (users other than the owner, contacts, leads) up to 1,000.
 */
function eventRelations(
  view: CapturedEmail,
  invite: Invite,
  found: LookupResult,
  who: { WhoId: string | null; OwnerId: string; whoIsLead: boolean },
): { relations: EventRelationDraft[]; adjustments: string[] } {
  const users = new Map(found.users.filter((u) => u.isActive).map((u) => [lower(u.email), u.id]));
  const contacts = bestContacts(found);
  const leads = new Map<string, string>();
  for (const l of [...found.leads].sort((a, b) => a.id.localeCompare(b.id)))
    if (!leads.has(lower(l.email))) leads.set(lower(l.email), l.id);
  const attendees = new Map(invite.attendees.filter(isPerson).map((a) => [a.address, a.partstat]));

  const relations = new Map<string, EventRelationDraft>();
  let parents = who.WhoId ? 1 : 0;
  let notRelated = 0;
  let invitees = 0;
  let notInvited = 0;
  for (const p of view.participants) {
    const address = lower(p.address);
    const id = p.internal ? users.get(address) : (contacts.get(address) ?? leads.get(address));
    if (!id || id === who.WhoId || id === who.OwnerId || relations.has(id)) continue;
    const isContact = !p.internal && contacts.has(address);
    let isParent = false;
    if (isContact && !who.whoIsLead) {
      if (parents < MAX_RELATED_CONTACTS) {
        isParent = true;
        parents++;
      } else notRelated++;
    }
    let isInvitee = attendees.has(address);
    if (isInvitee && invitees >= MAX_INVITEES) {
      isInvitee = false;
      notInvited++;
    } else if (isInvitee) invitees++;
    if (!isParent && !isInvitee) continue;
    const Status = isInvitee ? statusOf(attendees.get(address) ?? null) : null;
    relations.set(id, { RelationId: id, IsParent: isParent, IsInvitee: isInvitee, Status });
  }
  const adjustments: string[] = [];
  if (notRelated > 0)
    adjustments.push(
      `${notRelated} more contact(s) not related: Salesforce relates an event to at most 50 contacts`,
    );
  if (notInvited > 0)
    adjustments.push(`${notInvited} more invitee(s) not added: Salesforce takes at most 1,000 invitees`);
  return { relations: [...relations.values()], adjustments };
}

/** One Contact per address, chosen as the Task mapping does: most recently modified, then lowest id. */
function bestContacts(found: LookupResult): Map<string, string> {
  const sorted = [...found.contacts].sort(
    (a, b) => (b.lastModified ?? '').localeCompare(a.lastModified ?? '') || a.id.localeCompare(b.id),
  );
  const best = new Map<string, string>();
  for (const c of sorted) if (!best.has(lower(c.email))) best.set(lower(c.email), c.id);
  return best;
}

function statusOf(partstat: string | null): EventRelationDraft['Status'] {
  if (partstat === 'ACCEPTED') return 'Accepted';
  if (partstat === 'DECLINED') return 'Declined';
  return 'New';
}

const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

export function eventSubject(title: string | null): string {
  return cut(title?.replace(/\s+/g, ' ').trim() || '(no title)', SUBJECT_MAX);
}

const formatAddress = (a: MailAddress) =>
  a.name && a.name !== a.address ? `${a.name} <${a.address}>` : a.address;
const PARTSTAT_WORDS: Record<string, string> = {
  ACCEPTED: 'accepted',
  DECLINED: 'declined',
  TENTATIVE: 'tentative',
  'NEEDS-ACTION': 'not answered',
  DELEGATED: 'delegated',
};

export function eventDescription(invite: Invite, email: CapturedEmail, adjustments: string[] = []): string {
  const lines: string[] = [];
  if (invite.organizer) lines.push(`Organizer: ${formatAddress(invite.organizer)}`);
  const people = invite.attendees.filter(isPerson);
  if (people.length > 0) {
    const listed = people.slice(0, LISTED_ATTENDEES).map((a) => {
      const answer = a.partstat ? PARTSTAT_WORDS[a.partstat] : undefined;
      return `${formatAddress(a)}${answer ? ` (${answer})` : ''}`;
    });
    const more = people.length - listed.length + (invite.attendeesTruncated ? 1 : 0);
    lines.push(
      `Attendees: ${listed.join(', ')}${more > 0 ? `, and ${more}${invite.attendeesTruncated ? '+' : ''} more` : ''}`,
    );
  }
  if (invite.rrule) lines.push(`Repeats: ${invite.rrule} (this is the first occurrence)`);
  if (invite.timeZone) lines.push(`Time zone: ${invite.timeZone}`);
  for (const a of adjustments) lines.push(`Note: ${a}`);
  const body = invite.description ?? email.text;
  const truncated = invite.description ? invite.descriptionTruncated : email.textTruncated;
  const text = `${lines.join('\n')}\n\n${body}${truncated ? '\n[…]' : ''}`.trim();
  return text.length <= DESCRIPTION_MAX
    ? text
    : text.slice(0, DESCRIPTION_MAX - TRUNCATION_MARKER.length) + TRUNCATION_MARKER;
}
