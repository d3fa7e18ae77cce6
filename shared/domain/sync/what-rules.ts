/**
 * What a Task is about (its WhatId), from the records a mail names and the people it is with
 * (docs/task-mapping.md): sub-address record → `ref:` id → order number → thread parent → the
 * Contact's single open Opportunity → the Contact's Account. Within the write rights of the mail
 * (write-rights.ts): an outsider's mail may only name records of its sender's Account, and what
 * is left out is said in notes (the outcome and the Task's Description carry them). Pure.
 */
import type { CapturedEmail } from '../captured-email.ts';
import { isWhatRecordId } from '../record-id.ts';
import { threadCaptureIds } from './capture-id.ts';
import type { LookupResult } from './crm-records.ts';
import type { MatchContext } from './matching.ts';
import { refIdsOf } from './record-ref.ts';
import type { WriteRights } from './write-rights.ts';

/** Where the WhatId came from, first found wins (docs/task-mapping.md). */
export type WhatRule = 'sub-address' | 'ref' | 'order-number' | 'thread' | 'opportunity' | 'account' | 'none';

type Contact = LookupResult['contacts'][number];

/** The batch's lookup answers by key (records and Contacts by their 15-character id). */
export interface WhatIndex {
  orders: Map<string, LookupResult['orders'][number]>;
  records: Map<string, LookupResult['records'][number]>;
  tasks: Map<string, LookupResult['tasks'][number]>;
  /** Open Opportunities per Contact (15-character id) with their Account; null when not looked up. */
  opportunities: Map<string, { id: string; accountId: string | null }[]> | null;
}

/** One record the mail names, in rule order. */
interface Named {
  id: string;
  rule: WhatRule;
  /** The record's Account when known (null: it has none; undefined: not known). */
  accountId: string | null | undefined;
  /** For a thread parent: the person its Task was with. */
  whoId?: string | null;
  /** How the mail named it, for a note ("ref: 006…", "order number ORD-1"). */
  label: string;
}

export interface Anchor {
  named: Named[];
  /**
   * Orders found only through Salesforce's zero padding ("order 250" → 00000250): short numbers
   * collide with quantities and with other customers' own numbers, so such an order names the
   * record only when it belongs to the Contact's own Account.
   */
  padded: { id: string; accountId: string | null }[];
  /** The Accounts of every record the mail names, and the Who of a thread's earlier Task. */
  context: MatchContext;
  /** Ids the mail names that no lookup found (gone, or not readable by Capture's user). */
  unknown: string[];
}

const key15 = (id: string) => id.slice(0, 15);
const sameId = (a: string | null | undefined, b: string | null | undefined) =>
  typeof a === 'string' && typeof b === 'string' && key15(a) === key15(b);

/**
 * Order numbers to look up, best first: a sub-address target that is not a record id is an order
 * number the rep chose, so it goes before the ones found in the text.
 */
export function orderNumbersOf(email: CapturedEmail): string[] {
  const target = email.capture?.target;
  const fromTarget = target && !isWhatRecordId(target) ? [target] : [];
  return [...new Set([...fromTarget, ...email.orderNumbers.filter((n) => !isWhatRecordId(n))])];
}

/** "4711" also finds Salesforce's zero-padded auto-number "00004711". */
export function orderNumberVariants(number: string): string[] {
  return /^\d{1,7}$/.test(number) ? [number, number.padStart(8, '0')] : [number];
}

export function orderKey(number: string): string {
  return /^\d+$/.test(number) ? number.replace(/^0+(?=\d)/, '') : number.toLowerCase();
}

