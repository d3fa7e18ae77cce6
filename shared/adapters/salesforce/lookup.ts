/** The SOQL of a batch's lookups, packed into as few queries as the URL budget allows, and their reading. */

import { WHAT_KEY_PREFIXES, whatTypeOf } from '../../domain/record-id.ts';
import type { LookupPlan, LookupResult } from '../../ports/crm.ts';
import { packedQueries, soqlName, soqlString } from './soql.ts';

export interface LookupQuery {
  kind: keyof LookupResult;
  soql: string;
  /** Record ids folded into an orders query: the rows with these ids are records too. */
  alsoRecords?: string[];
}

/** Contact roles read per query; an answer this long may be cut short and is not used. */
export const ROLE_LIMIT = 2000;

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

/** One query per kind in the common case; long lists are split by their encoded length only. */
export function lookupQueries(full: LookupPlan): LookupQuery[] {
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
  add(
    'contacts',
    packedQueries(
      `SELECT Id, Email, AccountId, LastModifiedDate, CreatedDate${activity} FROM Contact`,
      'Email',
      plan.personEmails,
      ' ORDER BY LastModifiedDate DESC LIMIT 2000',
    ),
  );
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
  add(
    'tasks',
    packedQueries('SELECT Id, Capture_Id__c, WhatId, WhoId FROM Task', 'Capture_Id__c', plan.captureIds),
  );
  // Only the open Opportunities: a Contact with exactly one gets it as the WhatId.
  add(
    'opportunityRoles',
    packedQueries(
      'SELECT ContactId, OpportunityId, Opportunity.AccountId FROM OpportunityContactRole',
      'Contact.Email',
      upTo(MAX_LENGTH.person)(full.opportunityEmails ?? []),
      ` AND Opportunity.IsClosed = false LIMIT ${ROLE_LIMIT}`,
    ),
  );
  return queries;
}

export function emptyLookup(): LookupResult {
  return { users: [], contacts: [], leads: [], orders: [], records: [], tasks: [] };
}

/**
 * The contact-role queries ride only in query slots the batch's last composite leaves free: the
 * opportunity rule never costs a request of its own. Without room they are left out (all of
 * them, so no Contact is judged on half an answer) and the result says they were not asked.
 */
export function withinBudget(queries: LookupQuery[], perComposite: number): LookupQuery[] {
  const roles = queries.filter((q) => q.kind === 'opportunityRoles');
  const others = queries.filter((q) => q.kind !== 'opportunityRoles');
  const free =
    others.length === 0 ? perComposite : (perComposite - (others.length % perComposite)) % perComposite;
  return roles.length > 0 && roles.length <= free ? queries : others;
}

/** Adds one query's records to the result. */
export function collect(
  result: LookupResult,
  query: LookupQuery,
  records: Record<string, unknown>[],
  orderField: string,
): void {
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const { kind } = query;
  const alsoRecords = new Set(query.alsoRecords?.map((id) => id.slice(0, 15)));
  const record = (id: string) => ({
    id,
    type: whatTypeOf(id),
    accountId: id.startsWith('001') ? id : null,
  });
  for (const r of records) {
    if (kind === 'opportunityRoles') {
      const opportunity = r.Opportunity as Record<string, unknown> | null | undefined;
      result.opportunityRoles ??= [];
      result.opportunityRoles.push({
        contactId: String(r.ContactId),
        opportunityId: String(r.OpportunityId),
        accountId: str(opportunity?.AccountId),
      });
      continue;
    }
    const id = String(r.Id);
    if (alsoRecords.has(id.slice(0, 15)) && !result.records.some((x) => x.id === id))
      result.records.push({ ...record(id), accountId: str(r.AccountId) });
    if (kind === 'users')
      result.users.push({ id, email: String(r.Email ?? ''), isActive: r.IsActive !== false });
    else if (kind === 'contacts')
      result.contacts.push({
        id,
        email: String(r.Email ?? ''),
        accountId: str(r.AccountId),
        lastModified: str(r.LastModifiedDate),
        createdDate: str(r.CreatedDate),
        lastActivityDate: str(r.LastActivityDate),
      });
    else if (kind === 'leads')
      result.leads.push({
        id,
        email: String(r.Email ?? ''),
        createdDate: str(r.CreatedDate),
        lastActivityDate: str(r.LastActivityDate),
      });
    else if (kind === 'orders')
      result.orders.push({ id, number: String(r[orderField] ?? ''), accountId: str(r.AccountId) });
    else if (kind === 'records')
      result.records.push({
        ...record(id),
        ...(id.startsWith('001') ? {} : { accountId: str(r.AccountId) }),
      });
    else
      result.tasks.push({
        id,
        captureId: String(r.Capture_Id__c ?? ''),
        whatId: str(r.WhatId),
        whoId: str(r.WhoId),
      });
  }
}
