/**
 * Matching past the anchors, through the real adapter (jsforce) against the emulator: a Contact's
 * single open Opportunity, `ref:` record ids, and one address shared by several Contacts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '#local/salesforce/server.ts';
import type { DuplicatePolicy } from '#shared/config/registry.ts';
import { writeToSalesforce } from '#shared/usecases/salesforce-writes.ts';
import {
  captured,
  crmFor,
  jsforceFor,
  type MailSpec,
  MemoryAttachments,
  MIXED_BATCH,
  org,
  setUp,
  startEmulator,
} from '../support/salesforce.ts';

let emulator: SalesforceEmulator;
afterEach(async () => {
  await emulator?.close();
});

async function start(extra: Record<string, Record<string, unknown>[]> = {}) {
  emulator = await startEmulator(extra);
  const crm = crmFor(emulator.url);
  await setUp(crm);
  const conn = await jsforceFor(emulator.url);
  const id = async (soql: string) => (await conn.query<{ Id: string }>(soql)).records[0]!.Id;
  return { crm, conn, id };
}

let n = 0;
const mail = (
  spec: Partial<MailSpec>,
): Promise<ReturnType<typeof captured> extends Promise<infer T> ? T : never> =>
  captured({
    from: 'Alice Rep <alice@acme.example>',
    to: 'carl@globex.example',
    subject: 'Hello',
    messageId: `<match-${++n}@acme.example>`,
    ...spec,
  });

async function taskOf(taskId: string | undefined) {
  const task = emulator.records('Task').find((t) => t.Id === taskId);
  expect(task, 'the Task exists').toBeDefined();
  return task!;
}

describe('a contact’s open opportunity', () => {
  it('becomes the WhatId when it is the contact’s only open one; closed ones are ignored', async () => {
    const { crm, id } = await start();
    const renewal = await id("SELECT Id FROM Opportunity WHERE Name = 'Globex renewal 2027'");
    const globex = await id("SELECT Id FROM Account WHERE Name = 'Globex Corporation'");
    // Carl: renewal (open) and pilot (Closed Won). Jane: the pilot only, which is closed.
    const [carl, jane] = await writeToSalesforce({
      org,
      crm,
      emails: [await mail({ to: 'carl@globex.example' }), await mail({ to: 'jane.doe@globex.example' })],
    });
    expect(carl).toMatchObject({ outcome: 'created', matchedBy: { who: 'single', what: 'opportunity' } });
    expect((await taskOf(carl?.taskId)).WhatId).toBe(renewal);
    expect(jane).toMatchObject({ outcome: 'created', matchedBy: { who: 'single', what: 'account' } });
    expect((await taskOf(jane?.taskId)).WhatId).toBe(globex);
  });

  it('falls back to the account when the contact has two open opportunities', async () => {
    const { crm, id } = await start({
      OpportunityContactRole: [
        { OpportunityId: '@Opportunity:Initech expansion', ContactId: '@Contact:carl@globex.example' },
      ],
    });
    const globex = await id("SELECT Id FROM Account WHERE Name = 'Globex Corporation'");
    const [r] = await writeToSalesforce({ org, crm, emails: [await mail({})] });
    expect(r?.matchedBy).toEqual({ who: 'single', what: 'account' });
    expect((await taskOf(r?.taskId)).WhatId).toBe(globex);
  });

  it('yields to an order number, and costs no request of its own', async () => {
    const { crm, id } = await start();
    const order = await id("SELECT Id FROM Order WHERE OrderNumber = 'ORD-10042'");
    const before = emulator.apiRequestCount();
    const [r] = await writeToSalesforce({ org, crm, emails: [await mail({ subject: 'ORD-10042 shipped' })] });
    expect(r?.matchedBy).toEqual({ who: 'single', what: 'order-number' });
    expect((await taskOf(r?.taskId)).WhatId).toBe(order);
    // One lookup composite and one upsert, as before the rule existed.
    expect(emulator.apiRequestCount() - before).toBe(2);
  });

  it('is looked up even when the lookup already has five queries: the roles ride in the contacts query', async () => {
    const { crm, id } = await start();
    const renewal = await id("SELECT Id FROM Opportunity WHERE Name = 'Globex renewal 2027'");
    const before = emulator.apiRequestCount();
    // Users, contacts, leads, orders and Tasks: five queries, one composite.
    const results = await writeToSalesforce({
      org,
      crm,
      emails: [
        await mail({ to: 'lena.lead@initech.example', subject: 'ORD-10042' }),
        await mail({ to: 'carl@globex.example' }),
      ],
    });
    expect(results[1]?.matchedBy).toEqual({ who: 'single', what: 'opportunity' });
    expect((await taskOf(results[1]?.taskId)).WhatId).toBe(renewal);
    expect(emulator.apiRequestCount() - before).toBe(2);
  });

  it('runs for an ordinary mixed batch of 10 mails, which still costs 3 calls', async () => {
    const { crm, id } = await start();
    const renewal = await id("SELECT Id FROM Opportunity WHERE Name = 'Globex renewal 2027'");
    const files = new MemoryAttachments();
    // The mixed batch, its last mail going to Carl without an order number.
    const specs = [...MIXED_BATCH.slice(0, -1), { ...MIXED_BATCH.at(-1)!, to: 'carl@globex.example' }];
    const emails = await Promise.all(
      specs.map((spec, i) => captured({ ...spec, messageId: `<mixed-${i}@acme.example>` }, files)),
    );
    expect(emails).toHaveLength(10);
    const before = emulator.apiRequestCount();
    const results = await writeToSalesforce({ org, crm, emails, attachments: files });
    // One lookup composite, one Collections upsert, one composite of relations and files.
    expect(emulator.apiRequestCount() - before).toBe(3);
    expect(results.filter((r) => r.matchedBy?.unchecked)).toEqual([]);
    expect(results[9]?.matchedBy).toEqual({ who: 'single', what: 'opportunity' });
    expect((await taskOf(results[9]?.taskId)).WhatId).toBe(renewal);
  });
});

describe('a contact’s open opportunity, when the roles are many', () => {
  it('is not judged on a contact’s roles cut off at the subquery’s limit, and the outcome says so', async () => {
    const roles = Array.from({ length: 100 }, () => ({
      OpportunityId: '@Opportunity:Initech expansion',
      ContactId: '@Contact:peter@initech.example',
    }));
    const { crm, id } = await start({ OpportunityContactRole: roles });
    const initech = await id("SELECT Id FROM Account WHERE Name = 'Initech'");
    const [r] = await writeToSalesforce({ org, crm, emails: [await mail({ to: 'peter@initech.example' })] });
    expect(r?.matchedBy).toEqual({ who: 'single', what: 'account', unchecked: ['opportunity'] });
    expect((await taskOf(r?.taskId)).WhatId).toBe(initech);
  });
});

describe('a contact’s open opportunity, when the roles fill more than one page', () => {
  it('reads the rest of the contacts answer, so no contact is missed', async () => {
    // 25 contacts with 99 roles each: 2,500 rows, more than one page of 2,000.
    const emails = Array.from({ length: 25 }, (_, i) => `buyer${i}@globex.example`);
    const { crm, id } = await start({
      Contact: emails.map((Email, i) => ({
        LastName: `Buyer ${i}`,
        Email,
        AccountId: '@Account:Globex Corporation',
      })),
      OpportunityContactRole: emails.flatMap((email) =>
        Array.from({ length: 99 }, () => ({
          OpportunityId: '@Opportunity:Globex renewal 2027',
          ContactId: `@Contact:${email}`,
        })),
      ),
    });
    const renewal = await id("SELECT Id FROM Opportunity WHERE Name = 'Globex renewal 2027'");
    const before = emulator.apiRequestCount();
    const results = await writeToSalesforce({
      org,
      crm,
      emails: await Promise.all(emails.map((to) => mail({ to }))),
    });
    expect(results.map((r) => r.matchedBy)).toEqual(
      emails.map(() => ({ who: 'single', what: 'opportunity' })),
    );
    for (const r of results) expect((await taskOf(r.taskId)).WhatId).toBe(renewal);
    // The lookup composite, one more page of contacts, the upsert.
    expect(emulator.apiRequestCount() - before).toBe(3);
  });
});

describe('ref: record ids', () => {
  it('name the record in the subject or body, before an order number; checksum and existence are checked', async () => {
    const { crm, id } = await start();
    const renewal = await id("SELECT Id FROM Opportunity WHERE Name = 'Globex renewal 2027'");
    const expansion = await id("SELECT Id FROM Opportunity WHERE Name = 'Initech expansion'");
    const order = await id("SELECT Id FROM Order WHERE OrderNumber = 'ORD-10042'");
    const globex = await id("SELECT Id FROM Account WHERE Name = 'Globex Corporation'");
    const badChecksum = `${expansion.slice(0, 15)}ZZZ`;
    const missing = '801000000009999AAA';
    const results = await writeToSalesforce({
      org,
      crm,
      emails: [
        await mail({ subject: `Renewal ref: ${renewal}`, body: 'See ORD-10042.' }),
        await mail({ body: `Hello,\nabout the expansion (ref:${expansion.slice(0, 15)}).\n` }),
        await mail({ to: 'jane.doe@globex.example', body: `ref: ${badChecksum} and ref: ${missing}` }),
        await mail({ to: 'jane.doe@globex.example', body: `${'x'.repeat(5_000)} ref: ${order}` }),
      ],
    });
    expect(results.map((r) => r.matchedBy?.what)).toEqual(['ref', 'ref', 'account', 'account']);
    const whats = await Promise.all(results.map(async (r) => (await taskOf(r.taskId)).WhatId));
    expect(whats).toEqual([renewal, expansion, globex, globex]);
  });

  it('comes after the sub-address the rep chose', async () => {
    const { crm, id } = await start();
    const renewal = await id("SELECT Id FROM Opportunity WHERE Name = 'Globex renewal 2027'");
    const order = await id("SELECT Id FROM Order WHERE OrderNumber = 'SO-104233'");
    const [r] = await writeToSalesforce({
      org,
      crm,
      emails: [await mail({ target: order, body: `ref: ${renewal}` })],
    });
    expect(r?.matchedBy?.what).toBe('sub-address');
    expect((await taskOf(r?.taskId)).WhatId).toBe(order);
  });
});

describe('one address, several contacts', () => {
  const shared = 'orders@customer.example';
  const seed = (extra: Record<string, unknown> = {}) => ({
    Contact: [
      { LastName: 'Orders Globex', Email: shared, AccountId: '@Account:Globex Corporation', ...extra },
      { LastName: 'Orders Initech', Email: shared, AccountId: '@Account:Initech' },
    ],
  });
  const orgWith = (duplicates: DuplicatePolicy) => ({ ...org, matching: { duplicates } });

  it('prefers the contact whose account owns the order the mail names', async () => {
    const { crm, id } = await start(seed());
    const initechContact = await id("SELECT Id FROM Contact WHERE LastName = 'Orders Initech'");
    const order = await id("SELECT Id FROM Order WHERE OrderNumber = 'SO-104233'");
    const [r] = await writeToSalesforce({
      org,
      crm,
      emails: [await mail({ to: shared, subject: 'SO-104233' })],
    });
    expect(r?.matchedBy).toEqual({ who: 'context', what: 'order-number' });
    const task = await taskOf(r?.taskId);
    expect(task.WhoId).toBe(initechContact);
    expect(task.WhatId).toBe(order);
  });

  it('prefers the contact of the record a ref: names', async () => {
    const { crm, id } = await start(seed());
    const initechContact = await id("SELECT Id FROM Contact WHERE LastName = 'Orders Initech'");
    const expansion = await id("SELECT Id FROM Opportunity WHERE Name = 'Initech expansion'");
    const [r] = await writeToSalesforce({
      org,
      crm,
      emails: [await mail({ to: shared, body: `ref: ${expansion}` })],
    });
    expect(r?.matchedBy).toEqual({ who: 'context', what: 'ref' });
    expect((await taskOf(r?.taskId)).WhoId).toBe(initechContact);
  });

  it('takes the oldest without context (the default policy)', async () => {
    const { crm, id } = await start(seed());
    const globexContact = await id("SELECT Id FROM Contact WHERE LastName = 'Orders Globex'");
    const [r] = await writeToSalesforce({ org, crm, emails: [await mail({ to: shared })] });
    expect(r?.matchedBy?.who).toBe('policy:oldest');
    expect((await taskOf(r?.taskId)).WhoId).toBe(globexContact);
    expect(emulator.records('TaskRelation').filter((x) => x.TaskId === r?.taskId && !x.IsWhat)).toHaveLength(
      1,
    );
  });

  it('takes the one with the most recent activity under most-recent-activity', async () => {
    // LastActivityDate is derived from the contacts' closed tasks and events, as Salesforce does.
    const { crm, id } = await start({
      ...seed(),
      Task: [
        { Subject: 'Old call', Status: 'Completed', ActivityDate: '2026-01-10', WhoId: `@Contact:${shared}` },
        // Open: does not count towards LastActivityDate.
        { Subject: 'To do', Status: 'Not Started', ActivityDate: '2026-12-01', WhoId: `@Contact:${shared}` },
      ],
    });
    const globexContact = await id("SELECT Id FROM Contact WHERE LastName = 'Orders Globex'");
    const initechContact = await id("SELECT Id FROM Contact WHERE LastName = 'Orders Initech'");
    const conn = await jsforceFor(emulator.url);
    // The seed's tasks went to one of the two (the first with the address); move the older one to Globex's.
    const tasks = (await conn.query<{ Id: string; Subject: string }>('SELECT Id, Subject FROM Task')).records;
    await conn
      .sobject('Task')
      .update(
        tasks.map((t) => ({ Id: t.Id, WhoId: t.Subject === 'Old call' ? globexContact : initechContact })),
      );
    await conn.sobject('Event').create({
      Subject: 'Visit',
      StartDateTime: '2026-11-02T09:00:00.000Z',
      EndDateTime: '2026-11-02T10:00:00.000Z',
      WhoId: initechContact,
    });
    const policy = orgWith('most-recent-activity');
    const [r] = await writeToSalesforce({ org: policy, crm, emails: [await mail({ to: shared })] });
    expect(r, JSON.stringify(r)).toMatchObject({ outcome: 'created' });
    expect(r?.matchedBy?.who).toBe('policy:most-recent-activity');
    expect((await taskOf(r?.taskId)).WhoId).toBe(initechContact);
    // Under the default policy the oldest contact would have been chosen.
    const [oldest] = await writeToSalesforce({ org, crm, emails: [await mail({ to: shared })] });
    expect((await taskOf(oldest?.taskId)).WhoId).toBe(globexContact);
  });

  it('relates every contact with the address under all, the oldest as WhoId', async () => {
    const { crm, id } = await start(seed());
    const globexContact = await id("SELECT Id FROM Contact WHERE LastName = 'Orders Globex'");
    const initechContact = await id("SELECT Id FROM Contact WHERE LastName = 'Orders Initech'");
    const [r] = await writeToSalesforce({ org: orgWith('all'), crm, emails: [await mail({ to: shared })] });
    expect(r?.matchedBy?.who).toBe('policy:all');
    expect((await taskOf(r?.taskId)).WhoId).toBe(globexContact);
    const related = emulator
      .records('TaskRelation')
      .filter((x) => x.TaskId === r?.taskId && !x.IsWhat)
      .map((x) => x.RelationId);
    expect(related.sort()).toEqual([globexContact, initechContact].sort());
  });
});
