/** The SOQL of a batch's lookups, packed into as few queries as the URL budget allows, and their reading. */

import { WHAT_KEY_PREFIXES, whatTypeOf } from '../../domain/record-id.ts';
import type { LookupPlan, LookupResult } from '../../ports/crm.ts';
import { isTransientCode } from './errors.ts';
import { packedQueries, soqlName, soqlString } from './soql.ts';

export interface LookupQuery {
  kind: keyof LookupResult;
  soql: string;
  /** Record ids folded into an orders query: the rows with these ids are records too. */
  alsoRecords?: string[];
  /** A contacts query carrying each Contact's open-opportunity roles in a subquery. */
  roles?: boolean;
  /** A tasks query reading Capture_Source__c. */
  taskSource?: boolean;
}

/**
 * A lookup whose refusal is not the batch's failure: records or orders a mail named, of an object
 * the org lacks or Capture's user cannot read (INVALID_TYPE, INVALID_FIELD…). Those records stay
 * unknown and the mail's Task goes without them; a refusal a retry may fix is still thrown.
 */
export function toleratedLookupFailure(query: LookupQuery, code: string): boolean {
  return (query.kind === 'records' || query.kind === 'orders') && !isTransientCode(code);
}

/**
 * The right a lookup's refusal says the user lacks, in an admin's words: INVALID_TYPE names an
 * object the user may not read ("sObject type 'Contact' is not supported"), or a relationship
 * into one (the contact roles of Opportunities). Null for any other refusal.
 */
export function missingReadRight(code: string, message: string): string | null {
  if (code !== 'INVALID_TYPE') return null;
  const object = /sObject type '(\w+)'/.exec(message)?.[1];
  if (object) return `read on ${object}`;
  if (/relationship 'OpportunityContactRoles'/.test(message)) return ROLES_REFUSED;
  return null;
}

/** The right a refused contact-roles subquery lacks: the opportunity rule goes unchecked without it. */
export const ROLES_REFUSED = 'read on Opportunity (contact roles)';

/** A contacts query without its contact-roles subquery. */
export function withoutRoles(query: LookupQuery): LookupQuery {
  return { ...query, soql: query.soql.replace(ROLES_SUBQUERY, ''), roles: false };
}

/** Contact roles read per Contact; a list this long may be cut short and is not used. */
export const ROLES_PER_CONTACT = 100;

/**
 * Each Contact's roles on open Opportunities, as a parent-to-child subquery of the contacts
 * query: the opportunity rule costs no query of its own, so it always fits the lookup's request.
 */
const ROLES_SUBQUERY =
  ', (SELECT OpportunityId, Opportunity.AccountId FROM OpportunityContactRoles' +
  ` WHERE Opportunity.IsClosed = false LIMIT ${ROLES_PER_CONTACT})`;

/** Record ids folded into the orders query when they are of the order object's type. */
const FOLD_LIMIT = 100;

/**
 * Longest value each lookup field can hold (Contact and Lead Email: 80, User Email: 128, text and
 * auto-number fields: 255). A longer value cannot match, and Salesforce refuses a string over
 * 4,000 characters in a WHERE clause, which would fail the whole batch: such values are not sent,
 * nor values with control characters.
 */
const MAX_LENGTH = { person: 80, user: 128, text: 255 };
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Values a field can hold: not too long, no control characters (no stored value has them). */
const upTo = (max: number) => (values: readonly string[]) =>
  values.filter((v) => v.length <= max && !CONTROL.test(v));

/**
 * One query per kind in the common case; long lists are split by their encoded length only.
 * `taskSource`: the Tasks' Capture_Source__c is read too (the org has it, or it is not known yet).
 */
