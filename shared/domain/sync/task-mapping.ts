/**
 * From a batch of CapturedEmails and the CRM's answers to Task drafts (docs/task-mapping.md): owner, who,
 * what, relations, files, and the unmatched policy. Pure.
 */
import type { Org } from '../../config/registry.ts';
import type { Attachment, CapturedEmail, MailAddress, Participant } from '../captured-email.ts';
import { isWhatRecordId as isRecordId } from '../record-id.ts';
import { captureIdOf, threadCaptureIds } from './capture-id.ts';
import type { LeadDraft, LookupPlan, LookupResult, TaskDraft } from './crm-records.ts';
import { choosePerson, type MatchContext, type WhoRule } from './matching.ts';
import { refIdsOf } from './record-ref.ts';
import { multiLine, safeFilename, singleLine } from './sanitize.ts';

export const SUBJECT_MAX = 255;
export const DESCRIPTION_MAX = 32_000;
/** Contacts one Task can be related to with Shared Activities, its WhoId among them. */
export const MAX_CONTACTS = 50;
/** Names listed in the Description for contacts a Task could not be related to. */
const MAX_NAMED = 100;
export const TRUNCATION_MARKER = '\n\n[… cut by Capture: Salesforce keeps at most 32,000 characters]';

/** Where the WhatId came from, first found wins (docs/task-mapping.md). */
export type WhatRule = 'sub-address' | 'ref' | 'order-number' | 'thread' | 'opportunity' | 'account' | 'none';

/** Which rules decided the Task's Who and What; recorded with the outcome. */
export interface MatchedBy {
  who: WhoRule | 'new-lead';
  what: WhatRule;
  /** Rules that could not be checked: `opportunity` when contact roles were not looked up. */
  unchecked?: string[];
}

export type SyncDecision =
  | { kind: 'excluded'; captureId: string; reason: string }
  | {
      kind: 'duplicate';
      captureId: string;
      taskId: string;
      reason: string;
      /** What the Task should have, so a redelivery adds what an earlier try could not. */
      relations: string[];
      files: Attachment[];
    }
  | { kind: 'unmatched'; captureId: string; reason: string }
  | { kind: 'owner-missing'; captureId: string; reason: string }
  | {
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
      relations: string[];
      files: Attachment[];
      /** Attachments not uploaded, with the reason (listed in the Description). */
      skippedFiles: { filename: string; reason: string }[];
      matchedBy: MatchedBy;
    };

export { isRecordId };

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

