/**
 * From a batch of CapturedEmails and the CRM's answers to Task decisions (docs/task-mapping.md):
 * owner, who, what, relations, files and the unmatched policy, within each mail's write rights
 * (write-rights.ts). Pure.
 */
import type { Org } from '../../config/registry.ts';
import type { Attachment, CapturedEmail, MailAddress, Participant } from '../captured-email.ts';
import { isWhatRecordId } from '../record-id.ts';
import { captureIdOf, threadCaptureIds } from './capture-id.ts';
import type { LeadDraft, LookupPlan, LookupResult, TaskDraft } from './crm-records.ts';
import { choosePerson, type MatchContext, type WhoRule } from './matching.ts';
import { refIdsOf } from './record-ref.ts';
import { multiLine, safeFilename, singleLine } from './sanitize.ts';
import {
  type Anchor,
  anchorOf,
  orderKey,
  orderNumbersOf,
  orderNumberVariants,
  unknownRecordNotes,
  type WhatIndex,
  type WhatRule,
  whatOf,
} from './what-rules.ts';
import { isSameStoredMessage, rightsOf, type WriteRights } from './write-rights.ts';

export { isWhatRecordId as isRecordId } from '../record-id.ts';
export { orderNumbersOf, orderNumberVariants, type WhatRule } from './what-rules.ts';

export const SUBJECT_MAX = 255;
export const DESCRIPTION_MAX = 32_000;
/** Contacts one Task can be related to with Shared Activities, its WhoId among them. */
export const MAX_CONTACTS = 50;
/** Names listed in the Description for contacts a Task could not be related to. */
const MAX_NAMED = 100;
export const TRUNCATION_MARKER = '\n\n[… cut by Capture: Salesforce keeps at most 32,000 characters]';

/** Which rules decided the Task's Who and What; recorded with the outcome. */
export interface MatchedBy {
  /** `reply`: the rep named the Contact in a reply to a notice; `none`: the Task has only a What. */
  who: WhoRule | 'new-lead' | 'reply' | 'none';
  what: WhatRule;
  /** Rules that could not be checked: `opportunity` when contact roles were not looked up. */
  unchecked?: string[];
}

/** What a Task gets besides its fields: more contacts (TaskRelation) and Files. */
export interface TaskPieces {
  relations: string[];
  files: Attachment[];
}

/** A new Task to write. */
export interface TaskCreate extends TaskPieces {
  kind: 'create';
  captureId: string;
  task: TaskDraft;
  /** Set when the org's policy creates a Lead for an unknown sender first. */
  lead: LeadDraft | null;
  /**
   * The default owner, when the rep owns the draft: Salesforce refuses a Task for a User
   * deactivated since the lookup (INACTIVE_OWNER_OR_USER), and the default owner takes it then.
   */
  fallbackOwnerId: string | null;
  /** Attachments not uploaded, with the reason (listed in the Description). */
  skippedFiles: { filename: string; reason: string }[];
  matchedBy: MatchedBy;
  /** What the mail asked for and did not get, and why (also in the Description). */
  notes: string[];
}

export type TaskDecision =
  | { kind: 'excluded' | 'unmatched' | 'owner-missing'; captureId: string; reason: string }
  /** The same message earlier in the batch (another rep's copy, a redelivery): it shares that one's fate. */
  | { kind: 'copy'; captureId: string; of: number }
  | (TaskPieces & {
      /** A Task with this capture id is in Salesforce already. */
      kind: 'existing';
      captureId: string;
      taskId: string;
      /**
       * It was written from this same stored message (an earlier try): the relations and files it
       * lacks may be added. Otherwise another message wrote it, and this one touches nothing.
       */
      sameMessage: boolean;
    })
  | TaskCreate;

const lower = (s: string) => s.toLowerCase();
const unique = <T>(items: T[]) => [...new Set(items)];

/** The rep whose Salesforce User owns a BCC'd message: the internal sender, else an internal recipient. */
export function repAddress(email: CapturedEmail): string | null {
  const from = email.participants.find((p) => p.role === 'from');
  if (from?.internal) return from.address;
  const recipient = email.participants.find((p) => (p.role === 'to' || p.role === 'cc') && p.internal);
  return recipient?.address ?? null;
}

export function defaultOwnerEmail(org: Org, email: CapturedEmail): string {
  const token = email.capture?.address.split('@')[0]?.split('+')[0];
  const address = org.addresses.find((a) => a.token === token);
  return address?.ownerEmail ?? org.defaultOwnerEmail;
}

