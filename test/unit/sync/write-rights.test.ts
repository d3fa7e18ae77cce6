/**
 * Who may write where (shared/domain/sync/write-rights.ts, docs/security.md): each row of the
 * table, enforced through the sync's own decisions and writes (the in-memory CRM).
 */
import { describe, expect, it } from 'vitest';
import type { LookupResult } from '#shared/domain/sync/crm-records.ts';
import { decide, type TaskDecision } from '#shared/domain/sync/task-mapping.ts';
import { rightsOf, trustOf, WRITE_RIGHTS } from '#shared/domain/sync/write-rights.ts';
import { writeToSalesforce } from '#shared/usecases/salesforce-writes.ts';
import { email, emptyResult, FakeCrm, makeOrg, transient } from './support.ts';

const org = makeOrg();
const OPS = '005000000000003AAA';
const ALICE = '005000000000001AAA';
const JANE = '003000000000001AAA';
const CARL = '003000000000002AAA';
const PETER = '003000000000004AAA';
const GLOBEX = '001000000000001AAA';
const INITECH = '001000000000002AAA';
const GLOBEX_ORDER = '801000000000001AAA';
const INITECH_ORDER = '801000000000002AAA';
const INITECH_OPP = '006000000000002AAA';
const INITECH_CASE = '500000000000002AAA';

function world(): LookupResult {
  return {
    ...emptyResult(),
    users: [
      { id: ALICE, email: 'alice@acme.example', isActive: true },
      { id: OPS, email: 'ops@acme.example', isActive: true },
    ],
    contacts: [
      { id: JANE, email: 'jane@globex.example', accountId: GLOBEX, lastModified: null },
      { id: CARL, email: 'carl@globex.example', accountId: GLOBEX, lastModified: null },
      { id: PETER, email: 'peter@initech.example', accountId: INITECH, lastModified: null },
    ],
    orders: [
      { id: GLOBEX_ORDER, number: 'ORD-10042', accountId: GLOBEX },
      { id: INITECH_ORDER, number: 'SO-104233', accountId: INITECH },
    ],
    records: [
      { id: INITECH_OPP, type: 'Opportunity', accountId: INITECH },
      { id: INITECH_CASE, type: 'Case', accountId: INITECH },
    ],
  };
}

const options = { orderNumbersField: true, today: () => '2026-11-20T08:00:00.000Z' };
const create = (d: TaskDecision | undefined) => {
  if (d?.kind !== 'create') throw new Error(`expected create, got ${d?.kind}: ${JSON.stringify(d)}`);
  return d;
};
const one = (mail: ReturnType<typeof email>) => create(decide(org, [mail], world(), options)[0]);

/** Jane at Globex writes to the shared inbox: an outsider, whatever she claims. */
const outsider = (spec: Parameters<typeof email>[0] = {}) =>
  email({ mode: 'forward', from: 'Jane Doe <jane@globex.example>', to: ['orders@acme.example'], ...spec });

describe('the table', () => {
  it('has one row per kind of mail, by address mode and sender proof', () => {
    expect(trustOf(email()).trust).toBe('bcc');
    expect(trustOf(outsider()).trust).toBe('forward');
    // An internal From through a forward address is an outsider's claim until SES's verdicts prove it.
    expect(trustOf(email({ mode: 'forward' })).trust).toBe('forward');
    expect(trustOf(email({ mode: 'forward', verified: true })).trust).toBe('forward-internal');
    // Written before the parse stage recorded the origin: the least.
    expect(trustOf(email({ mode: 'forward', source: null })).trust).toBe('forward');
    expect(rightsOf(outsider())).toBe(WRITE_RIGHTS.forward);
    expect(WRITE_RIGHTS.forward).toEqual({
      who: 'sender',
      records: 'sender-account',
      owner: 'address-default',
      changeEvents: 'never',
      setsEventOwner: false,
    });
  });
});

describe('mail by BCC from a verified internal sender', () => {
  it('relates the Task to any record the mail names, whichever Account it belongs to', () => {
    expect(one(email({ target: INITECH_OPP })).task.WhatId).toBe(INITECH_OPP);
    expect(one(email({ text: `ref: ${INITECH_CASE}` })).task.WhatId).toBe(INITECH_CASE);
    expect(one(email({ orderNumbers: ['SO-104233'] })).task).toMatchObject({
      WhatId: INITECH_ORDER,
      OwnerId: ALICE,
    });
  });
});

