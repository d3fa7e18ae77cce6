/**
 * A mail replayed for a rep's reply becomes the Task the rep asked for (the Task rules read the
 * resolution applyRepChoice wrote): a What alone, a Contact by id, a Contact by address.
 */
import { describe, expect, it } from 'vitest';
import { applyRepChoice, type RepChoice } from '#shared/domain/notices/rep-choice.ts';
import { decide, planLookups, type TaskDecision } from '#shared/domain/sync/task-mapping.ts';
import type { LookupResult } from '#shared/ports/crm.ts';
import { email, makeOrg } from '../sync/support.ts';

const org = makeOrg();
const ALICE = '005000000000001AAA';
const JANE = '003000000000001AAA';
const GLOBEX = '001000000000001AAA';
const ORDER = '801000000000001AAA';
const options = { orderNumbersField: true, today: () => '2026-03-02T08:00:00.000Z' };

const found: LookupResult = {
  users: [{ id: ALICE, email: 'alice@acme.example', isActive: true }],
  contacts: [{ id: JANE, email: 'jane@globex.example', accountId: GLOBEX, lastModified: null }],
  leads: [],
  orders: [{ id: ORDER, number: 'ORD-10042', accountId: GLOBEX }],
  records: [{ id: ORDER, type: 'Order', accountId: GLOBEX }],
  tasks: [],
};
// Sent to nobody Salesforce knows: unresolved as received.
const unresolved = email({ mode: 'bcc', to: ['Nobody <nobody@unknown.example>'] });
const fix = (choice: Omit<Extract<RepChoice, { kind: 'choice' }>, 'kind'>) =>
  applyRepChoice(unresolved, { kind: 'choice', ...choice }, 'alice@acme.example', new Date(0));
const task = (d: TaskDecision | undefined) => {
  if (d?.kind !== 'create') throw new Error(`expected a Task, got ${d?.kind}`);
  return d;
};

describe('Task rules for a mail the rep resolved', () => {
  it('without a choice it stays unmatched', () => {
    expect(decide(org, [unresolved], found, options)[0]?.kind).toBe('unmatched');
  });

  it('an order number alone: a Task on the order, with no Who, owned by the rep', () => {
    const mail = fix({ whoId: null, whoEmail: null, what: 'ORD-10042' });
    expect(planLookups(org, [mail]).orderNumbers).toContain('ORD-10042');
    const d = task(decide(org, [mail], found, options)[0]);
    expect(d.task).toMatchObject({ WhoId: null, WhatId: ORDER, OwnerId: ALICE });
    expect(d.matchedBy).toEqual({ who: 'none', what: 'order-number' });
    expect(d.lead).toBeNull();
  });

  it('a record id alone: a Task on that record', () => {
    const d = task(decide(org, [fix({ whoId: null, whoEmail: null, what: ORDER })], found, options)[0]);
    expect(d.task).toMatchObject({ WhoId: null, WhatId: ORDER });
  });

  it('a Contact’s address: the Contact is the Who, its Account the What', () => {
    const mail = fix({ whoId: null, whoEmail: 'jane@globex.example', what: null });
    expect(planLookups(org, [mail]).personEmails).toContain('jane@globex.example');
    const d = task(decide(org, [mail], found, options)[0]);
    expect(d.task).toMatchObject({ WhoId: JANE, WhatId: GLOBEX });
  });

  it('a Contact’s id: that Contact is the Who (Salesforce checks the id on write)', () => {
    const d = task(decide(org, [fix({ whoId: JANE, whoEmail: null, what: 'ORD-10042' })], found, options)[0]);
    expect(d.task).toMatchObject({ WhoId: JANE, WhatId: ORDER });
    expect(d.matchedBy.who).toBe('reply');
  });

  it('a record Salesforce does not have: still unmatched', () => {
    const d = decide(org, [fix({ whoId: null, whoEmail: null, what: 'ORD-99999' })], found, options)[0];
    expect(d?.kind).toBe('unmatched');
    const nobody = decide(
      org,
      [fix({ whoId: null, whoEmail: 'ghost@unknown.example', what: null })],
      found,
      options,
    )[0];
    expect(nobody?.kind).toBe('unmatched');
  });
});
