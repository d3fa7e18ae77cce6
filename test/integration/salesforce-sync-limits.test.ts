/**
 * The adapter within a real org's limits, through jsforce against the strict emulator: composites
 * of at most 5 queries or Collections, whole-request refusals read as errors, 50 contacts per
 * Task, Shared Activities off, inactive reps, Lead and What, the org's task statuses, files
 * added on retry after the Task exists, file bytes bounded per request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '#local/salesforce/server.ts';
import { writeToSalesforce } from '#shared/usecases/salesforce-writes.ts';
import {
  captured,
  crmFor,
  jsforceFor,
  MemoryAttachments,
  MIXED_BATCH,
  org,
  rewritingProxy,
  setUp,
  startEmulator,
  wideOrder,
  wideSeed,
  wideSpec,
} from '../support/salesforce.ts';

let emulator: SalesforceEmulator | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await emulator?.close();
  emulator = undefined;
});

async function start(...args: Parameters<typeof startEmulator>) {
  emulator = await startEmulator(...args);
  return emulator;
}

async function readyCrm(url: string) {
  const crm = crmFor(url);
  await setUp(crm);
  return crm;
}

const fast = { backoffMs: 1, retries: 2 };

describe('wide mail within the limits', () => {
  it('syncs 25 wide mails: one Task each, WhoId a contact, WhatId the first order, 50 contacts, no duplicate relation', async () => {
    const sf = await start(wideSeed(25));
    const crm = await readyCrm(sf.url);
    const emails = await Promise.all(Array.from({ length: 25 }, (_, m) => captured(wideSpec(m))));
    const before = sf.apiRequestCount();
    const results = await writeToSalesforce({ org, emails, crm });
    const calls = sf.apiRequestCount() - before;
    expect(results.map((r) => r.outcome)).toEqual(Array(25).fill('created'));
    console.info(`Salesforce API calls for 25 wide mails: ${calls} (${calls / 25}/email)`);
    // Lookups split into composites of 5 queries, one upsert, relations in composites of 5 Collections.
    expect(calls).toBeLessThanOrEqual(8);

    const conn = await jsforceFor(sf.url);
    const tasks = (
      await conn.query<{ Id: string; WhoId: string; WhatId: string; Description: string }>(
        'SELECT Id, WhoId, WhatId, Description FROM Task',
      )
    ).records;
    expect(tasks).toHaveLength(25);
    const contactIds = new Map(
      (
        await conn.query<{ Id: string; Email: string }>("SELECT Id, Email FROM Contact WHERE Email LIKE 'w%'")
      ).records.map((c) => [c.Email, c.Id]),
    );
    const orderIds = new Map(
      (
        await conn.query<{ Id: string; OrderNumber: string }>(
          "SELECT Id, OrderNumber FROM Order WHERE OrderNumber LIKE 'ORD-3%'",
        )
      ).records.map((o) => [o.OrderNumber, o.Id]),
    );
    const relations = sf.records('TaskRelation');
    for (const [m, result] of results.entries()) {
      const task = tasks.find((t) => t.Id === result.taskId)!;
      expect(task.WhoId).toBe(contactIds.get(`w${m}.c0@globex.example`));
      expect(task.WhatId).toBe(orderIds.get(wideOrder(m, 1)));
      const people = relations.filter((r) => r.TaskId === task.Id && r.IsWhat === false);
      expect(people).toHaveLength(50);
      expect(new Set(people.map((r) => r.RelationId)).size).toBe(50);
      expect(people.map((r) => r.RelationId)).toContain(task.WhoId);
      expect(task.Description).toContain(
        `Also with (Salesforce relates at most 50 contacts): ${[50, 51, 52, 53, 54].map((c) => `w${m}.c${c}@globex.example`).join(', ')}`,
      );
    }

    // The same 25 again (a redelivery): duplicates, nothing added twice.
    const again = await writeToSalesforce({ org, emails, crm });
    expect(again.map((r) => r.outcome)).toEqual(Array(25).fill('duplicate'));
    expect(sf.records('Task')).toHaveLength(25);
    expect(sf.records('TaskRelation')).toHaveLength(relations.length);
  });

  it('keeps an ordinary batch of 25 mixed mails to 3 API calls', async () => {
    const sf = await start();
    const crm = await readyCrm(sf.url);
    const files = new MemoryAttachments();
    const emails = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        captured(
          { ...MIXED_BATCH[i % MIXED_BATCH.length]!, messageId: `<ordinary-${i}@acme.example>` },
          files,
        ),
      ),
    );
    const before = sf.apiRequestCount();
    const results = await writeToSalesforce({ org, emails, crm, attachments: files });
    const calls = sf.apiRequestCount() - before;
    console.info(`Salesforce API calls for an ordinary batch of 25: ${calls} (${calls / 25}/email)`);
    expect(results.filter((r) => r.outcome === 'created').length).toBeGreaterThanOrEqual(20);
    // One composite of lookups (with the describes), one Collections upsert, one composite of relations and files.
    expect(calls).toBe(3);
  });

  it('looks up a sub-address Order id with the order numbers, in the same single request', async () => {
    const sf = await start();
    const crm = await readyCrm(sf.url);
    await crm.capabilities();
    const conn = await jsforceFor(sf.url);
    const order = async (n: string) =>
      (await conn.query<{ Id: string }>(`SELECT Id FROM Order WHERE OrderNumber = '${n}'`)).records[0]!.Id;
    const byId = await order('SO-104233');
    const emails = [
      await captured({
        from: 'alice@acme.example',
        to: 'jane.doe@globex.example',
        subject: 'about an order by its id',
        messageId: '<by-id@acme.example>',
        target: byId,
      }),
      await captured({
        from: 'alice@acme.example',
        to: 'jane.doe@globex.example',
        subject: 'Your order ORD-10042',
        messageId: '<by-number@acme.example>',
      }),
    ];
    const before = sf.apiRequestCount();
    const results = await writeToSalesforce({ org, emails, crm, ...fast });
    // One composite of lookups (users, contacts, leads, orders with the id, Tasks), one upsert.
    expect(sf.apiRequestCount() - before).toBe(2);
    const tasks = sf.records('Task');
    expect(tasks.find((t) => t.Id === results[0]?.taskId)).toMatchObject({ WhatId: byId });
    expect(tasks.find((t) => t.Id === results[1]?.taskId)).toMatchObject({
      WhatId: await order('ORD-10042'),
    });
  });

  it('finds every record of a lookup too long for one query, in composites Salesforce accepts', async () => {
    const sf = await start(wideSeed(25));
    const crm = await readyCrm(sf.url);
    await crm.capabilities();
    const people = Array.from(
      { length: 25 * 55 },
      (_, i) => `w${Math.floor(i / 55)}.c${i % 55}@globex.example`,
    );
    const before = sf.apiRequestCount();
    const found = await crm.lookup({
      userEmails: ['alice@acme.example', 'bob@acme.example'],
      personEmails: people,
      orderNumbers: Array.from({ length: 25 * 7 }, (_, i) => wideOrder(Math.floor(i / 7), (i % 7) + 1)),
      orderLookup: { object: 'Order', field: 'OrderNumber' },
      recordIds: [],
      captureIds: Array.from({ length: 800 }, (_, i) => `capture-${i}`.padEnd(40, '0')),
    });
    expect(found.contacts).toHaveLength(25 * 55);
    expect(found.orders).toHaveLength(25 * 7);
    expect(found.users).toHaveLength(2);
    // More than 5 queries (contacts, leads and tasks each need several), so more than one composite.
    expect(sf.apiRequestCount() - before).toBeGreaterThan(1);
  });
});

describe('values no field can hold', () => {
  it('leaves out addresses and order numbers too long to match or with control characters, instead of failing the batch', async () => {
    const sf = await start();
    const crm = await readyCrm(sf.url);
    const long = `${'x'.repeat(5_000)}@evil.example`;
    const found = await crm.lookup({
      userEmails: [long, 'alice@acme.example'],
      personEmails: [long, 'nul\u0000@evil.example', 'cr\r\nlf@evil.example', 'jane.doe@globex.example'],
      orderNumbers: ['9'.repeat(5_000), 'ORD-10042'],
      orderLookup: { object: 'Order', field: 'OrderNumber' },
      recordIds: [],
      captureIds: ['c'.repeat(5_000)],
    });
    expect(found.users.map((u) => u.email)).toEqual(['alice@acme.example']);
    expect(found.contacts.map((c) => c.email)).toEqual(['jane.doe@globex.example']);
    expect(found.orders.map((o) => o.number)).toEqual(['ORD-10042']);
  });
});

describe('whole-request refusals', () => {
  // Adds queries to every composite on its way, so Salesforce refuses it as a whole.
  const overfill = (_method: string, path: string, body: unknown) => {
    const b = body as { compositeRequest?: { method: string; url: string; referenceId: string }[] };
    if (!path.endsWith('/composite') || !b.compositeRequest) return body;
    const extra = Array.from({ length: 5 }, (_, i) => ({
      method: 'GET',
      url: '/services/data/v62.0/query?q=SELECT+Id+FROM+User',
      referenceId: `extra${i}`,
    }));
    return { ...b, compositeRequest: [...b.compositeRequest, ...extra] };
  };

  for (const shape of ['compositeResponse', 'http400'] as const) {
    it(`reads a composite refused as a whole (${shape}) as a permanent error, never as nothing found`, async () => {
      const sf = await start({}, { compositeLimitShape: shape });
      await readyCrm(sf.url);
      const proxy = await rewritingProxy(sf.url, overfill);
      closers.push(proxy.close);
      const crm = crmFor(proxy.url);
      const mail = await captured({
        from: 'alice@acme.example',
        to: 'jane.doe@globex.example',
        subject: 'refused',
        messageId: '<refused@acme.example>',
      });
      const [result] = await writeToSalesforce({ org, emails: [mail], crm, ...fast });
      expect(result).toMatchObject({ outcome: 'failed', retryable: false });
      expect(result?.reason).toMatch(/LIMIT_EXCEEDED/);
      expect(sf.records('Task')).toHaveLength(0);
    });
  }

  it('reads the daily API limit as a retryable failure', async () => {
    const sf = await start({}, { dailyApiLimit: 3 });
    const crm = crmFor(sf.url);
    const mail = await captured({
      from: 'alice@acme.example',
      to: 'jane.doe@globex.example',
      subject: 'limit',
      messageId: '<limit@acme.example>',
    });
    const results = [];
    for (let i = 0; i < 3; i++)
      results.push(...(await writeToSalesforce({ org, emails: [mail], crm, ...fast })));
    const last = results.at(-1);
    expect(last).toMatchObject({ outcome: 'failed', retryable: true });
    expect(last?.reason).toMatch(/REQUEST_LIMIT_EXCEEDED/);
  });
});

describe('record refusals', () => {
  it('fails only the Task Salesforce refuses, and writes the other Tasks of the same request', async () => {
    const sf = await start();
    await readyCrm(sf.url);
    // Takes the dedupe key off one record of the Task upsert, so Salesforce refuses that record.
    let taskWrites = 0;
    const proxy = await rewritingProxy(sf.url, (method, path, body) => {
      if (method !== 'PATCH' || !path.includes('/composite/sobjects/Task/')) return body;
      taskWrites++;
      const b = body as { records: Record<string, unknown>[] };
      const records = b.records.map((r) =>
        String(r.Subject).includes('refused') ? { ...r, Capture_Id__c: '' } : r,
      );
      return { ...b, records };
    });
    closers.push(proxy.close);
    const mail = (subject: string) =>
      captured({
        from: 'alice@acme.example',
        to: 'jane.doe@globex.example',
        subject,
        messageId: `<${subject}@acme.example>`,
      });
    const results = await writeToSalesforce({
      org,
      emails: [await mail('refused'), await mail('written')],
      crm: crmFor(proxy.url),
      ...fast,
    });
    expect(results.map((r) => r.outcome)).toEqual(['failed', 'created']);
    expect(results[0]).toMatchObject({ retryable: false });
    expect(results[0]?.reason).toMatch(/^REQUIRED_FIELD_MISSING/);
    expect(taskWrites).toBe(1);
    expect(sf.records('Task').map((t) => t.Subject)).toEqual([expect.stringContaining('written')]);
  });
});

describe('sessions', () => {
  it('stops with a retryable failure, not a login loop, when every new session is refused', async () => {
    const sf = await start({}, { sessionLifetimeMs: 1 });
    const mail = await captured({
      from: 'alice@acme.example',
      to: 'jane.doe@globex.example',
      subject: 'sessions',
      messageId: '<sessions@acme.example>',
    });
    const [result] = await writeToSalesforce({ org, emails: [mail], crm: crmFor(sf.url), ...fast });
    expect(result).toMatchObject({ outcome: 'failed', retryable: true });
    expect(result?.reason).toMatch(/INVALID_SESSION_ID/);
  });
});

describe('org rules', () => {
  it('relates one contact without Shared Activities and names the others in the Description', async () => {
    const sf = await start({ Organization: [{ SharedActivitiesEnabled: false }] });
    const crm = await readyCrm(sf.url);
    const mail = await captured({
      from: 'alice@acme.example',
      to: 'Jane Doe <jane.doe@globex.example>',
      cc: 'carl@globex.example, peter@initech.example',
      subject: 'no shared activities',
      messageId: '<nosa@acme.example>',
    });
    const [result] = await writeToSalesforce({ org, emails: [mail], crm, ...fast });
    expect(result?.outcome).toBe('created');
    const conn = await jsforceFor(sf.url);
    const [task] = (
      await conn.query<{ WhoId: string; Description: string }>(
        `SELECT WhoId, Description FROM Task WHERE Id = '${result?.taskId}'`,
      )
    ).records;
    const jane = (
      await conn.query<{ Id: string }>("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'")
    ).records[0]?.Id;
    expect(task?.WhoId).toBe(jane);
    expect(task?.Description).toContain(
      'Also with (Shared Activities is off): carl@globex.example, peter@initech.example\n',
    );
  });

  it('gives mail from an inactive rep to the default owner', async () => {
    const sf = await start();
    const crm = await readyCrm(sf.url);
    const mail = await captured({
      from: 'Former Employee <former@acme.example>',
      to: 'jane.doe@globex.example',
      subject: 'from a former rep',
      messageId: '<former@acme.example>',
    });
    const [result] = await writeToSalesforce({ org, emails: [mail], crm, ...fast });
    expect(result?.outcome).toBe('created');
    const conn = await jsforceFor(sf.url);
    const ops = (await conn.query<{ Id: string }>("SELECT Id FROM User WHERE Email = 'ops@acme.example'"))
      .records[0]?.Id;
    const [task] = (
      await conn.query<{ OwnerId: string }>(`SELECT OwnerId FROM Task WHERE Id = '${result?.taskId}'`)
    ).records;
    expect(task?.OwnerId).toBe(ops);
  });

  it('gives the Task to the default owner when the rep is deactivated between lookup and write', async () => {
    const sf = await start();
    await readyCrm(sf.url);
    const conn = await jsforceFor(sf.url);
    const alice = (await conn.query<{ Id: string }>("SELECT Id FROM User WHERE Email = 'alice@acme.example'"))
      .records[0]!.Id;
    let deactivated = false;
    const proxy = await rewritingProxy(sf.url, async (method, path, body) => {
      if (!deactivated && method === 'PATCH' && path.includes('/composite/sobjects/Task/')) {
        deactivated = true;
        await conn.sobject('User').update({ Id: alice, IsActive: false });
      }
      return body;
    });
    closers.push(proxy.close);
    const mail = await captured({
      from: 'alice@acme.example',
      to: 'jane.doe@globex.example',
      subject: 'deactivated meanwhile',
      messageId: '<meanwhile@acme.example>',
    });
    const [result] = await writeToSalesforce({ org, emails: [mail], crm: crmFor(proxy.url), ...fast });
    expect(deactivated).toBe(true);
    expect(result?.outcome).toBe('created');
    const ops = (await conn.query<{ Id: string }>("SELECT Id FROM User WHERE Email = 'ops@acme.example'"))
      .records[0]?.Id;
    expect(sf.records('Task')[0]).toMatchObject({ OwnerId: ops });
  });

  it('writes no WhatId on a Task whose WhoId is a Lead, even when the mail names an order', async () => {
    const sf = await start();
    const crm = await readyCrm(sf.url);
    const mail = await captured({
      from: 'alice@acme.example',
      to: 'Lena Lead <lena.lead@initech.example>',
      subject: 'Your order ORD-10042',
      messageId: '<lead-order@acme.example>',
    });
    const [result] = await writeToSalesforce({ org, emails: [mail], crm, ...fast });
    expect(result?.outcome).toBe('created');
    const conn = await jsforceFor(sf.url);
    const [task] = (
      await conn.query<{ WhoId: string; WhatId: string | null }>(
        `SELECT WhoId, WhatId FROM Task WHERE Id = '${result?.taskId}'`,
      )
    ).records;
    expect(String(task?.WhoId).startsWith('00Q')).toBe(true);
    expect(task?.WhatId).toBeNull();
  });

  it("uses the org's closed task status when it has no Completed", async () => {
    const sf = await start({
      TaskStatus: [
        { MasterLabel: 'Open', ApiName: 'Open', IsClosed: false, IsDefault: true, SortOrder: 1 },
        { MasterLabel: 'Done', ApiName: 'Done', IsClosed: true, IsDefault: false, SortOrder: 2 },
      ],
    });
    const crm = await readyCrm(sf.url);
    const mail = await captured({
      from: 'alice@acme.example',
      to: 'jane.doe@globex.example',
      subject: 'status',
      messageId: '<status@acme.example>',
    });
    const [result] = await writeToSalesforce({ org, emails: [mail], crm, ...fast });
    expect(result?.outcome).toBe('created');
    expect(sf.records('Task')[0]).toMatchObject({ Status: 'Done' });
  });
});

describe('files', () => {
  it('adds the files on retry when they failed after the Task was written', async () => {
    const sf = await start();
    await readyCrm(sf.url);
    let failing = true;
    const proxy = await rewritingProxy(
      sf.url,
      (_m, _p, body) => body,
      (method, path, body) =>
        failing && method === 'POST' && path.endsWith('/composite') && body.includes('ContentVersion')
          ? 503
          : null,
    );
    closers.push(proxy.close);
    const crm = crmFor(proxy.url);
    const files = new MemoryAttachments();
    const mail = await captured(
      {
        from: 'alice@acme.example',
        to: 'jane.doe@globex.example',
        cc: 'carl@globex.example',
        subject: 'quote attached',
        messageId: '<files-retry@acme.example>',
        attachments: [{ filename: '../../quote.pdf', contentType: 'application/pdf', content: '%PDF quote' }],
      },
      files,
    );
    const [first] = await writeToSalesforce({ org, emails: [mail], crm, attachments: files, ...fast });
    expect(first).toMatchObject({ outcome: 'failed', retryable: true });
    expect(sf.records('Task')).toHaveLength(1);
    expect(sf.records('ContentVersion')).toHaveLength(0);

    failing = false;
    const [second] = await writeToSalesforce({ org, emails: [mail], crm, attachments: files, ...fast });
    expect(second).toMatchObject({ outcome: 'created', taskId: sf.records('Task')[0]?.Id });
    const versions = sf.records('ContentVersion');
    expect(versions.map((v) => [v.PathOnClient, v.Title, v.FirstPublishLocationId])).toEqual([
      ['quote.pdf', 'quote', second?.taskId],
    ]);
    const carl = sf.records('TaskRelation').filter((r) => r.TaskId === second?.taskId && r.IsWhat === false);
    expect(carl).toHaveLength(2);

    const [third] = await writeToSalesforce({ org, emails: [mail], crm, attachments: files, ...fast });
    expect(third).toMatchObject({ outcome: 'duplicate', taskId: second?.taskId });
    expect(sf.records('ContentVersion')).toHaveLength(1);
  });

  it('sends files in requests of bounded bytes', async () => {
    const sf = await start();
    const crm = await readyCrm(sf.url);
    const files = new MemoryAttachments();
    const kb = (n: number, c: string) => c.repeat(n * 1024);
    const mail = await captured(
      {
        from: 'alice@acme.example',
        to: 'jane.doe@globex.example',
        subject: 'three files',
        messageId: '<three-files@acme.example>',
        attachments: ['a', 'b', 'c'].map((c) => ({
          filename: `${c}.bin`,
          contentType: 'application/octet-stream',
          content: kb(300, c),
        })),
      },
      files,
    );
    await crm.capabilities();
    const before = sf.apiRequestCount();
    const [result] = await writeToSalesforce({
      org,
      emails: [mail],
      crm,
      attachments: files,
      fileBytesInFlight: 400 * 1024,
      ...fast,
    });
    expect(result?.outcome).toBe('created');
    // Lookup, upsert, then one request per 400 KB group of files.
    expect(sf.apiRequestCount() - before).toBe(5);
    expect(sf.records('ContentVersion').map((v) => v.PathOnClient)).toEqual(['a.bin', 'b.bin', 'c.bin']);
  });
});