/**
 * People the Task may be "with", best first: the forwarded original's sender, else by direction.
 * An outsider's mail is about its sender alone.
 */
export function whoCandidates(
  email: CapturedEmail,
  rights: Pick<WriteRights, 'who'> = { who: 'participants' },
): Participant[] {
  const external = (roles: Participant['role'][]) =>
    roles.flatMap((role) => email.participants.filter((p) => p.role === role && !p.internal));
  let ordered: Participant[];
  if (rights.who === 'sender') ordered = external(['from']);
  else if (email.forwarded)
    ordered = external(['forwarded-from', 'forwarded-to', 'forwarded-cc', 'from', 'to', 'cc']);
  else if (email.direction === 'outbound') ordered = external(['to', 'cc', 'bcc', 'from']);
  else ordered = external(['from', 'reply-to', 'to', 'cc']);
  const seen = new Set<string>();
  return ordered.filter((p) => !seen.has(p.address) && seen.add(p.address));
}

export function planLookups(org: Org, emails: CapturedEmail[]): LookupPlan {
  const userEmails: string[] = [];
  const personEmails: string[] = [];
  const orderNumbers: string[] = [];
  const recordIds: string[] = [];
  const captureIds: string[] = [];
  const opportunityEmails: string[] = [];
  for (const email of emails) {
    if (email.excluded) continue;
    const rep = repAddress(email);
    if (rep && email.capture?.mode !== 'forward') userEmails.push(rep);
    userEmails.push(defaultOwnerEmail(org, email));
    const external = email.participants.filter((p) => !p.internal).map((p) => p.address);
    personEmails.push(...external);
    const target = email.capture?.target;
    if (target && isWhatRecordId(target)) recordIds.push(target);
    recordIds.push(...refIdsOf(email.subject, email.text));
    // The rep's sub-address always names the record: no need to ask for opportunities then.
    if (!target) opportunityEmails.push(...external);
    for (const n of orderNumbersOf(email)) orderNumbers.push(...orderNumberVariants(n));
    captureIds.push(captureIdOf(org.id, email), ...threadCaptureIds(org.id, email));
  }
  return {
    userEmails: unique(userEmails.map(lower)),
    personEmails: unique(personEmails.map(lower)),
    orderNumbers: unique(orderNumbers),
    orderLookup: org.orderNumbers.lookup,
    recordIds: unique(recordIds),
    captureIds: unique(captureIds),
    opportunityEmails: unique(opportunityEmails.map(lower)),
    activityDates: duplicatePolicy(org) === 'most-recent-activity',
  };
}

const duplicatePolicy = (org: Org) => org.matching?.duplicates ?? 'oldest';

export interface MappingOptions {
  orderNumbersField: boolean;
  /** Off: no TaskRelations; the contacts beside the WhoId are named in the Description. */
  sharedActivities?: boolean;
  /** A closed Task Status of the org (default "Completed"). */
  taskStatus?: string;
  today: () => string;
}

type Contact = LookupResult['contacts'][number];
type Lead = LookupResult['leads'][number];

interface Index extends WhatIndex {
  users: Map<string, string>;
  contacts: Map<string, Contact[]>;
  leads: Map<string, Lead[]>;
}

function byAddress<T extends { email: string }>(items: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(lower(item.email), [...(map.get(lower(item.email)) ?? []), item]);
  return map;
}

function indexOf(found: LookupResult): Index {
  const users = new Map(found.users.filter((u) => u.isActive).map((u) => [lower(u.email), u.id]));
  const opportunities = new Map<string, { id: string; accountId: string | null }[]>();
  for (const role of found.opportunityRoles ?? []) {
    const key = role.contactId.slice(0, 15);
    opportunities.set(key, [
      ...(opportunities.get(key) ?? []),
      { id: role.opportunityId, accountId: role.accountId },
    ]);
  }
  return {
    users,
    contacts: byAddress(found.contacts),
    leads: byAddress(found.leads),
    orders: new Map(found.orders.map((o) => [orderKey(o.number), o])),
    records: new Map(found.records.map((r) => [r.id.slice(0, 15), r])),
    tasks: new Map(found.tasks.map((t) => [t.captureId, t])),
    opportunities: found.opportunityRoles ? opportunities : null,
  };
}

