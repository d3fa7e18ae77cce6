/** The sync use case through the real adapter (jsforce) against the Salesforce emulator. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '#local/salesforce/server.ts';
import type { DedupeLedger, LedgerEntry } from '#shared/ports/dedupe-ledger.ts';
import { writeToSalesforce } from '#shared/usecases/salesforce-writes.ts';
import {
  captured,
  crmFor,
  jsforceFor,
  MemoryAttachments,
  mixedBatch,
  org,
  setUp,
} from '../support/salesforce.ts';

let emulator: SalesforceEmulator;
let setupDone = false;

async function setup(withFields = true) {
  const crm = crmFor(emulator.url);
  if (withFields) await setUp(crm);
  setupDone = withFields;
  return crm;
}

beforeEach(async () => {
  const { startEmulator } = await import('../support/salesforce.ts');
  emulator = await startEmulator();
});
afterEach(async () => {
  await emulator.close();
});

async function ids() {
  const conn = await jsforceFor(emulator.url);
  const one = async (soql: string) => (await conn.query<{ Id: string }>(soql)).records[0]?.Id ?? null;
  return {
    conn,
    alice: await one("SELECT Id FROM User WHERE Email = 'alice@acme.example'"),
    bob: await one("SELECT Id FROM User WHERE Email = 'bob@acme.example'"),
    ops: await one("SELECT Id FROM User WHERE Email = 'ops@acme.example'"),
    jane: await one("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'"),
    sean: await one("SELECT Id FROM Contact WHERE Email = 'o\\'brien@globex.example'"),
    carl: await one("SELECT Id FROM Contact WHERE Email = 'carl@globex.example'"),
    lena: await one("SELECT Id FROM Lead WHERE Email = 'lena.lead@initech.example'"),
    globex: await one("SELECT Id FROM Account WHERE Name = 'Globex Corporation'"),
    order10042: await one("SELECT Id FROM Order WHERE OrderNumber = 'ORD-10042'"),
    orderSo: await one("SELECT Id FROM Order WHERE OrderNumber = 'SO-104233'"),
  };
}

describe('sync to Salesforce', () => {
  it('turns a mixed batch into exactly the Tasks the mapping rules describe', async () => {
    const crm = await setup();
    const files = new MemoryAttachments();
    const batch = [
      await captured({
        from: 'Alice Rep <alice@acme.example>',
        to: 'Jane Doe <jane.doe@globex.example>',
        cc: 'carl@globex.example',
        subject: 'Your order ORD-10042',
        messageId: '<m1@acme.example>',
        body: 'It ships Monday.',
      }),
      // The same message BCC'd by a second rep: one Task.
      await captured({
        from: 'Bob Rep <bob@acme.example>',
        to: 'Jane Doe <jane.doe@globex.example>',
        subject: 'Your order ORD-10042',
        messageId: '<m1@acme.example>',
      }),
      await captured({
        from: 'Alice Rep <alice@acme.example>',
        to: 'acme-inbox-3n8v5t2r6y1z@capture.example.com',
        subject: 'Fwd: delivery',
        messageId: '<m2@acme.example>',
        mode: 'forward',
        // A rep forwarding to the shared inbox, proven by SES's verdicts: the original's sender is the Who.
        verified: true,
        body: "FYI\n\n---------- Forwarded message ---------\nFrom: Sean O'Brien <o'brien@globex.example>\nDate: Mon, 16 Nov 2026 at 10:12\nSubject: delivery\nTo: Alice Rep <alice@acme.example>\n\nWhere is my order?",
      }),
      await captured({
        from: 'Lena Lead <lena.lead@initech.example>',
        to: 'orders@acme.example',
        subject: 'Quote please',
        messageId: '<m3@initech.example>',
        mode: 'forward',
      }),
      await captured({
        from: 'Bob Rep <bob@acme.example>',
        to: 'nobody@unknown.example',
        subject: 'Hello stranger',
        messageId: '<m4@acme.example>',
      }),
      await captured(
        {
          from: 'Bob Rep <bob@acme.example>',
          to: 'peter@initech.example',
          subject: 'Re: your PO',
          messageId: '<m5@acme.example>',
          target: 'SO-104233',
          attachments: [
            { filename: 'quote.pdf', contentType: 'application/pdf', content: '%PDF-1.4 quote' },
            { filename: 'logo.png', contentType: 'image/png', content: 'PNGDATA', inline: true },
          ],
        },
        files,
      ),
    ];
    const results = await writeToSalesforce({ org, emails: batch, crm, attachments: files });
    const id = await ids();
    expect(results.map((r) => r.outcome)).toEqual([
      'created',
      'duplicate',
      'created',
      'created',
      'unmatched',
      'created',
    ]);
    expect(results[1]?.taskId).toBe(results[0]?.taskId);

    const tasks = (
      await id.conn.query<Record<string, unknown>>(
        'SELECT Id, Subject, OwnerId, WhoId, WhatId, TaskSubtype, Status, ActivityDate, Description, Capture_Id__c, Order_Numbers__c FROM Task ORDER BY CreatedDate',
      )
    ).records;
    expect(tasks).toHaveLength(4);
    const byId = new Map(tasks.map((t) => [t.Id, t]));
    expect(byId.get(results[0]!.taskId!)).toMatchObject({
      Subject: 'Email: Your order ORD-10042',
      OwnerId: id.alice,
      WhoId: id.jane,
      WhatId: id.order10042,
      TaskSubtype: 'Email',
      Status: 'Completed',
      ActivityDate: '2026-11-17',
      Order_Numbers__c: 'ORD-10042',
    });
    expect(String(byId.get(results[0]!.taskId!)?.Description)).toMatch(
      /^From: Alice Rep <alice@acme.example>\nTo: Jane Doe <jane.doe@globex.example>\nCc: carl@globex.example\n/,
    );
    // Forward: the original sender is credited; the default owner owns it; the contact's account is the What.
    expect(byId.get(results[2]!.taskId!)).toMatchObject({
      OwnerId: id.ops,
      WhoId: id.sean,
      WhatId: id.globex,
      // ActivityDate is the date of the message Capture received (the forward), in UTC.
      ActivityDate: '2026-11-17',
    });
    // Lead: no WhatId (Salesforce forbids one with a Lead).
    expect(byId.get(results[3]!.taskId!)).toMatchObject({ OwnerId: id.ops, WhoId: id.lena, WhatId: null });
    // Sub-address target wins.
    expect(byId.get(results[5]!.taskId!)).toMatchObject({ OwnerId: id.bob, WhatId: id.orderSo });

    // Carl (Cc) is related through TaskRelation; the quote is a File on the Task; the inline logo is not.
    // Salesforce relates each Task's WhoId and WhatId itself (Shared Activities); Capture adds Carl.
    const first = results[0]!.taskId;
    const relations = emulator.records('TaskRelation').filter((r) => r.TaskId === first);
    expect(relations.map((r) => r.RelationId).sort()).toEqual([id.jane, id.order10042, id.carl].sort());
    expect(relations.find((r) => r.RelationId === id.carl)).toMatchObject({ IsWhat: false });
    const links = emulator
      .records('ContentDocumentLink')
      .filter((l) => l.LinkedEntityId === results[5]!.taskId);
    expect(links).toHaveLength(1);
    const versions = emulator.records('ContentVersion');
    expect(versions.map((v) => v.PathOnClient)).toEqual(['quote.pdf']);
    expect(Buffer.from(String(versions[0]?.VersionData), 'base64').toString()).toBe('%PDF-1.4 quote');
  });

  it('BCC to a lead, inbound mail to a rep, and a Lead made for a stranger under create-lead', async () => {
    const crm = await setup();
    const emails = [
      await captured({
        from: 'Alice Rep <alice@acme.example>',
        to: 'Lena Lead <lena.lead@initech.example>',
        subject: 'Intro call',
        messageId: '<lead-bcc@acme.example>',
      }),
      await captured({
        from: 'Jane Doe <jane.doe@globex.example>',
        to: 'Bob Rep <bob@acme.example>',
        subject: 'Re: Intro',
        messageId: '<inbound@globex.example>',
      }),
      await captured({
        from: 'Alice Rep <alice@acme.example>',
        to: 'Pat Smith <pat.smith@newco.example>',
        subject: 'Hello Pat',
        messageId: '<stranger@acme.example>',
      }),
    ];
    const results = await writeToSalesforce({ org: { ...org, unmatched: 'create-lead' }, emails, crm });
    expect(results.map((r) => r.outcome)).toEqual(['created', 'created', 'created']);
    const id = await ids();
    const task = async (taskId: string | undefined) =>
      (
        await id.conn.query<Record<string, unknown>>(
          `SELECT OwnerId, WhoId, WhatId, Subject FROM Task WHERE Id = '${taskId}'`,
        )
      ).records[0];
    expect(await task(results[0]?.taskId)).toMatchObject({ OwnerId: id.alice, WhoId: id.lena, WhatId: null });
    expect(await task(results[1]?.taskId)).toMatchObject({
      OwnerId: id.bob,
      WhoId: id.jane,
      WhatId: id.globex,
    });
    const pat = (
      await id.conn.query<Record<string, unknown>>(
        "SELECT Id, FirstName, LastName, Company, LeadSource FROM Lead WHERE Email = 'pat.smith@newco.example'",
      )
    ).records;
    expect(pat).toEqual([
      expect.objectContaining({ FirstName: 'Pat', LastName: 'Smith', Company: 'newco', LeadSource: 'Email' }),
    ]);
    expect(await task(results[2]?.taskId)).toMatchObject({
      OwnerId: id.alice,
      WhoId: pat[0]?.Id,
      Subject: 'Email: Hello Pat',
    });
  });

  it('makes one Task per message across batches and redeliveries', async () => {
    const crm = await setup();
    const mail = await captured({
      from: 'alice@acme.example',
      to: 'jane.doe@globex.example',
      subject: 'Once',
      messageId: '<once@acme.example>',
    });
    const first = await writeToSalesforce({ org, emails: [mail], crm });
    const again = await writeToSalesforce({ org, emails: [mail, mail], crm });
    expect(first[0]).toMatchObject({ outcome: 'created' });
    expect(again.map((r) => r.outcome)).toEqual(['duplicate', 'duplicate']);
    expect(again[0]?.taskId).toBe(first[0]?.taskId);
    expect(emulator.records('Task')).toHaveLength(1);
  });

  it('deduplicates with the ledger when Capture_Id__c does not exist', async () => {
    const crm = await setup(false);
    const claimed = new Map<string, LedgerEntry>();
    const ledger: DedupeLedger = {
      claim: async (_o, c) => {
        if (claimed.has(c)) return false;
        claimed.set(c, { state: 'pending' });
        return true;
      },
      complete: async (_o, c, taskId, source) => void claimed.set(c, { state: 'done', taskId, source }),
      release: async (_o, c) => void claimed.delete(c),
      get: async (_o, c) => claimed.get(c) ?? null,
    };
    const mail = await captured({
      from: 'alice@acme.example',
      to: 'jane.doe@globex.example',
      subject: 'No field',
      messageId: '<nofield@acme.example>',
    });
    const first = await writeToSalesforce({ org, emails: [mail], crm, ledger });
    const second = await writeToSalesforce({ org, emails: [mail], crm, ledger });
    expect(first[0]?.outcome).toBe('created');
    expect(second[0]).toMatchObject({ outcome: 'duplicate', taskId: first[0]?.taskId });
    expect(emulator.records('Task')).toHaveLength(1);
    expect(setupDone).toBe(false);
  });

  it('uses at most 0.4 API calls per email for a batch of 10 mixed messages', async () => {
    const crm = await setup();
    const files = new MemoryAttachments();
    const emails = await mixedBatch(files);
    emails[9] = { ...emails[0]! }; // a duplicate inside the batch
    const before = emulator.apiRequestCount();
    const results = await writeToSalesforce({ org, emails, crm, attachments: files });
    const calls = emulator.apiRequestCount() - before;
    expect(results.filter((r) => r.outcome === 'created')).toHaveLength(8);
    expect(results[0]?.apiCalls).toBe(calls);
    // Measured: 3 requests (composite lookups + describe, Collections upsert, composite of relations
    // and files) for 10 messages = 0.3 per email.
    console.info(
      `Salesforce API calls for a batch of ${emails.length}: ${calls} (${calls / emails.length}/email)`,
    );
    expect(calls).toBe(3);
    expect(calls / emails.length).toBeLessThanOrEqual(0.4);
  });

  it('keeps hostile addresses and order numbers inside their SOQL literals', async () => {
    const crm = await setup();
    const hostile = [
      "x' OR Email LIKE '%",
      "a\\' OR Name != '",
      "o'brien@globex.example' OR LastName LIKE '%",
      "robert'); DELETE FROM Contact; --@x.example",
    ];
    const found = await crm.lookup({
      userEmails: hostile,
      personEmails: [...hostile, "o'brien@globex.example"],
      orderNumbers: ["ORD-1' OR OrderNumber LIKE '%", 'SELECT Id FROM Order', '\\'],
      orderLookup: { object: 'Order', field: 'OrderNumber' },
      recordIds: [],
      captureIds: ["' OR Capture_Id__c != '"],
    });
    expect(found.users).toEqual([]);
    expect(found.contacts.map((c) => c.email)).toEqual(["o'brien@globex.example"]);
    expect(found.leads).toEqual([]);
    expect(found.orders).toEqual([]);
    expect(found.tasks).toEqual([]);
  });

  it('reports a Task Salesforce rejects as a permanent failure with its error code', async () => {
    const crm = await setup();
    const conn = await jsforceFor(emulator.url);
    const alice = (await conn.query<{ Id: string }>("SELECT Id FROM User WHERE Email = 'alice@acme.example'"))
      .records[0]!.Id;
    await conn.sobject('User').update({ Id: alice, IsActive: false });
    // No active rep User and no default owner: an operator must fix the org, retrying cannot help.
    const results = await writeToSalesforce({
      org: { ...org, defaultOwnerEmail: 'nobody@acme.example' },
      emails: [
        await captured({
          from: 'alice@acme.example',
          to: 'jane.doe@globex.example',
          subject: 'x',
          messageId: '<x@acme.example>',
        }),
      ],
      crm,
    });
    expect(results[0]).toMatchObject({ outcome: 'failed', retryable: false });
  });
});

describe('faults', () => {
  it('retries transient faults and still makes one Task per message', async () => {
    const crm = await setup();
    emulator.setFaults({
      rates: { SERVER_ERROR: 0.2, REQUEST_LIMIT_EXCEEDED: 0.1, UNABLE_TO_LOCK_ROW: 0.2 },
      seed: 7,
    });
    const emails = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        captured({
          from: 'alice@acme.example',
          to: 'jane.doe@globex.example',
          subject: `F${i}`,
          messageId: `<f${i}@acme.example>`,
        }),
      ),
    );
    let results = await writeToSalesforce({ org, emails, crm, backoffMs: 5, retries: 5 });
    // Whatever still failed is retryable; a redelivery finishes the job without duplicates.
    for (let round = 0; round < 5 && results.some((r) => r.outcome === 'failed'); round++) {
      expect(results.filter((r) => r.outcome === 'failed').every((r) => r.retryable)).toBe(true);
      const again = await writeToSalesforce({ org, emails, crm, backoffMs: 5, retries: 5 });
      results = again;
    }
    emulator.setFaults({});
    expect(emulator.faultsInjected()).toBeGreaterThan(0);
    expect(emulator.records('Task')).toHaveLength(6);
    expect(new Set(emulator.records('Task').map((t) => t.Capture_Id__c)).size).toBe(6);
  });

  it('authorises again when the session expires', async () => {
    const crm = await setup();
    emulator.expireSessions();
    const results = await writeToSalesforce({
      org,
      emails: [
        await captured({
          from: 'alice@acme.example',
          to: 'jane.doe@globex.example',
          subject: 'after expiry',
          messageId: '<exp@acme.example>',
        }),
      ],
      crm,
    });
    expect(results[0]?.outcome).toBe('created');
  });

  it('surfaces a persistent outage as a retryable failure, not a crash', async () => {
    const crm = await setup();
    emulator.setFaults({ rates: { SERVER_ERROR: 1 } });
    const results = await writeToSalesforce({
      org,
      emails: [
        await captured({
          from: 'alice@acme.example',
          to: 'jane.doe@globex.example',
          subject: 'down',
          messageId: '<down@acme.example>',
        }),
      ],
      crm,
      backoffMs: 1,
      retries: 2,
    });
    expect(results[0]).toMatchObject({ outcome: 'failed', retryable: true });
    expect(results[0]?.reason).toMatch(/SERVER_UNAVAILABLE/);
  });

  it('treats bad credentials as permanent', async () => {
    const crm = (await import('#shared/adapters/salesforce/index.ts')).createSalesforceCrm({
      credentials: {
        authFlow: 'client-credentials',
        loginUrl: emulator.url,
        clientId: 'local',
        clientSecret: 'wrong',
      },
    });
    const results = await writeToSalesforce({
      org,
      emails: [
        await captured({
          from: 'alice@acme.example',
          to: 'jane.doe@globex.example',
          subject: 'x',
          messageId: '<cred@acme.example>',
        }),
      ],
      crm,
      backoffMs: 1,
    });
    expect(results[0]).toMatchObject({ outcome: 'failed', retryable: false });
    expect(results[0]?.reason).toMatch(/SALESFORCE_AUTH_FAILED/);
  });
});