/** The records the mail itself names, in rule order: sub-address → `ref:` → order number → thread parent. */
export function anchorOf(orgId: string, email: CapturedEmail, index: WhatIndex): Anchor {
  const anchor: Anchor = {
    named: [],
    padded: [],
    context: { accountIds: new Set(), whoIds: new Set() },
    unknown: [],
  };
  const name = (n: Named) => {
    if (n.accountId) anchor.context.accountIds.add(n.accountId);
    anchor.named.push(n);
  };
  const record = (id: string) => index.records.get(key15(id));
  const target = email.capture?.target ?? null;
  if (target && isWhatRecordId(target)) {
    const named = record(target);
    if (named)
      name({ id: named.id, rule: 'sub-address', accountId: named.accountId, label: 'the sub-address' });
    else anchor.unknown.push(target);
  }
  for (const ref of refIdsOf(email.subject, email.text)) {
    const r = record(ref);
    if (r) name({ id: r.id, rule: 'ref', accountId: r.accountId, label: `ref: ${ref}` });
    else anchor.unknown.push(ref);
  }
  for (const number of orderNumbersOf(email)) {
    const order = index.orders.get(orderKey(number));
    if (order && order.number !== number && /^\d+$/.test(number)) anchor.padded.push(order);
    else if (order)
      name({
        id: order.id,
        rule: 'order-number',
        accountId: order.accountId,
        label: `order number ${number}`,
      });
  }
  for (const parent of threadCaptureIds(orgId, email)) {
    const task = index.tasks.get(parent);
    if (task?.whoId) anchor.context.whoIds.add(task.whoId);
    if (task?.whatId)
      name({
        id: task.whatId,
        rule: 'thread',
        accountId: accountOf(task.whatId, index),
        whoId: task.whoId ?? null,
        label: 'the thread this mail replies to',
      });
  }
  return anchor;
}

/** The Account of a record the batch looked up (an Account is its own); undefined when not known. */
function accountOf(id: string, index: WhatIndex): string | null | undefined {
  if (id.startsWith('001')) return id;
  const found = index.records.get(key15(id));
  if (found) return found.accountId ?? null;
  return [...index.orders.values()].find((o) => sameId(o.id, id))?.accountId;
}

/**
 * A named record is within an outsider's rights when it belongs to the sender's Account, or
 * (a thread parent) when its Task was with this same person.
 */
function withinSenderAccount(n: Named, contact: Contact): boolean {
  if (n.rule === 'thread' && sameId(n.whoId, contact.id)) return true;
  return sameId(n.accountId, contact.accountId);
}

export interface WhatChoice {
  id: string | null;
  rule: WhatRule;
  /** A record the mail itself names was used (the opportunity rule was not needed). */
  anchored: boolean;
  /** Records the mail named that were not used, and why. */
  notes: string[];
}

/**
 * What: the mail's own records (the first the rights allow) → a zero-padded order number of the
 * Contact's own Account → the Contact's single open Opportunity → the Contact's Account.
 */
export function whatOf(
  anchor: Anchor,
  index: WhatIndex,
  contact: Contact,
  rights: Pick<WriteRights, 'records'>,
): WhatChoice {
  const notes: string[] = [];
  const outsider = rights.records === 'sender-account';
  for (const n of anchor.named) {
    if (!outsider || withinSenderAccount(n, contact))
      return { id: n.id, rule: n.rule, anchored: true, notes };
    notes.push(`${n.label} names a record outside the sender's Account: not used as Related To`);
  }
  const own = anchor.padded.find(
    (o) => !o.accountId || !contact.accountId || o.accountId === contact.accountId,
  );
  if (own && (!outsider || sameId(own.accountId, contact.accountId)))
    return { id: own.id, rule: 'order-number', anchored: false, notes };
  const open = (index.opportunities?.get(key15(contact.id)) ?? []).filter(
    (o) => !outsider || sameId(o.accountId, contact.accountId),
  );
  const ids = new Set(open.map((o) => o.id));
  if (ids.size === 1) return { id: [...ids][0] ?? null, rule: 'opportunity', anchored: false, notes };
  return contact.accountId
    ? { id: contact.accountId, rule: 'account', anchored: false, notes }
    : { id: null, rule: 'none', anchored: false, notes };
}

/** Notes for ids the mail names that no lookup found. */
export function unknownRecordNotes(anchor: Anchor): string[] {
  return anchor.unknown.map((id) => `${id} names no record Capture can read: not used as Related To`);
}