/** One decision per email, same order; `extraNotes` (by position) join a new Task's notes. */
export function decide(
  org: Org,
  emails: CapturedEmail[],
  found: LookupResult,
  options: MappingOptions,
  extraNotes: readonly (readonly string[])[] = [],
): TaskDecision[] {
  const index = indexOf(found);
  const firstInBatch = new Map<string, number>();
  return emails.map((email, position): TaskDecision => {
    const captureId = captureIdOf(org.id, email);
    if (email.excluded) return { kind: 'excluded', captureId, reason: email.excluded.reason };
    const first = firstInBatch.get(captureId);
    if (first !== undefined) return { kind: 'copy', captureId, of: first };
    firstInBatch.set(captureId, position);
    const decision = decideOne(org, email, { captureId, notes: extraNotes[position] ?? [] }, index, options);
    const existing = index.tasks.get(captureId);
    if (!existing) return decision;
    return {
      kind: 'existing',
      captureId,
      taskId: existing.id,
      sameMessage: isSameStoredMessage(email, existing.source),
      relations: decision.kind === 'create' ? decision.relations : [],
      files: decision.kind === 'create' ? decision.files : [],
    };
  });
}

/** The people a Task is with: its Who (a Contact, a Lead, or one to create) and the rule that chose it. */
interface WhoChoice {
  contact: Contact | undefined;
  leadId: string | undefined;
  newLead: LeadDraft | null;
  /** Other Contacts of the mail's people (the policy `all` adds those sharing the Who's address). */
  others: Contact[];
  rule: MatchedBy['who'];
}

/**
 * A rep's reply to a notice said where an unresolved mail goes (docs/notices.md): the Contact
 * they named by id (Salesforce checks it on write), or no Who at all when they named only the
 * record, which the mail then names as its sub-address. Null when the reply did not settle it.
 */
function chosenByReply(email: CapturedEmail, anchor: Anchor, rights: WriteRights): WhoChoice | null {
  const chosen = email.resolution;
  if (!chosen || rights.records !== 'any') return null;
  const none = { leadId: undefined, newLead: null, others: [] };
  if (chosen.whoId) {
    const contact = { id: chosen.whoId, email: chosen.whoEmail ?? '', accountId: null, lastModified: null };
    return { ...none, contact, rule: 'reply' };
  }
  return anchor.named.length > 0 ? { ...none, contact: undefined, rule: 'none' } : null;
}

function firstNamed(anchor: Anchor): { id: string | null; rule: WhatRule } {
  const [first] = anchor.named;
  return first ? { id: first.id, rule: first.rule } : { id: null, rule: 'none' };
}

function chooseWho(
  org: Org,
  email: CapturedEmail,
  index: Index,
  context: MatchContext,
  rights: WriteRights,
): WhoChoice | { unmatched: string } {
  const policy = duplicatePolicy(org);
  const candidates = whoCandidates(email, rights);
  const choose = <T extends Contact | Lead>(map: Map<string, T[]>, p: MailAddress) =>
    choosePerson(map.get(lower(p.address)) ?? [], context, policy);
  const contactChoice = candidates.map((p) => choose(index.contacts, p)).find((c) => c !== null);
  const contact = contactChoice?.chosen;
  // A Task is related to one Lead at most: the policy picks it, `all` relates no other.
  const leadChoice = contact ? undefined : candidates.map((p) => choose(index.leads, p)).find(Boolean);
  let newLead: LeadDraft | null = null;
  if (!contact && !leadChoice) {
    const primary = candidates[0];
    if (org.unmatched !== 'create-lead' || !primary)
      return { unmatched: primary ? 'no-contact-or-lead' : 'no-external-participant' };
    newLead = leadFor(primary);
  }
  const people = rights.who === 'sender' ? candidates : email.participants.filter((p) => !p.internal);
  const others = contact
    ? unique([
        ...(contactChoice?.also ?? []),
        ...people.flatMap((p) => {
          const c = choose(index.contacts, p);
          return c ? [c.chosen, ...c.also] : [];
        }),
      ]).filter((c) => c.id !== contact.id)
    : [];
  return {
    contact,
    leadId: leadChoice?.chosen.id,
    newLead,
    others,
    rule: contactChoice?.decidedBy ?? leadChoice?.decidedBy ?? 'new-lead',
  };
}

/** The Task's owner: the rep when an active User, else the address's default owner (inactive Users never own). */
function ownerOf(
  org: Org,
  email: CapturedEmail,
  index: Index,
  rights: WriteRights,
): { ownerId: string | null; defaultOwnerId: string | null; rep: string | null } {
  const rep = rights.owner === 'rep' ? repAddress(email) : null;
  const defaultOwnerId = index.users.get(lower(defaultOwnerEmail(org, email))) ?? null;
  const ownerId = (rep ? index.users.get(lower(rep)) : undefined) ?? defaultOwnerId;
  return { ownerId, defaultOwnerId, rep };
}