/** People the Task may be "with", best first: the forwarded original's sender, else by direction. */
export function whoCandidates(email: CapturedEmail): Participant[] {
  const external = (roles: Participant['role'][]) =>
    roles.flatMap((role) => email.participants.filter((p) => p.role === role && !p.internal));
  let ordered: Participant[];
  if (email.forwarded)
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
    if (target && isRecordId(target)) recordIds.push(target);
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

interface Index {
  users: Map<string, string>;
  contacts: Map<string, Contact[]>;
  leads: Map<string, Lead[]>;
  orders: Map<string, LookupResult['orders'][number]>;
  records: Map<string, LookupResult['records'][number]>;
  tasks: Map<string, LookupResult['tasks'][number]>;
  /** Open Opportunities per Contact (15-character id); null when not looked up. */
  opportunities: Map<string, Set<string>> | null;
}

function byAddress<T extends { email: string }>(items: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(lower(item.email), [...(map.get(lower(item.email)) ?? []), item]);
  return map;
}

function indexOf(found: LookupResult): Index {
  const users = new Map(found.users.filter((u) => u.isActive).map((u) => [lower(u.email), u.id]));
  const opportunities = new Map<string, Set<string>>();
  for (const role of found.opportunityRoles ?? []) {
    const key = role.contactId.slice(0, 15);
    opportunities.set(key, (opportunities.get(key) ?? new Set()).add(role.opportunityId));
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

export function decide(
  org: Org,
  emails: CapturedEmail[],
  found: LookupResult,
  options: MappingOptions,
): SyncDecision[] {
  const index = indexOf(found);
  const firstInBatch = new Set<string>();
  return emails.map((email): SyncDecision => {
    const captureId = captureIdOf(org.id, email);
    if (email.excluded) return { kind: 'excluded', captureId, reason: email.excluded.reason };
    const existing = index.tasks.get(captureId);
    if (firstInBatch.has(captureId))
      return {
        kind: 'duplicate',
        captureId,
        taskId: '',
        reason: 'same-message-in-batch',
        relations: [],
        files: [],
      };
    firstInBatch.add(captureId);
    const decision = decideOne(org, email, captureId, index, options);
    if (!existing) return decision;
    return {
      kind: 'duplicate',
      captureId,
      taskId: existing.id,
      reason: 'already-in-salesforce',
      relations: decision.kind === 'create' ? decision.relations : [],
      files: decision.kind === 'create' ? decision.files : [],
    };
  });
}

function decideOne(
  org: Org,
  email: CapturedEmail,
  captureId: string,
  index: Index,
  options: MappingOptions,
): SyncDecision {
  // Owner: the rep when an active User, else the address's default owner (inactive Users never own).
  const rep = email.capture?.mode === 'forward' ? null : repAddress(email);
  const defaultOwnerId = index.users.get(lower(defaultOwnerEmail(org, email))) ?? null;
  const ownerId = (rep ? index.users.get(lower(rep)) : undefined) ?? defaultOwnerId;
  if (!ownerId) {
    return {
      kind: 'owner-missing',
      captureId,
      reason: `no active Salesforce User for ${rep ? 'the rep or ' : ''}the default owner`,
    };
  }

  // Who: among Contacts sharing an address, the mail's context first, then the org's policy.
  const anchor = anchorOf(org, email, index);
  const policy = duplicatePolicy(org);
  const candidates = whoCandidates(email);
  const choose = <T extends Contact | Lead>(map: Map<string, T[]>, p: MailAddress) =>
    choosePerson(map.get(lower(p.address)) ?? [], anchor.context, policy);
  const contactChoice = candidates.map((p) => choose(index.contacts, p)).find((c) => c !== null);
  const whoContact = contactChoice?.chosen;
  // A Task is related to one Lead at most: the policy picks it, `all` relates no other.
  const leadChoice = whoContact ? undefined : candidates.map((p) => choose(index.leads, p)).find(Boolean);
  const whoLead = leadChoice?.chosen.id;
  let lead: LeadDraft | null = null;
  if (!whoContact && !whoLead) {
    const primary = candidates[0];
    if (org.unmatched !== 'create-lead' || !primary) {
      return {
        kind: 'unmatched',
        captureId,
        reason: primary ? 'no-contact-or-lead' : 'no-external-participant',
      };
    }
    lead = leadFor(primary);
  }
  const whoId = whoContact?.id ?? whoLead ?? null;
  // Salesforce does not allow a WhatId on a Task whose WhoId is a Lead.
  const what = whoContact ? whatOf(anchor, index, whoContact) : { id: null, rule: 'none' as const };
  const whatId = what.id;
  const matchedBy: MatchedBy = {
    who: contactChoice?.decidedBy ?? leadChoice?.decidedBy ?? 'new-lead',
    what: what.rule,
    ...(whoContact && !anchor.whatId && index.opportunities === null ? { unchecked: ['opportunity'] } : {}),
  };

  // A Task is related to one lead or up to 50 contacts (its WhoId among them); without Shared
  // Activities to its WhoId only. The contacts left out are named in the Description.
  const others = whoContact
    ? unique([
        ...(contactChoice?.also ?? []),
        ...email.participants
          .filter((p) => !p.internal)
          .flatMap((p) => {
            const c = choose(index.contacts, p);
            return c ? [c.chosen, ...c.also] : [];
          }),
      ]).filter((c) => c.id !== whoId)
    : [];
  const room = options.sharedActivities === false ? 0 : MAX_CONTACTS - 1;
  const relations = unique(others.map((c) => c.id)).slice(0, room);
  const unrelated = others.filter((c) => !relations.includes(c.id)).map((c) => c.email);
  const unrelatedReason =
    options.sharedActivities === false
      ? 'Shared Activities is off'
      : `Salesforce relates at most ${MAX_CONTACTS} contacts`;

  const { files, skippedFiles } = filesOf(org, email);
  const task: TaskDraft = {
    Subject: taskSubject(email.subject),
    Description: taskDescription(email, skippedFiles, {
      addresses: unique(unrelated),
      reason: unrelatedReason,
    }),
    Status: options.taskStatus ?? 'Completed',
    TaskSubtype: 'Email',
    ActivityDate: activityDate(email.date, options.today),
    OwnerId: ownerId,
    WhoId: whoId,
    WhatId: whatId,
    Capture_Id__c: captureId,
    Order_Numbers__c: options.orderNumbersField ? orderNumbersValue(orderNumbersOf(email)) : null,
  };
  const fallbackOwnerId = defaultOwnerId !== ownerId ? defaultOwnerId : null;
  return {
    kind: 'create',
    captureId,
    task,
    lead,
    fallbackOwnerId,
    relations,
    files,
    skippedFiles,
    matchedBy,
  };
}

interface Anchor {
  whatId: string | null;
  rule: WhatRule;
  /**
   * Orders found only through Salesforce's zero padding ("order 250" → 00000250): short numbers
   * collide with quantities and with other customers' own numbers, so such an order names the
   * record only when it belongs to the Contact's own Account.
   */
  padded: { id: string; accountId: string | null }[];
  /** The Accounts of every record the mail names, and the Who of a thread's earlier Task. */
  context: MatchContext;
}

/** The record the mail itself names: sub-address target → `ref:` id → order number → thread parent. */
function anchorOf(org: Org, email: CapturedEmail, index: Index): Anchor {
  const anchor: Anchor = {
    whatId: null,
    rule: 'none',
    padded: [],
    context: { accountIds: new Set(), whoIds: new Set() },
  };
  const take = (id: string, rule: WhatRule, accountId: string | null | undefined) => {
    if (accountId) anchor.context.accountIds.add(accountId);
    if (anchor.whatId) return;
    anchor.whatId = id;
    anchor.rule = rule;
  };
  const record = (id: string) => index.records.get(id.slice(0, 15));
  const accountOf = (id: string) =>
    id.startsWith('001')
      ? id
      : (record(id)?.accountId ?? [...index.orders.values()].find((o) => o.id === id)?.accountId ?? null);
  const target = email.capture?.target ?? null;
  const named = target && isRecordId(target) ? record(target) : undefined;
  if (named) take(named.id, 'sub-address', named.accountId);
  for (const ref of refIdsOf(email.subject, email.text)) {
    const r = record(ref);
    if (r) take(r.id, 'ref', r.accountId);
  }
  for (const number of orderNumbersOf(email)) {
    const order = index.orders.get(orderKey(number));
    if (order && order.number !== number && /^\d+$/.test(number)) anchor.padded.push(order);
    else if (order) take(order.id, 'order-number', order.accountId);
  }
  for (const parent of threadCaptureIds(org.id, email)) {
    const task = index.tasks.get(parent);
    if (task?.whoId) anchor.context.whoIds.add(task.whoId);
    if (task?.whatId) take(task.whatId, 'thread', accountOf(task.whatId));
  }
  return anchor;
}

/**
 * What: the mail's own anchor → a zero-padded order number of the Contact's own Account → the
 * Contact's single open Opportunity → the Contact's Account.
 */
function whatOf(anchor: Anchor, index: Index, contact: Contact): { id: string | null; rule: WhatRule } {
  if (anchor.whatId) return { id: anchor.whatId, rule: anchor.rule };
  const own = anchor.padded.find(
    (o) => !o.accountId || !contact.accountId || o.accountId === contact.accountId,
  );
  if (own) return { id: own.id, rule: 'order-number' };
  const open = index.opportunities?.get(contact.id.slice(0, 15));
  if (open?.size === 1) return { id: [...open][0]!, rule: 'opportunity' };
  return contact.accountId ? { id: contact.accountId, rule: 'account' } : { id: null, rule: 'none' };
}

function filesOf(
  org: Org,
  email: CapturedEmail,
): { files: Attachment[]; skippedFiles: { filename: string; reason: string }[] } {
  const files: Attachment[] = [];
  const skippedFiles: { filename: string; reason: string }[] = [];
  for (const a of email.attachments.filter((x) => !x.inline)) {
    const filename = a.filename ?? 'attachment';
    if (!org.attachments.upload) skippedFiles.push({ filename, reason: 'uploads are off' });
    else if (a.size > org.attachments.maxBytes) skippedFiles.push({ filename, reason: 'too large' });
    else if (!a.storageKey) skippedFiles.push({ filename, reason: 'not stored' });
    else files.push(a);
  }
  return { files, skippedFiles };
}

/**
 * Order numbers to look up, best first: a sub-address target that is not a record id is an order
 * number the rep chose, so it goes before the ones found in the text.
 */
export function orderNumbersOf(email: CapturedEmail): string[] {
  const target = email.capture?.target;
  const fromTarget = target && !isRecordId(target) ? [target] : [];
  return unique([...fromTarget, ...email.orderNumbers.filter((n) => !isRecordId(n))]);
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

/** "4711" also finds Salesforce's zero-padded auto-number "00004711". */
export function orderNumberVariants(number: string): string[] {
  return /^\d{1,7}$/.test(number) ? [number, number.padStart(8, '0')] : [number];
}

function orderKey(number: string): string {
  return /^\d+$/.test(number) ? number.replace(/^0+(?=\d)/, '') : number.toLowerCase();
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
    FirstName: parts.length > 1 ? parts[0]!.slice(0, 40) : null,
    LastName: lastName.slice(0, 80),
    Company: (domain.split('.').slice(-2, -1)[0] ?? domain).slice(0, 255),
    Email: person.address,
    LeadSource: 'Email',
  };
}
