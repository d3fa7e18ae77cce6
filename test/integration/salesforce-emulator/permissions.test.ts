/**
 * A fresh org's rules: field-level security on Capture's custom fields, permission sets and what
 * they grant, the org settings through the Metadata API, EmailMessage without Enhanced Email, and
 * the daily API usage in Sforce-Limit-Info.
 */
import '@jsforce/jsforce-node/lib/api/metadata.js';
import type { Connection } from '@jsforce/jsforce-node';
import { afterEach, describe, expect, it } from 'vitest';
import { demoSeed } from '../../support/salesforce.ts';
import { emulatorWith, expectError, post, V } from './harness.ts';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

async function fresh(seed: Record<string, unknown> = structuredClone(demoSeed)) {
  const ctx = await emulatorWith({ seed: seed as never, fresh: true });
  close = () => ctx.emulator.close();
  await post(ctx.conn, `${V}/tooling/sobjects/CustomField`, {
    FullName: 'Activity.Capture_Id__c',
    Metadata: { type: 'Text', length: 255, externalId: true },
  });
  return ctx;
}

/** A permission set named `name` granting `fields` ({ Field: edit? }), assigned to the session's user. */
async function grant(conn: Connection, fields: Record<string, boolean>, name = 'Grants') {
  const set = await conn.sobject('PermissionSet').create({ Name: name, Label: name });
  for (const [Field, edit] of Object.entries(fields))
    await conn.sobject('FieldPermissions').create({
      ParentId: set.id,
      SobjectType: Field.split('.')[0],
      Field,
      PermissionsRead: true,
      PermissionsEdit: edit,
    });
  const me = (await conn.query<{ Id: string }>("SELECT Id FROM User WHERE Username = 'ops@acme.example'"))
    .records[0]!;
  await conn.sobject('PermissionSetAssignment').create({ AssigneeId: me.Id, PermissionSetId: set.id });
  return set.id!;
}

const task = { Subject: 'Call', Status: 'Completed' };

describe('field-level security in a fresh org', () => {
  it('hides a new custom field until a permission set grants read, and refuses writes until it grants edit', async () => {
    const { conn } = await fresh();
    const fields = async () => (await conn.sobject('Task').describe()).fields;
    expect((await fields()).some((f) => f.name === 'Capture_Id__c')).toBe(false);
    await expectError(conn.query('SELECT Id, Capture_Id__c FROM Task'), 'INVALID_FIELD');
    await expectError(conn.query("SELECT Id FROM Task WHERE Capture_Id__c = 'x'"), 'INVALID_FIELD');
    await expectError(conn.sobject('Task').create({ ...task, Capture_Id__c: 'x' }), 'INVALID_FIELD');
    await expectError(
      conn.sobject('Task').upsert({ ...task, Capture_Id__c: 'x' }, 'Capture_Id__c'),
      'NOT_FOUND',
    );

    const set = await grant(conn, { 'Task.Capture_Id__c': false });
    expect((await fields()).find((f) => f.name === 'Capture_Id__c')).toMatchObject({
      createable: false,
      updateable: false,
    });
    expect((await conn.query('SELECT Id, Capture_Id__c FROM Task')).totalSize).toBe(0);
    await expectError(
      conn.sobject('Task').create({ ...task, Capture_Id__c: 'x' }),
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    );
    // The field was made on Activity: its Event twin needs a grant of its own.
    await expectError(conn.query('SELECT Id, Capture_Id__c FROM Event'), 'INVALID_FIELD');

    const [row] = (
      await conn.query<{ Id: string }>(`SELECT Id FROM FieldPermissions WHERE ParentId = '${set}'`)
    ).records;
    await conn.sobject('FieldPermissions').update({ Id: row!.Id, PermissionsEdit: true });
    expect((await conn.sobject('Task').create({ ...task, Capture_Id__c: 'x' })).success).toBe(true);
  });

  it('keeps the default org open: every custom field is visible without a grant', async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    await post(conn, `${V}/tooling/sobjects/CustomField`, {
      FullName: 'Activity.Order_Numbers__c',
      Metadata: { type: 'Text', length: 255 },
    });
    expect((await conn.sobject('Task').create({ ...task, Order_Numbers__c: 'ORD-1' })).success).toBe(true);
  });
});

