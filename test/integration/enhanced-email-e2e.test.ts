/**
 * Enhanced Email through the whole local pipeline: an org with `salesforce.enhancedEmail: true`
 * logs each mail as an EmailMessage; the emulator, like a real org, creates the message's Task
 * itself, and Capture updates that Task (owner, who, what, Capture_Id__c, order numbers) instead
 * of creating a second one. EmailMessageRelation rows name the matched people. Exactly once holds
 * for redelivery and for two reps BCCing the same mail. An org without the setting keeps Tasks.
 */
import type { SendMailOptions } from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { useE2e } from '../support/e2e.ts';

const ENHANCED = 'globex-m3n7b2v9c4x8@capture.localhost';
const PLAIN = 'acme-k7q2m9x4p8w3@capture.localhost';
const INBOX = 'globex-inbox-p5l8k2j7h4g1@capture.localhost';

const org = (id: string, token: string, extra: object) => ({
  id,
  internalDomains: ['acme.example'],
  addresses: [{ token, mode: 'bcc' }],
  defaultOwnerEmail: 'ops@acme.example',
  orderNumbers: { patterns: ['\\bORD-\\d{5,8}\\b'] },
  ...extra,
});
const e2e = useE2e({
  allowTestVerdicts: true,
  registry: {
    captureDomain: 'capture.localhost',
    orgs: [
      org('acme', 'acme-k7q2m9x4p8w3', {}),
      org('globex', 'globex-m3n7b2v9c4x8', {
        salesforce: { enhancedEmail: true },
        addresses: [
          { token: 'globex-m3n7b2v9c4x8', mode: 'bcc' },
          { token: 'globex-inbox-p5l8k2j7h4g1', mode: 'forward' },
        ],
      }),
    ],
  },
});
const send = (message: SendMailOptions, to = ENHANCED) =>
  e2e.send({ envelope: { from: 'alice@acme.example', to: [to] }, ...message });
const outcomesOf = e2e.outcomesOf.bind(e2e);
const idOf = e2e.idOf.bind(e2e);

interface MessageRow {
  Id: string;
  ActivityId: string;
  FromAddress: string;
  ToAddress: string;
  CcAddress: string | null;
  Subject: string;
  TextBody: string;
  MessageDate: string;
  MessageIdentifier: string;
  ThreadIdentifier: string;
  Incoming: boolean;
  Status: string;
}

const ORDER_MAIL: SendMailOptions = {
  from: 'Alice Rep <alice@acme.example>',
  to: 'Jane Doe <jane.doe@globex.example>',
  cc: "Sean O'Brien <o'brien@globex.example>, Nobody <nobody@elsewhere.example>",
  subject: 'Your order ORD-10042: delivery next Tuesday',
  messageId: '<ee-order-1@acme.example>',
  references: ['<ee-thread-root@globex.example>'],
  inReplyTo: '<ee-thread-root@globex.example>',
  date: new Date('2026-11-20T10:15:00Z'),
  text: 'Hi Jane,\n\nyour order ORD-10042 ships on Monday.\n\nAlice',
};