describe('mail through a forward address', () => {
  it('is a Task about its sender: not a forwarded original’s sender, nor a Cc', () => {
    const d = one(outsider({ forwardedFrom: 'peter@initech.example', cc: ['carl@globex.example'] }));
    expect(d.task).toMatchObject({ WhoId: JANE, WhatId: GLOBEX, OwnerId: OPS });
    // Carl (Globex) is not related either: the Task is about the sender alone.
    expect(d.relations).toEqual([]);
  });

  it('takes a record named by ref:, sub-address or order number only from the sender’s Account, and says why not', () => {
    expect(one(outsider({ orderNumbers: ['ORD-10042'] })).task.WhatId).toBe(GLOBEX_ORDER);
    const named: [Parameters<typeof email>[0], string][] = [
      [{ text: `Please see ref: ${INITECH_OPP}` }, `ref: ${INITECH_OPP}`],
      [{ target: INITECH_CASE }, 'the sub-address'],
      [{ orderNumbers: ['SO-104233'] }, 'order number SO-104233'],
    ];
    for (const [spec, label] of named) {
      const d = one(outsider(spec));
      // The Task is still made, on the sender's own Account.
      expect(d.task).toMatchObject({ WhoId: JANE, WhatId: GLOBEX });
      const why = `${label} names a record outside the sender's Account: not used as Related To`;
      expect(d.notes).toContain(why);
      expect(d.task.Description).toContain(`Capture: ${why}`);
    }
  });

  it('never completes or changes a Task another message wrote, nor adds files or relations to it', async () => {
    const crm = new FakeCrm();
    crm.data = world();
    const rep = email({ messageId: '<deal@acme.example>', cc: ['carl@globex.example'] });
    const [logged] = await writeToSalesforce({ org, emails: [rep], crm, backoffMs: 1 });
    expect(logged).toMatchObject({ outcome: 'created' });
    const relationsBefore = [...crm.relations];
    // An outsider reuses the Message-ID, with a file and other people.
    const reuse = outsider({
      messageId: '<deal@acme.example>',
      cc: ['peter@initech.example'],
      attachments: [{ filename: 'malware.pdf', storageKey: 'attachments/acme/x/0' }],
    });
    const attachments = { read: async () => Buffer.from('evil') };
    const [result] = await writeToSalesforce({ org, emails: [reuse], crm, attachments, backoffMs: 1 });
    expect(result).toEqual(
      expect.objectContaining({
        outcome: 'duplicate',
        taskId: logged?.taskId,
        reason: 'another-copy-already-logged',
      }),
    );
    expect(crm.tasks).toHaveLength(1);
    expect(crm.files).toEqual([]);
    expect(crm.relations).toEqual(relationsBefore);
  });
});

describe('a verified internal sender through a forward address', () => {
  it('is the rep’s word: the forwarded original’s sender is the Who, any record may be named', () => {
    const d = one(
      email({
        mode: 'forward',
        verified: true,
        forwardedFrom: 'peter@initech.example',
        text: `ref: ${INITECH_OPP}`,
      }),
    );
    // The shared inbox's owner owns it, as for any forward.
    expect(d.task).toMatchObject({ WhoId: PETER, WhatId: INITECH_OPP, OwnerId: OPS });
  });
});

describe('a repeated Message-ID', () => {
  it('completes an earlier write only for a redelivery of the same stored message', async () => {
    const crm = new FakeCrm();
    crm.data = world();
    crm.fail('attach', ...Array.from({ length: 5 }, () => transient()));
    const mail = email({ messageId: '<short@acme.example>', cc: ['carl@globex.example'] });
    const [first] = await writeToSalesforce({ org, emails: [mail], crm, backoffMs: 1, retries: 1 });
    expect(first).toMatchObject({ outcome: 'failed', retryable: true });
    // Another rep's copy of the same mail (another stored message): one Task, nothing added by it.
    const copy = email({
      messageId: '<short@acme.example>',
      from: 'bob@acme.example',
      cc: ['carl@globex.example'],
    });
    const [other] = await writeToSalesforce({ org, emails: [copy], crm, backoffMs: 1 });
    expect(other).toMatchObject({ outcome: 'duplicate', reason: 'another-copy-already-logged' });
    expect(crm.relations).toEqual([]);
    // The redelivery of the stored message itself adds what its first try could not.
    const [again] = await writeToSalesforce({ org, emails: [mail], crm, backoffMs: 1 });
    expect(again).toMatchObject({ outcome: 'created', reason: 'completed-on-retry', taskId: first?.taskId });
    expect(crm.relations).toEqual([{ taskId: first?.taskId, relationId: CARL }]);
  });

  it('without Capture_Source__c no later delivery completes a Task found by its Message-ID', async () => {
    const crm = new FakeCrm();
    crm.data = world();
    crm.caps.sourceField = false;
    crm.fail('attach', ...Array.from({ length: 5 }, () => transient()));
    const mail = email({ messageId: '<nosource@acme.example>', cc: ['carl@globex.example'] });
    const [first] = await writeToSalesforce({ org, emails: [mail], crm, backoffMs: 1, retries: 1 });
    expect(first).toMatchObject({ outcome: 'failed', retryable: true });
    // Even the same stored message cannot prove it is one: the Task is left as it is.
    const [again] = await writeToSalesforce({ org, emails: [mail], crm, backoffMs: 1 });
    expect(again).toMatchObject({ outcome: 'duplicate', taskId: first?.taskId });
    expect(crm.relations).toEqual([]);
    expect(crm.tasks).toHaveLength(1);
  });
});