function decideOne(
  org: Org,
  email: CapturedEmail,
  mail: { captureId: string; notes: readonly string[] },
  index: Index,
  options: MappingOptions,
): TaskDecision {
  const { captureId } = mail;
  const rights = rightsOf(email);
  const { ownerId, defaultOwnerId, rep } = ownerOf(org, email, index, rights);
  if (!ownerId) {
    return {
      kind: 'owner-missing',
      captureId,
      reason: `no active Salesforce User for ${rep ? 'the rep or ' : ''}the default owner`,
    };
  }
  const anchor = anchorOf(org.id, email, index);
  const found = chooseWho(org, email, index, anchor.context, rights);
  const who = 'unmatched' in found ? (chosenByReply(email, anchor, rights) ?? found) : found;
  if ('unmatched' in who) return { kind: 'unmatched', captureId, reason: who.unmatched };
  // Salesforce does not allow a WhatId on a Task whose WhoId is a Lead.
  const what = who.contact
    ? whatOf(anchor, index, who.contact, rights)
    : who.rule === 'none'
      ? { ...firstNamed(anchor), anchored: true, notes: [] }
      : { id: null, rule: 'none' as const, anchored: false, notes: [] };
  const notes = [...mail.notes, ...unknownRecordNotes(anchor), ...what.notes];
  const matchedBy: MatchedBy = {
    who: who.rule,
    what: what.rule,
    ...(who.contact && !what.anchored && index.opportunities === null ? { unchecked: ['opportunity'] } : {}),
  };
  const { relations, unrelated } = relationsOf(who, rights, options);
  const { files, skippedFiles } = filesOf(org, email);
  const task: TaskDraft = {
    Subject: taskSubject(email.subject),
    Description: taskDescription(email, skippedFiles, unrelated, notes),
    Status: options.taskStatus ?? 'Completed',
    TaskSubtype: 'Email',
    ActivityDate: activityDate(email.date, options.today),
    OwnerId: ownerId,
    WhoId: who.contact?.id ?? who.leadId ?? null,
    WhatId: what.id,
    Capture_Id__c: captureId,
    Capture_Source__c: email.origin?.sourceDigest ?? null,
    Order_Numbers__c: options.orderNumbersField ? orderNumbersValue(orderNumbersOf(email)) : null,
  };
  const fallbackOwnerId = defaultOwnerId !== ownerId ? defaultOwnerId : null;
  return {
    kind: 'create',
    captureId,
    task,
    lead: who.newLead,
    fallbackOwnerId,
    relations,
    files,
    skippedFiles,
    matchedBy,
    notes,
  };
}

/**
 * A Task is related to one lead or up to 50 contacts (its WhoId among them); without Shared
 * Activities to its WhoId only. An outsider's Task only to Contacts of the sender's Account.
 * The contacts left out are named in the Description.
 */
function relationsOf(
  who: WhoChoice,
  rights: WriteRights,
  options: MappingOptions,
): { relations: string[]; unrelated: { addresses: string[]; reason: string } } {
  const account = who.contact?.accountId ?? null;
  const others =
    rights.records === 'sender-account'
      ? who.others.filter((c) => account !== null && c.accountId === account)
      : who.others;
  const room = options.sharedActivities === false ? 0 : MAX_CONTACTS - 1;
  const relations = unique(others.map((c) => c.id)).slice(0, room);
  const unrelated = others.filter((c) => !relations.includes(c.id)).map((c) => c.email);
  const reason =
    options.sharedActivities === false
      ? 'Shared Activities is off'
      : `Salesforce relates at most ${MAX_CONTACTS} contacts`;
  return { relations, unrelated: { addresses: unique(unrelated), reason } };
}

const CALENDAR_TYPES = /^(text\/calendar|application\/ics|text\/x-vcalendar|application\/x-ics)\b/i;

/** A calendar part: never uploaded as a File (an Event carries what it says; a Task lists it). */
export function isCalendarFile(a: Attachment): boolean {
  return CALENDAR_TYPES.test(a.contentType) || /\.(ics|vcs)$/i.test(a.filename ?? '');
}

function filesOf(
  org: Org,
  email: CapturedEmail,
): { files: Attachment[]; skippedFiles: { filename: string; reason: string }[] } {
  const files: Attachment[] = [];
  const skippedFiles: { filename: string; reason: string }[] = [];
  for (const a of email.attachments.filter((x) => !x.inline)) {
    const filename = a.filename ?? 'attachment';
    if (isCalendarFile(a)) continue;
    if (!org.attachments.upload) skippedFiles.push({ filename, reason: 'uploads are off' });
    else if (a.size > org.attachments.maxBytes) skippedFiles.push({ filename, reason: 'too large' });
    else if (!a.storageKey) skippedFiles.push({ filename, reason: 'not stored' });
    else files.push(a);
  }
  return { files, skippedFiles };
}