describe('permission sets', () => {
  it('check names, dependencies, restricted objects and fields, and one row per grant', async () => {
    const { conn } = await fresh();
    await expectError(
      conn.sobject('PermissionSet').create({ Name: 'Bad Name', Label: 'x' }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    const set = await conn.sobject('PermissionSet').create({ Name: 'Capture_Test', Label: 'Test' });
    await expectError(
      conn.sobject('PermissionSet').create({ Name: 'capture_test', Label: 'x' }),
      'DUPLICATE_DEVELOPER_NAME',
    );
    const objects = conn.sobject('ObjectPermissions');
    // Create needs Read; Task has no object permissions (Edit Tasks decides).
    await expectError(
      objects.create({ ParentId: set.id, SobjectType: 'Lead', PermissionsCreate: true }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    await expectError(
      objects.create({ ParentId: set.id, SobjectType: 'Task', PermissionsRead: true }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );
    expect(
      (
        await objects.create({
          ParentId: set.id,
          SobjectType: 'Lead',
          PermissionsRead: true,
          PermissionsCreate: true,
        })
      ).success,
    ).toBe(true);
    await expectError(
      objects.create({ ParentId: set.id, SobjectType: 'Lead', PermissionsRead: true }),
      'DUPLICATE_VALUE',
    );
    const grants = conn.sobject('FieldPermissions');
    const field = { ParentId: set.id, SobjectType: 'Task', Field: 'Task.Capture_Id__c' };
    await expectError(grants.create({ ...field, PermissionsEdit: true }), 'FIELD_INTEGRITY_EXCEPTION');
    await expectError(
      grants.create({ ...field, Field: 'Task.Nope__c', PermissionsRead: true }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );
    await expectError(
      grants.create({ ...field, Field: 'Event.Capture_Id__c', PermissionsRead: true }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );
    const made = await grants.create({ ...field, PermissionsRead: true });
    await expectError(grants.create({ ...field, PermissionsRead: true }), 'DUPLICATE_VALUE');
    // A row left without read is deleted, as Salesforce does.
    await grants.update({ Id: made.id!, PermissionsRead: false });
    expect((await conn.query(`SELECT Id FROM FieldPermissions WHERE Id = '${made.id}'`)).totalSize).toBe(0);
    const me = (await conn.query<{ Id: string }>('SELECT Id FROM User LIMIT 1')).records[0]!;
    const assignments = conn.sobject('PermissionSetAssignment');
    expect((await assignments.create({ AssigneeId: me.Id, PermissionSetId: set.id })).success).toBe(true);
    await expectError(assignments.create({ AssigneeId: me.Id, PermissionSetId: set.id }), 'DUPLICATE_VALUE');
  });

  it('come from a seed like any other records, with their grants and assignments', async () => {
    const seed = {
      ...structuredClone(demoSeed),
      Organization: [{ FieldSecurityEnabled: true }],
      Task: [
        { Subject: 'Seeded', Status: 'Completed', OwnerId: '@User:ops@acme.example', Seeded_Key__c: 'k1' },
      ],
      PermissionSet: [{ Name: 'Seeded_Grants', Label: 'Seeded grants' }],
      FieldPermissions: [
        {
          ParentId: '@PermissionSet:Seeded_Grants',
          SobjectType: 'Task',
          Field: 'Task.Seeded_Key__c',
          PermissionsRead: true,
          PermissionsEdit: false,
        },
      ],
      PermissionSetAssignment: [
        { AssigneeId: '@User:alice@acme.example', PermissionSetId: '@PermissionSet:Seeded_Grants' },
      ],
    };
    const { emulator, conn } = await emulatorWith({ seed, runAsUser: 'alice@acme.example' });
    close = () => emulator.close();
    const field = (await conn.sobject('Task').describe()).fields.find((f) => f.name === 'Seeded_Key__c');
    expect(field).toMatchObject({ createable: false, updateable: false });
    // FieldSecurityEnabled: ops, with no permission set, does not see the field at all.
    const ops = await emulatorWith({ seed: structuredClone(seed) });
    try {
      expect((await ops.conn.sobject('Task').describe()).fields.map((f) => f.name)).not.toContain(
        'Seeded_Key__c',
      );
    } finally {
      await ops.emulator.close();
    }
  });
});

describe('what the emulator leaves open', () => {
  it('records object permissions without enforcing them, and lets any user add fields and permission sets', async () => {
    // fresh() added a custom field through the Tooling API as a user with no permission set.
    const { conn } = await fresh();
    const set = await conn.sobject('PermissionSet').create({ Name: 'Read_Leads_Only', Label: 'Read leads' });
    await conn
      .sobject('ObjectPermissions')
      .create({ ParentId: set.id, SobjectType: 'Lead', PermissionsRead: true });
    const me = (await conn.query<{ Id: string }>("SELECT Id FROM User WHERE Username = 'ops@acme.example'"))
      .records[0]!;
    await conn.sobject('PermissionSetAssignment').create({ AssigneeId: me.Id, PermissionSetId: set.id });
    const recorded = await conn.query<{ PermissionsRead: boolean; PermissionsCreate: boolean }>(
      `SELECT PermissionsRead, PermissionsCreate FROM ObjectPermissions WHERE ParentId = '${set.id}'`,
    );
    expect(recorded.records.map((r) => [r.PermissionsRead, r.PermissionsCreate])).toEqual([[true, false]]);
    // Granted Read only, the user still creates a Lead: object permissions are not checked.
    expect((await conn.sobject('Lead').create({ LastName: 'Still', Company: 'Allowed' })).success).toBe(true);
  });
});

describe('org settings', () => {
  it('come from the seed’s Organization row, else those of a current org, and readMetadata answers only those three', async () => {
    const read = async (conn: Connection, type: string, name: string) =>
      (await conn.metadata.read(type as never, name)) as unknown as Record<string, unknown>;
    const settings = async (conn: Connection) => [
      String(
        (await read(conn, 'ActivitiesSettings', 'Activities'))
          .allowUsersToRelateMultipleContactsToTasksAndEvents,
      ),
      String(
        (await read(conn, 'EmailAdministrationSettings', 'EmailAdministration')).enableEnhancedEmailEnabled,
      ),
      String((await read(conn, 'EmailToCaseSettings', 'EmailToCase')).enableEmailToCase),
    ];
    const current = await emulatorWith();
    try {
      expect(await settings(current.conn)).toEqual(['true', 'true', 'false']);
      await expect(read(current.conn, 'AccountSettings', 'Account')).rejects.toThrow(/INVALID_TYPE/);
    } finally {
      await current.emulator.close();
    }
    const seed = {
      ...structuredClone(demoSeed),
      Organization: [
        {
          SharedActivitiesEnabled: false,
          EnhancedEmailEnabled: false,
          EmailToCaseEnabled: true,
          ActivityUniqueFieldsAllowed: true,
        },
      ],
    };
    const { emulator, conn } = await emulatorWith({ seed });
    close = () => emulator.close();
    expect(await settings(conn)).toEqual(['false', 'false', 'true']);
    // ActivityUniqueFieldsAllowed: an activity custom field may be Unique in this org.
    const unique = await post<{ success: boolean }>(conn, `${V}/tooling/sobjects/CustomField`, {
      FullName: 'Activity.Capture_Id__c',
      Metadata: { type: 'Text', length: 255, externalId: true, unique: true },
    });
    expect(unique.success).toBe(true);
  });

  it('answers the Metadata API with Shared Activities, Enhanced Email and Email-to-Case as seeded', async () => {
    const seed = {
      ...structuredClone(demoSeed),
      Organization: [{ EnhancedEmailEnabled: false, EmailToCaseEnabled: true }],
    };
    const { emulator, conn } = await emulatorWith({ seed });
    close = () => emulator.close();
    const read = async (type: string, name: string) =>
      (await conn.metadata.read(type as never, name)) as unknown as Record<string, unknown>;
    expect(
      String((await read('EmailAdministrationSettings', 'EmailAdministration')).enableEnhancedEmailEnabled),
    ).toBe('false');
    expect(String((await read('EmailToCaseSettings', 'EmailToCase')).enableEmailToCase)).toBe('true');
    expect(
      String(
        (await read('ActivitiesSettings', 'Activities')).allowUsersToRelateMultipleContactsToTasksAndEvents,
      ),
    ).toBe('true');
    // Email-to-Case alone: EmailMessage exists, but a message must belong to a Case, and no Task is made.
    const message = { Subject: 's', Status: '3', Incoming: true };
    await expectError(conn.sobject('EmailMessage').create(message), 'REQUIRED_FIELD_MISSING');
    expect((await conn.query('SELECT Id FROM EmailMessageRelation')).totalSize).toBe(0);
    const account = (await conn.query<{ Id: string }>('SELECT Id FROM Account LIMIT 1')).records[0]!.Id;
    const kase = await conn.sobject('Case').create({ Subject: 'Help', AccountId: account });
    const onCase = await conn.sobject('EmailMessage').create({ ...message, ParentId: kase.id });
    expect(onCase.success).toBe(true);
    expect(
      (await conn.query(`SELECT ActivityId FROM EmailMessage WHERE Id = '${onCase.id}'`)).records[0],
    ).toMatchObject({ ActivityId: null });
  });

  it('relates the people of ToIds and CcIds to a message as EmailMessageRelation rows', async () => {
    const { emulator, conn, id } = await emulatorWith();
    close = () => emulator.close();
    const jane = await id("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'");
    const alice = await id("SELECT Id FROM User WHERE Email = 'alice@acme.example'");
    const created = await conn
      .sobject('EmailMessage')
      .create({ Subject: 's', Status: '3', ToIds: [jane], CcIds: [alice] });
    const rows = (
      await conn.query<{ RelationId: string; RelationType: string; RelationAddress: string }>(
        `SELECT RelationId, RelationType, RelationAddress FROM EmailMessageRelation WHERE EmailMessageId = '${created.id}'`,
      )
    ).records;
    expect(rows.map((r) => [r.RelationType, r.RelationId, r.RelationAddress])).toEqual([
      ['ToAddress', jane, 'jane.doe@globex.example'],
      ['CcAddress', alice, 'alice@acme.example'],
    ]);
    const account = await id('SELECT Id FROM Account LIMIT 1');
    await expectError(
      conn.sobject('EmailMessage').create({ Subject: 's', Status: '3', ToIds: [account] }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    await expectError(conn.query('SELECT ToIds FROM EmailMessage'), 'INVALID_FIELD');
  });
});

describe('API usage', () => {
  it('reports api-usage=used/max on every response and counts the last 24 hours only', async () => {
    let now = Date.parse('2026-12-01T09:00:00Z');
    const { emulator, conn } = await emulatorWith({ dailyApiLimit: 5, now: () => now });
    close = () => emulator.close();
    await conn.query('SELECT Id FROM User');
    const headers = async () => {
      const res = await fetch(`${emulator.url}${V}/limits`, {
        headers: { authorization: `Bearer ${conn.accessToken}` },
      });
      return {
        info: res.headers.get('sforce-limit-info'),
        body: (await res.json()) as { DailyApiRequests?: unknown },
      };
    };
    expect((await headers()).info).toBe('api-usage=2/5');
    // A day later the morning's requests no longer count.
    now += 24 * 60 * 60 * 1000;
    const later = await headers();
    expect(later.info).toBe('api-usage=1/5');
    expect(later.body.DailyApiRequests).toEqual({ Max: 5, Remaining: 4 });
    // A Metadata API (SOAP) call counts and carries the header too.
    const soap = await fetch(`${emulator.url}/services/Soap/m/62.0`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', soapaction: '""' },
      body: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><SessionHeader><sessionId>${conn.accessToken}</sessionId></SessionHeader></soapenv:Header><soapenv:Body><readMetadata><type>ActivitiesSettings</type><fullNames>Activities</fullNames></readMetadata></soapenv:Body></soapenv:Envelope>`,
    });
    expect(soap.status).toBe(200);
    expect(soap.headers.get('sforce-limit-info')).toBe('api-usage=2/5');
  });
});