describe('Enhanced Email through the local pipeline', () => {
  it("logs an EmailMessage whose own Task gets Capture's fields, with one relation per person", async () => {
    await send(ORDER_MAIL);
    const [outcome] = await outcomesOf('<ee-order-1@acme.example>');
    expect(outcome).toMatchObject({ outcome: 'created' });
    const messages = (
      await e2e.sf.query<MessageRow>(
        "SELECT Id, ActivityId, FromAddress, ToAddress, CcAddress, Subject, TextBody, MessageDate, MessageIdentifier, ThreadIdentifier, Incoming, Status FROM EmailMessage WHERE MessageIdentifier = '<ee-order-1@acme.example>'",
      )
    ).records;
    expect(messages).toHaveLength(1);
    const message = messages[0]!;
    expect(message).toMatchObject({
      ActivityId: outcome?.taskId,
      FromAddress: 'alice@acme.example',
      ToAddress: 'jane.doe@globex.example',
      CcAddress: "o'brien@globex.example; nobody@elsewhere.example",
      Subject: 'Your order ORD-10042: delivery next Tuesday',
      ThreadIdentifier: '<ee-thread-root@globex.example>',
      Incoming: false,
      Status: '3',
    });
    expect(message.TextBody).toContain('ships on Monday');
    expect(message.MessageDate).toMatch(/^2026-11-20T10:15:00/);

    // Exactly one Task for the mail: the one Salesforce created, with Capture's fields on it.
    const tasks = (
      await e2e.sf.query<{
        Id: string;
        OwnerId: string;
        WhoId: string;
        WhatId: string;
        TaskSubtype: string;
        Capture_Id__c: string;
        Order_Numbers__c: string;
      }>(
        "SELECT Id, OwnerId, WhoId, WhatId, TaskSubtype, Capture_Id__c, Order_Numbers__c FROM Task WHERE Subject LIKE '%ORD-10042%'",
      )
    ).records;
    expect(tasks).toHaveLength(1);
    const jane = await idOf("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'");
    const sean = await idOf("SELECT Id FROM Contact WHERE Email = 'o\\'brien@globex.example'");
    const alice = await idOf("SELECT Id FROM User WHERE Email = 'alice@acme.example'");
    expect(tasks[0]).toMatchObject({
      Id: message.ActivityId,
      OwnerId: alice,
      WhoId: jane,
      WhatId: await idOf("SELECT Id FROM Order WHERE OrderNumber = 'ORD-10042'"),
      TaskSubtype: 'Email',
      Order_Numbers__c: 'ORD-10042',
    });
    expect(tasks[0]!.Capture_Id__c).toMatch(/^[0-9a-f]{40}$/);
    const related = (
      await e2e.sf.query<{ RelationId: string }>(
        `SELECT RelationId FROM TaskRelation WHERE TaskId = '${message.ActivityId}' AND IsWhat = false`,
      )
    ).records.map((r) => r.RelationId);
    expect(related).toEqual(expect.arrayContaining([jane, sean]));

    const rows = (
      await e2e.sf.query<{ RelationId: string | null; RelationAddress: string; RelationType: string }>(
        `SELECT RelationId, RelationAddress, RelationType FROM EmailMessageRelation WHERE EmailMessageId = '${message.Id}'`,
      )
    ).records;
    const byAddress = Object.fromEntries(rows.map((r) => [r.RelationAddress, r]));
    expect(rows).toHaveLength(4);
    expect(byAddress['alice@acme.example']).toMatchObject({ RelationId: alice, RelationType: 'FromAddress' });
    expect(byAddress['jane.doe@globex.example']).toMatchObject({
      RelationId: jane,
      RelationType: 'ToAddress',
    });
    expect(byAddress["o'brien@globex.example"]).toMatchObject({
      RelationId: sean,
      RelationType: 'CcAddress',
    });
    expect(byAddress['nobody@elsewhere.example']).toMatchObject({
      RelationId: null,
      RelationType: 'CcAddress',
    });
  });

  it('stays one EmailMessage and one Task for a redelivery and a second rep BCCing the same mail', async () => {
    await send(ORDER_MAIL);
    await send({ ...ORDER_MAIL, from: 'Bob Rep <bob@acme.example>' });
    const outcomes = await outcomesOf('<ee-order-1@acme.example>');
    expect(outcomes.filter((o) => o.outcome === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'duplicate').length).toBeGreaterThanOrEqual(1);
    const messages = await e2e.sf.query(
      "SELECT Id FROM EmailMessage WHERE MessageIdentifier = '<ee-order-1@acme.example>'",
    );
    expect(messages.totalSize).toBe(1);
    expect((await e2e.sf.query("SELECT Id FROM Task WHERE Subject LIKE '%ORD-10042%'")).totalSize).toBe(1);
  });

  it('marks a customer mail routed in by a rule as incoming and read', async () => {
    await send(
      {
        envelope: { from: 'jane.doe@globex.example', to: [INBOX] },
        from: 'Jane Doe <jane.doe@globex.example>',
        to: 'Alice Rep <alice@acme.example>',
        subject: 'Question about delivery',
        messageId: '<ee-inbound-1@globex.example>',
        text: 'Can you deliver on Friday?',
      },
      INBOX,
    );
    const [outcome] = await outcomesOf('<ee-inbound-1@globex.example>');
    expect(outcome).toMatchObject({ outcome: 'created' });
    const [message] = (
      await e2e.sf.query<MessageRow>(
        "SELECT Id, ActivityId, Incoming, Status FROM EmailMessage WHERE MessageIdentifier = '<ee-inbound-1@globex.example>'",
      )
    ).records;
    expect(message).toMatchObject({ ActivityId: outcome?.taskId, Incoming: true, Status: '1' });
  });

  it('keeps plain Tasks, and no EmailMessage, for an org without Enhanced Email', async () => {
    await send({ ...ORDER_MAIL, messageId: '<ee-plain-1@acme.example>', subject: 'Plain ORD-99999' }, PLAIN);
    const [outcome] = await outcomesOf('<ee-plain-1@acme.example>');
    expect(outcome).toMatchObject({ outcome: 'created' });
    expect(
      (
        await e2e.sf.query(
          "SELECT Id FROM EmailMessage WHERE MessageIdentifier = '<ee-plain-1@acme.example>'",
        )
      ).totalSize,
    ).toBe(0);
    expect((await e2e.sf.query(`SELECT Id FROM Task WHERE Id = '${outcome?.taskId}'`)).totalSize).toBe(1);
  });

  it('measures Salesforce calls for ten mails arriving together', { timeout: 60_000 }, async () => {
    await e2e.stack.idle();
    const before = e2e.stack.emulator!.apiRequestCount();
    const ids = Array.from({ length: 10 }, (_, i) => `<ee-many-${i}@acme.example>`);
    await e2e.together(() =>
      Promise.all(
        ids.map((messageId, i) =>
          send({ ...ORDER_MAIL, messageId, subject: `Batch mail ${i}`, references: [] }),
        ),
      ),
    );
    const outcomes = (await Promise.all(ids.map(outcomesOf))).map((o) => o[0]);
    const calls = e2e.stack.emulator!.apiRequestCount() - before;
    console.info(
      `Salesforce API calls through the stack for 10 Enhanced Email mails: ${calls} (${calls / 10}/email)`,
    );
    expect(outcomes.every((o) => o?.outcome === 'created')).toBe(true);
    expect(
      (await e2e.sf.query("SELECT Id FROM EmailMessage WHERE Subject LIKE 'Batch mail %'")).totalSize,
    ).toBe(10);
  });
});