/**
 * The message date as a UTC calendar day; today (UTC) when the date is missing, unreadable or
 * outside the years Salesforce accepts in a date field (1700–4000), so a forged Date header
 * cannot get the Task refused.
 */
export function activityDate(date: string | null, today: () => string): string {
  const time = date ? Date.parse(date) : Number.NaN;
  const year = Number.isNaN(time) ? Number.NaN : new Date(time).getUTCFullYear();
  return (year >= 1700 && year <= 4000 ? new Date(time).toISOString() : today()).slice(0, 10);
}

export function taskSubject(subject: string | null): string {
  const full = `Email: ${singleLine(subject ?? '') || '(no subject)'}`;
  return full.length <= SUBJECT_MAX ? full : `${full.slice(0, SUBJECT_MAX - 1)}…`;
}

const formatAddress = (a: MailAddress) => singleLine(a.name ? `${a.name} <${a.address}>` : a.address);

export function taskDescription(
  email: CapturedEmail,
  skippedFiles: { filename: string; reason: string }[] = [],
  unrelated: { addresses: string[]; reason: string } = { addresses: [], reason: '' },
  notes: readonly string[] = [],
): string {
  const lines = [
    `From: ${email.from ? formatAddress(email.from) : '(unknown)'}`,
    `To: ${email.to.map(formatAddress).join(', ')}`,
  ];
  if (email.cc.length > 0) lines.push(`Cc: ${email.cc.map(formatAddress).join(', ')}`);
  lines.push(`Date: ${singleLine(email.date ?? '(unknown)')}`, `Subject: ${singleLine(email.subject ?? '')}`);
  if (unrelated.addresses.length > 0) {
    const named = unrelated.addresses.slice(0, MAX_NAMED).map(singleLine).join(', ');
    const more = unrelated.addresses.length - MAX_NAMED;
    lines.push(`Also with (${unrelated.reason}): ${named}${more > 0 ? ` and ${more} more` : ''}`);
  }
  for (const note of notes) lines.push(`Capture: ${singleLine(note)}`);
  if (email.cutShort && email.cutShort.length > 0) {
    lines.push(`Capture cut short: ${email.cutShort.map((c) => singleLine(c.detail)).join('; ')}`);
  }
  if (email.forwarded) {
    const f = email.forwarded;
    lines.push(
      '',
      `Forwarded message from ${f.from ? formatAddress(f.from) : '(unknown)'}${f.date ? ` (${singleLine(f.date)})` : ''}`,
    );
  }
  const listed = email.attachments.filter((a) => !a.inline);
  if (listed.length > 0) {
    lines.push(
      `Attachments: ${listed
        .map((a) => {
          const skipped = skippedFiles.find((s) => s.filename === (a.filename ?? 'attachment'));
          return `${safeFilename(a.filename)} (${a.size} bytes${skipped ? `, not uploaded: ${skipped.reason}` : ''})`;
        })
        .join(', ')}`,
    );
  }
  const text = multiLine(`${lines.join('\n')}\n\n${email.text}${email.textTruncated ? '\n[…]' : ''}`);
  return text.length <= DESCRIPTION_MAX
    ? text
    : text.slice(0, DESCRIPTION_MAX - TRUNCATION_MARKER.length) + TRUNCATION_MARKER;
}

function orderNumbersValue(numbers: string[]): string | null {
  if (numbers.length === 0) return null;
  let value = '';
  for (const n of numbers) {
    const next = value ? `${value}, ${n}` : n;
    if (next.length > 255) break;
    value = next;
  }
  return value;
}

function leadFor(person: MailAddress): LeadDraft {
  const [local = '', domain = ''] = person.address.split('@');
  const name = singleLine(person.name);
  const parts = name.split(/\s+/).filter(Boolean);
  const lastName = (parts.length > 1 ? parts.slice(1).join(' ') : parts[0]) || singleLine(local);
  return {
    // Lead.FirstName holds 40 characters, LastName 80, Company 255.
    FirstName: parts.length > 1 ? (parts[0] ?? '').slice(0, 40) : null,
    LastName: lastName.slice(0, 80),
    Company: (domain.split('.').slice(-2, -1)[0] ?? domain).slice(0, 255),
    Email: person.address,
    LeadSource: 'Email',
  };
}
