/** Enhanced Email: EmailMessage with the Task the org creates for it, EmailMessageRelation, update and delete rules. */
import { afterEach, describe, expect, it } from 'vitest';
import { demoSeed } from '../../support/salesforce.ts';
import { emulatorWith, expectError, post, V } from './harness.ts';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

async function start(seed = structuredClone(demoSeed)) {
  const ctx = await emulatorWith({ seed });
  close = () => ctx.emulator.close();
  return ctx;
}

const message = {
  Subject: 'Re: order ORD-10042',
  FromAddress: 'jane.doe@globex.example',
  FromName: 'Jane Doe',
  ToAddress: 'alice@acme.example',
  CcAddress: 'carl@globex.example',
  TextBody: 'When does it ship?',
  HtmlBody: '<p>When does it ship?</p>',
  MessageDate: '2026-11-20T08:00:00Z',
  MessageIdentifier: '<m1@globex.example>',
  ThreadIdentifier: '<m0@globex.example>',
  Incoming: true,
  Status: '3',
};

describe('EmailMessage', () => {
  it('creates its own Task (subtype Email) and sets ActivityId; an ActivityId given is refused', async () => {
    const { conn, id } = await start();
    const order = await id("SELECT Id FROM Order WHERE OrderNumber = 'ORD-10042'");
    const tasksBefore = (await conn.query('SELECT Id FROM Task')).totalSize;
    const created = await conn.sobject('EmailMessage').create({ ...message, RelatedToId: order });
    expect(created.id).toMatch(/^02s/);
    const row = await conn.query<{ ActivityId: string; Incoming: boolean; MessageDate: string }>(
      `SELECT ActivityId, Incoming, MessageDate FROM EmailMessage WHERE Id = '${created.id}'`,
    );
    const email = row.records[0]!;
    expect(email).toMatchObject({ Incoming: true, MessageDate: '2026-11-20T08:00:00.000+0000' });
    const task = await conn.query<{
      Subject: string;
      TaskSubtype: string;
      WhatId: string;
      Status: string;
      ActivityDate: string;
    }>(
      `SELECT Subject, TaskSubtype, WhatId, Status, ActivityDate FROM Task WHERE Id = '${email.ActivityId}'`,
    );
    expect(task.records[0]).toMatchObject({
      Subject: message.Subject,
      TaskSubtype: 'Email',
      WhatId: order,
      Status: 'Completed',
      ActivityDate: '2026-11-20',
    });
    expect((await conn.query('SELECT Id FROM Task')).totalSize).toBe(tasksBefore + 1);
    // The task's people are the client's to set: the Task itself is an ordinary one.
    const jane = await id("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'");
    await conn.sobject('Task').update({ Id: email.ActivityId, WhoId: jane });
    await expectError(
      conn.sobject('EmailMessage').create({ ...message, ActivityId: email.ActivityId }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    const byThread = await conn.query<{ Id: string }>(
      "SELECT Id FROM EmailMessage WHERE MessageIdentifier = '<m1@globex.example>' AND ThreadIdentifier = '<m0@globex.example>'",
    );
    expect(byThread.records.map((r) => r.Id)).toEqual([created.id]);
  });

  it('takes an ActivityId for an email on a case, and creates no Task then', async () => {
    const { conn } = await start();
    const kase = await conn.sobject('Case').create({ Subject: 'Broken' });
    const task = await conn.sobject('Task').create({ Subject: 'Open email' });
    const tasksBefore = (await conn.query('SELECT Id FROM Task')).totalSize;
    const email = await conn
      .sobject('EmailMessage')
      .create({ ...message, ParentId: kase.id, ActivityId: task.id });
    expect(email.success).toBe(true);
    expect((await conn.query('SELECT Id FROM Task')).totalSize).toBe(tasksBefore);
  });

  it('checks lengths and the Status picklist, which is required', async () => {
    const { conn } = await start();
    const create = (v: Record<string, unknown>) => conn.sobject('EmailMessage').create({ ...message, ...v });
    expect((await create({ Subject: 's'.repeat(3000) })).success).toBe(true);
    await expectError(create({ Subject: 's'.repeat(3001) }), 'STRING_TOO_LONG');
    expect((await create({ TextBody: 'b'.repeat(131_072), HtmlBody: 'h'.repeat(131_072) })).success).toBe(
      true,
    );
    await expectError(create({ TextBody: 'b'.repeat(131_073) }), 'STRING_TOO_LONG');
    await expectError(create({ HtmlBody: 'h'.repeat(131_073) }), 'STRING_TOO_LONG');
    await expectError(create({ Headers: 'x'.repeat(32_001) }), 'STRING_TOO_LONG');
    await expectError(create({ ToAddress: 'a'.repeat(4001) }), 'STRING_TOO_LONG');
    await expectError(create({ CcAddress: 'a'.repeat(4001) }), 'STRING_TOO_LONG');
    await expectError(create({ BccAddress: 'a'.repeat(4001) }), 'STRING_TOO_LONG');
    expect((await create({ ToAddress: 'a'.repeat(4000), FromName: 'n'.repeat(1000) })).success).toBe(true);
    await expectError(create({ FromName: 'n'.repeat(1001) }), 'STRING_TOO_LONG');
    await expectError(create({ FromAddress: `${'f'.repeat(990)}@globex.example` }), 'STRING_TOO_LONG');
    await expectError(create({ MessageIdentifier: 'm'.repeat(256) }), 'STRING_TOO_LONG');
    await expectError(create({ ThreadIdentifier: 't'.repeat(256) }), 'STRING_TOO_LONG');
    await expectError(create({ Status: '6' }), 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    await expectError(create({ Status: null }), 'REQUIRED_FIELD_MISSING');
    await expectError(create({ FromAddress: 'not an address' }), 'INVALID_EMAIL_ADDRESS');
    await expectError(create({ HasAttachment: true }), 'INVALID_FIELD_FOR_INSERT_UPDATE');
  });

  it('changes only drafts, apart from IsExternallyVisible and Status from New to Read', async () => {
    const { conn } = await start();
    const sent = await conn.sobject('EmailMessage').create(message);
    await expectError(
      conn.sobject('EmailMessage').update({ Id: sent.id!, Subject: 'changed' }),
      'INSUFFICIENT_ACCESS_OR_READONLY',
    );
    await expectError(
      conn.sobject('EmailMessage').update({ Id: sent.id!, Status: '1' }),
      'INSUFFICIENT_ACCESS_OR_READONLY',
    );
    await expectError(
      conn.sobject('EmailMessage').update({ Id: sent.id!, Incoming: false }),
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    );
    expect(
      (await conn.sobject('EmailMessage').update({ Id: sent.id!, IsExternallyVisible: false })).success,
    ).toBe(true);
    const unread = await conn.sobject('EmailMessage').create({ ...message, Status: '0' });
    expect((await conn.sobject('EmailMessage').update({ Id: unread.id!, Status: '1' })).success).toBe(true);
    const draft = await conn.sobject('EmailMessage').create({ ...message, Status: '5' });
    expect((await conn.sobject('EmailMessage').update({ Id: draft.id!, Subject: 'edited' })).success).toBe(
      true,
    );
  });

  it('lets a sent message take custom fields; ParentId, a Case, and ActivityId never change', async () => {
    const { conn } = await start();
    await post(conn, `${V}/tooling/sobjects/CustomField`, {
      FullName: 'EmailMessage.Capture_Note__c',
      Metadata: { type: 'Text', length: 255 },
    });
    const sent = await conn.sobject('EmailMessage').create(message);
    expect((await conn.sobject('EmailMessage').update({ Id: sent.id!, Capture_Note__c: 'n' })).success).toBe(
      true,
    );
    const kase = await conn.sobject('Case').create({ Subject: 'Broken' });
    const order = (await conn.query<{ Id: string }>('SELECT Id FROM Order LIMIT 1')).records[0]!.Id;
    await expectError(
      conn.sobject('EmailMessage').create({ ...message, ParentId: order }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    const draft = await conn.sobject('EmailMessage').create({ ...message, Status: '5', ParentId: kase.id });
    const other = await conn.sobject('Case').create({ Subject: 'Other' });
    const task = await conn.sobject('Task').create({ Subject: 'other task' });
    // Create-only even on a draft, which takes any other change.
    await expectError(
      conn.sobject('EmailMessage').update({ Id: draft.id!, ParentId: other.id }),
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    );
    await expectError(
      conn.sobject('EmailMessage').update({ Id: draft.id!, ActivityId: task.id }),
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    );
  });

  it('files a message as a Task of its own: the running user’s, Subject and Description cut to fit, none of its people related, and kept when that Task goes', async () => {
    const { conn, id } = await start();
    const jane = await id("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'");
    const ops = await id("SELECT Id FROM User WHERE Username = 'ops@acme.example'");
    const created = await conn.sobject('EmailMessage').create({
      ...message,
      Subject: 's'.repeat(3000),
      TextBody: 'b'.repeat(40_000),
      ToIds: [jane],
    });
    const email = (
      await conn.query<{ ActivityId: string }>(
        `SELECT ActivityId FROM EmailMessage WHERE Id = '${created.id}'`,
      )
    ).records[0]!;
    const task = await conn.sobject('Task').retrieve(email.ActivityId);
    expect(task).toMatchObject({ OwnerId: ops, Subject: 's'.repeat(255), Description: 'b'.repeat(32_000) });
    // The message's people are its EmailMessageRelations only: no TaskRelation names them.
    const people = await conn.query(
      `SELECT Id FROM TaskRelation WHERE TaskId = '${email.ActivityId}' AND IsWhat = false`,
    );
    expect(people.totalSize).toBe(0);
    await conn.sobject('Task').destroy(email.ActivityId);
    expect((await conn.query(`SELECT Id FROM EmailMessage WHERE Id = '${created.id}'`)).totalSize).toBe(1);
  });
});

describe('EmailMessage exactly once', () => {
  it('upserts on a custom external id: one message and one Task; a retry may only touch custom fields', async () => {
    const { conn } = await start();
    await post(conn, `${V}/tooling/sobjects/CustomField`, {
      FullName: 'EmailMessage.Capture_Id__c',
      Metadata: { type: 'Text', length: 255, externalId: true, unique: true },
    });
    const first = await conn
      .sobject('EmailMessage')
      .upsert({ ...message, Capture_Id__c: 'acme:m1' }, 'Capture_Id__c');
    expect(first).toMatchObject({ success: true, created: true });
    const tasks = (await conn.query('SELECT Id FROM Task')).totalSize;
    // Incoming is create-only; the other fields of a sent message cannot change either.
    await expectError(
      conn.sobject('EmailMessage').upsert({ ...message, Capture_Id__c: 'acme:m1' }, 'Capture_Id__c'),
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    );
    const { Incoming: _incoming, ...resend } = message;
    await expectError(
      conn.sobject('EmailMessage').upsert({ ...resend, Capture_Id__c: 'acme:m1' }, 'Capture_Id__c'),
      'INSUFFICIENT_ACCESS_OR_READONLY',
    );
    const retry = await conn.sobject('EmailMessage').upsert({ Capture_Id__c: 'acme:m1' }, 'Capture_Id__c');
    expect(retry).toMatchObject({ success: true, created: false });
    expect((await conn.query("SELECT Id FROM EmailMessage WHERE Capture_Id__c = 'acme:m1'")).totalSize).toBe(
      1,
    );
    expect((await conn.query('SELECT Id FROM Task')).totalSize).toBe(tasks);
  });

  it('refuses a second record with the value of a Unique field (DUPLICATE_VALUE), in any case', async () => {
    const { conn } = await start();
    await post(conn, `${V}/tooling/sobjects/CustomField`, {
      FullName: 'EmailMessage.Capture_Id__c',
      Metadata: { type: 'Text', length: 255, externalId: true, unique: true },
    });
    expect(await conn.sobject('EmailMessage').create({ ...message, Capture_Id__c: 'acme:u1' })).toMatchObject(
      {
        success: true,
      },
    );
    await expectError(
      conn.sobject('EmailMessage').create({ ...message, Capture_Id__c: 'ACME:U1' }),
      'DUPLICATE_VALUE',
    );
    expect((await conn.query("SELECT Id FROM EmailMessage WHERE Capture_Id__c = 'acme:u1'")).totalSize).toBe(
      1,
    );
  });
});

describe('EmailMessageRelation', () => {
  it('relates people or bare addresses, fills the address and type, and goes with its message', async () => {
    const { conn, id } = await start();
    const jane = await id("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'");
    const alice = await id("SELECT Id FROM User WHERE Username = 'alice@acme.example'");
    const email = await conn.sobject('EmailMessage').create(message);
    const relate = (v: Record<string, unknown>) =>
      conn.sobject('EmailMessageRelation').create({ EmailMessageId: email.id, ...v });
    expect((await relate({ RelationId: jane, RelationType: 'FromAddress' })).id).toMatch(/^0EM/);
    expect((await relate({ RelationId: alice, RelationType: 'ToAddress' })).success).toBe(true);
    expect(
      (await relate({ RelationAddress: 'someone@else.example', RelationType: 'CcAddress' })).success,
    ).toBe(true);
    await expectError(relate({ RelationType: 'BccAddress' }), 'REQUIRED_FIELD_MISSING');
    await expectError(
      relate({ RelationId: jane, RelationType: 'ReplyTo' }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );
    await expectError(relate({ RelationId: jane }), 'REQUIRED_FIELD_MISSING');
    const rows = await conn.query<{
      RelationAddress: string;
      RelationObjectType: string | null;
      RelationType: string;
    }>(
      `SELECT RelationAddress, RelationObjectType, RelationType FROM EmailMessageRelation WHERE EmailMessageId = '${email.id}' ORDER BY RelationType`,
    );
    expect(rows.records.map((r) => [r.RelationType, r.RelationAddress, r.RelationObjectType])).toEqual([
      ['CcAddress', 'someone@else.example', null],
      ['FromAddress', 'jane.doe@globex.example', 'Contact'],
      ['ToAddress', 'alice@acme.example', 'User'],
    ]);
    await conn.sobject('EmailMessage').destroy(email.id!);
    expect(
      (await conn.query(`SELECT Id FROM EmailMessageRelation WHERE EmailMessageId = '${email.id}'`))
        .totalSize,
    ).toBe(0);
    const bin = await conn.query(
      `SELECT Id FROM EmailMessage WHERE Id = '${email.id}' AND IsDeleted = true`,
      {
        scanAll: true,
      },
    );
    expect(bin.totalSize).toBe(1);
  });

  it('takes a Lead as RelationId but not an Account, and keeps RelationType and RelationObjectType out of reach', async () => {
    const { conn, id } = await start();
    const lena = await id("SELECT Id FROM Lead WHERE Email = 'lena.lead@initech.example'");
    const account = await id("SELECT Id FROM Account WHERE Name = 'Globex Corporation'");
    const email = await conn.sobject('EmailMessage').create(message);
    const relate = (v: Record<string, unknown>) =>
      conn
        .sobject('EmailMessageRelation')
        .create({ EmailMessageId: email.id, RelationType: 'ToAddress', ...v });
    const lead = await relate({ RelationId: lena });
    expect(lead.success).toBe(true);
    await expectError(relate({ RelationId: account }), 'FIELD_INTEGRITY_EXCEPTION');
    await expectError(
      relate({ RelationId: lena, RelationObjectType: 'Lead' }),
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    );
    await expectError(
      conn.sobject('EmailMessageRelation').update({ Id: lead.id!, RelationType: 'CcAddress' }),
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    );
  });

  it('does not exist in an org without Enhanced Email', async () => {
    const seed = { ...structuredClone(demoSeed), Organization: [{ EnhancedEmailEnabled: false }] };
    const { conn } = await start(seed);
    await expectError(conn.sobject('EmailMessage').create(message), 'NOT_FOUND');
    await expectError(conn.query('SELECT Id FROM EmailMessage'), 'INVALID_TYPE');
    await expectError(conn.query('SELECT Id FROM EmailMessageRelation'), 'INVALID_TYPE');
  });
});