export function lookupQueries(full: LookupPlan, options: { taskSource?: boolean } = {}): LookupQuery[] {
  const text = upTo(MAX_LENGTH.text);
  const plan: LookupPlan = {
    ...full,
    userEmails: upTo(MAX_LENGTH.user)(full.userEmails),
    personEmails: upTo(MAX_LENGTH.person)(full.personEmails),
    orderNumbers: text(full.orderNumbers),
    recordIds: text(full.recordIds),
    captureIds: text(full.captureIds),
  };
  const queries: LookupQuery[] = [];
  const add = (kind: keyof LookupResult, soqls: string[]) => {
    for (const soql of soqls) queries.push({ kind, soql });
  };
  add('users', packedQueries('SELECT Id, Email, IsActive FROM User', 'Email', plan.userEmails));
  // LastActivityDate only for the policy that needs it (Salesforce derives it from activities).
  const activity = plan.activityDates ? ', LastActivityDate' : '';
  // Only the open Opportunities, and only when some mail may use them: a Contact with exactly one gets it as the WhatId.
  const roles = upTo(MAX_LENGTH.person)(full.opportunityEmails ?? []).length > 0;
  for (const soql of packedQueries(
    `SELECT Id, Email, AccountId, LastModifiedDate, CreatedDate${activity}${roles ? ROLES_SUBQUERY : ''} FROM Contact`,
    'Email',
    plan.personEmails,
    ' ORDER BY LastModifiedDate DESC LIMIT 2000',
  ))
    queries.push({ kind: 'contacts', soql, ...(roles ? { roles } : {}) });
  if (plan.personEmails.length > 0) {
    add(
      'leads',
      packedQueries(
        `SELECT Id, Email, CreatedDate${activity} FROM Lead`,
        'Email',
        plan.personEmails,
        ' AND IsConverted = false LIMIT 2000',
      ),
    );
  }
  const { object, field } = plan.orderLookup;
  const byType = new Map<string, string[]>();
  for (const id of plan.recordIds) {
    const type = WHAT_KEY_PREFIXES[id.slice(0, 3)];
    if (type) byType.set(type, [...(byType.get(type) ?? []), id]);
  }
  // A sub-address naming a record of the order object rides along with the order numbers'
  // query, so such a batch still needs one query less (and usually one request).
  const folded = plan.orderNumbers.length > 0 ? (byType.get(object) ?? []) : [];
  const fold = folded.length > 0 && folded.length <= FOLD_LIMIT;
  if (fold) byType.delete(object);
  for (const soql of packedQueries(
    `SELECT Id, ${soqlName(field)}, AccountId FROM ${soqlName(object)}`,
    field,
    plan.orderNumbers,
    fold ? ` OR Id IN (${folded.map(soqlString).join(',')})` : '',
  ))
    queries.push({ kind: 'orders', soql, ...(fold ? { alsoRecords: folded } : {}) });
  for (const [type, ids] of byType) {
    // The Account a named record belongs to decides between Contacts sharing an address.
    const fields = type === 'Account' ? 'Id' : 'Id, AccountId';
    add('records', packedQueries(`SELECT ${fields} FROM ${type}`, 'Id', ids));
  }
  const source = options.taskSource ? ', Capture_Source__c' : '';
  // Capture_Id__c may not be Unique (activity fields): the oldest Task with a key is the one.
  for (const soql of packedQueries(
    `SELECT Id, Capture_Id__c, WhatId, WhoId${source} FROM Task`,
    'Capture_Id__c',
    plan.captureIds,
    ' ORDER BY CreatedDate, Id',
  ))
    queries.push({ kind: 'tasks', soql, ...(options.taskSource ? { taskSource: true } : {}) });
  return queries;
}

export function emptyLookup(): LookupResult {
  return { users: [], contacts: [], leads: [], orders: [], records: [], tasks: [] };
}

/**
 * Adds one query's records to the result. False when a Contact's roles came back cut short
 * (at the subquery's limit, or not done): two open Opportunities could then look like one.
 */
export function collect(
  result: LookupResult,
  query: LookupQuery,
  records: Record<string, unknown>[],
  orderField: string,
): boolean {
  let complete = true;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const { kind } = query;
  const alsoRecords = new Set(query.alsoRecords?.map((id) => id.slice(0, 15)));
  const record = (id: string) => ({
    id,
    type: whatTypeOf(id),
    accountId: id.startsWith('001') ? id : null,
  });
  for (const r of records) {
    const id = String(r.Id);
    if (query.roles && !collectRoles(result, id, r.OpportunityContactRoles)) complete = false;
    if (alsoRecords.has(id.slice(0, 15)) && !result.records.some((x) => x.id === id))
      result.records.push({ ...record(id), accountId: str(r.AccountId) });
    // What matching reads of a person (contacts add their account and last change).
    const person = () => ({
      id,
      email: String(r.Email ?? ''),
      createdDate: str(r.CreatedDate),
      lastActivityDate: str(r.LastActivityDate),
    });
    if (kind === 'users')
      result.users.push({ id, email: String(r.Email ?? ''), isActive: r.IsActive !== false });
    else if (kind === 'contacts')
      result.contacts.push({
        ...person(),
        accountId: str(r.AccountId),
        lastModified: str(r.LastModifiedDate),
      });
    else if (kind === 'leads') result.leads.push(person());
    else if (kind === 'orders')
      result.orders.push({ id, number: String(r[orderField] ?? ''), accountId: str(r.AccountId) });
    else if (kind === 'records')
      result.records.push({
        ...record(id),
        ...(id.startsWith('001') ? {} : { accountId: str(r.AccountId) }),
      });
    else if (!result.tasks.some((t) => t.captureId === String(r.Capture_Id__c ?? '')))
      result.tasks.push({
        id,
        captureId: String(r.Capture_Id__c ?? ''),
        whatId: str(r.WhatId),
        whoId: str(r.WhoId),
        ...('Capture_Source__c' in r ? { source: str(r.Capture_Source__c) } : {}),
      });
  }
  return complete;
}

/** One Contact's roles from its subquery (null when it has none); false when the list may be cut. */
function collectRoles(result: LookupResult, contactId: string, child: unknown): boolean {
  result.opportunityRoles ??= [];
  if (child === null || child === undefined) return true;
  const { done, records } = child as { done?: boolean; records?: Record<string, unknown>[] };
  for (const role of records ?? []) {
    const opportunity = role.Opportunity as Record<string, unknown> | null | undefined;
    result.opportunityRoles.push({
      contactId,
      opportunityId: String(role.OpportunityId),
      accountId: typeof opportunity?.AccountId === 'string' ? opportunity.AccountId : null,
    });
  }
  return done !== false && (records?.length ?? 0) < ROLES_PER_CONTACT;
}
