/**
 * Enhanced Email: a mail as Salesforce's EmailMessage, the fields its Task gets, and the
 * EmailMessageRelation rows for the people it names. Pure. Text goes through sanitize.ts (no
 * control, escape or bidi characters) and MessageDate is left out when it is not a sane date.
 *
 * Salesforce's EmailMessage rules kept here (Object Reference, "EmailMessage" and
 * "EmailMessageRelation"): FromAddress and FromName 1,000 characters; ToAddress and CcAddress
 * 4,000, addresses separated by semicolons; Subject 3,000; TextBody 32,000; MessageIdentifier and
 * ThreadIdentifier 255; Status a restricted picklist ('1' Read, '3' Sent); ActivityId is not
 * given (the org creates the Task of a message that is not on a Case); RelatedToId takes the
 * WhatId kinds. RelationType is FromAddress, ToAddress or CcAddress; RelationId a Contact, Lead or
 * User, or none with the bare address.
 */

import type { CapturedEmail, MailAddress } from '../captured-email.ts';
import type { EmailMessageWrite, LookupResult, TaskDraft } from './crm-records.ts';
import { multiLine, saneDate, singleLine } from './sanitize.ts';
import { TRUNCATION_MARKER } from './task-mapping.ts';

export const ADDRESS_LIST_MAX = 4_000;
export const FROM_MAX = 1_000;
export const EMAIL_SUBJECT_MAX = 3_000;
export const TEXT_BODY_MAX = 32_000;
export const IDENTIFIER_MAX = 255;
/** EmailMessageRelation rows per message: the people a mail names, bounded for hostile headers. */
export const MAX_MESSAGE_RELATIONS = 200;

const lower = (s: string) => s.toLowerCase();
const cut = (s: string, max: number) => (s.length <= max ? s : s.slice(0, max));

/** Addresses separated by "; ", whole addresses only, within `max` characters. */
export function addressList(addresses: readonly MailAddress[], max = ADDRESS_LIST_MAX): string | null {
  let out = '';
  for (const a of addresses) {
    const next = out ? `${out}; ${a.address}` : a.address;
    if (next.length > max) break;
    out = next;
  }
  return out || null;
}

/** The thread a message belongs to: the first Message-ID of References, else In-Reply-To, else its own. */
export function threadIdentifier(email: CapturedEmail): string | null {
  const id = email.references[0] ?? email.inReplyTo ?? email.messageId;
  return id && id.length <= IDENTIFIER_MAX ? id : null;
}

/**
 * The EmailMessage for a mail and the Task fields Capture sets on the Task the org creates for it
 * (TaskSubtype is create-only and Salesforce's own: not sent).
 */
export function emailMessageWrite(
  email: CapturedEmail,
  task: TaskDraft,
  found: LookupResult,
  orderNumbersField: boolean,
  now: Date = new Date(),
): EmailMessageWrite {
  const body = multiLine(email.text);
  const text =
    body.length <= TEXT_BODY_MAX
      ? body
      : cut(body, TEXT_BODY_MAX - TRUNCATION_MARKER.length) + TRUNCATION_MARKER;
  const from = email.from;
  const fromName = from?.name ? singleLine(from.name) : '';
  const message: EmailMessageWrite['message'] = {
    Capture_Id__c: task.Capture_Id__c,
    FromAddress: from && from.address.length <= FROM_MAX ? from.address : null,
    FromName: fromName ? cut(fromName, FROM_MAX) : null,
    ToAddress: addressList(email.to),
    CcAddress: addressList(email.cc),
    Subject: cut(singleLine(email.subject ?? ''), EMAIL_SUBJECT_MAX) || null,
    TextBody: text || null,
    MessageDate: saneDate(email.date, now),
    MessageIdentifier: email.messageId && email.messageId.length <= IDENTIFIER_MAX ? email.messageId : null,
    ThreadIdentifier: threadIdentifier(email),
    Incoming: email.direction === 'inbound',
    // A captured mail has been sent (outbound) or read (inbound): never New or Draft.
    Status: email.direction === 'inbound' ? '1' : '3',
    RelatedToId: task.WhatId,
  };
  const taskFields: EmailMessageWrite['task'] = {
    Subject: task.Subject,
    Description: task.Description,
    Status: task.Status,
    ActivityDate: task.ActivityDate,
    OwnerId: task.OwnerId,
    WhoId: task.WhoId,
    WhatId: task.WhatId,
    Capture_Id__c: task.Capture_Id__c,
    Capture_Source__c: task.Capture_Source__c,
    ...(orderNumbersField && task.Order_Numbers__c ? { Order_Numbers__c: task.Order_Numbers__c } : {}),
  };
  return {
    captureId: task.Capture_Id__c,
    source: task.Capture_Source__c,
    message,
    task: taskFields,
    relations: messageRelations(email, found),
  };
}

/**
 * One row per address of From, To and Cc: the matched person (User for internal addresses, else
 * Contact, else Lead) or the bare address.
 */
export function messageRelations(email: CapturedEmail, found: LookupResult): EmailMessageWrite['relations'] {
  const users = new Map(found.users.map((u) => [lower(u.email), u.id]));
  const contacts = new Map<string, string>();
  const sorted = [...found.contacts].sort(
    (a, b) => (b.lastModified ?? '').localeCompare(a.lastModified ?? '') || a.id.localeCompare(b.id),
  );
  for (const c of sorted) if (!contacts.has(lower(c.email))) contacts.set(lower(c.email), c.id);
  const leads = new Map<string, string>();
  for (const l of [...found.leads].sort((a, b) => a.id.localeCompare(b.id)))
    if (!leads.has(lower(l.email))) leads.set(lower(l.email), l.id);
  const rows: EmailMessageWrite['relations'] = [];
  // The capture address is Capture's own, not a person of the message.
  const captureDomain = email.capture?.address.split('@')[1];
  const seen = new Set<string>();
  const add = (
    list: readonly MailAddress[],
    RelationType: EmailMessageWrite['relations'][number]['RelationType'],
  ) => {
    for (const a of list) {
      const address = lower(a.address);
      if (
        rows.length >= MAX_MESSAGE_RELATIONS ||
        seen.has(`${RelationType}/${address}`) ||
        address.length > 254
      )
        continue;
      if (captureDomain && address.endsWith(`@${captureDomain}`)) continue;
      seen.add(`${RelationType}/${address}`);
      const RelationId = users.get(address) ?? contacts.get(address) ?? leads.get(address) ?? null;
      rows.push({ RelationId, RelationAddress: address, RelationType });
    }
  };
  add(email.from ? [email.from] : [], 'FromAddress');
  add(email.to, 'ToAddress');
  add(email.cc, 'CcAddress');
  return rows;
}
