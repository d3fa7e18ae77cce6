/**
 * A fresh org's rules: field-level security on Capture's custom fields, permission sets and what
 * they grant, the org settings through the Metadata API, EmailMessage without Enhanced Email, and
 * the daily API usage in Sforce-Limit-Info.
 */
import '@jsforce/jsforce-node/lib/api/metadata.js';
import type { Connection } from '@jsforce/jsforce-node';
import { afterEach, describe, expect, it } from 'vitest';
import { INTEGRATION_USERNAME } from '#local/salesforce/object-security.ts';
import { demoSeed, jsforceFor } from '../../support/salesforce.ts';
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

/** A permission set with these values (user permissions), assigned to `username` (default: ops, the admin). */
async function assignedSet(
  conn: Connection,
  name: string,
  values: Record<string, unknown> = {},
  username = 'ops@acme.example',
) {
  const set = await conn.sobject('PermissionSet').create({ Name: name, Label: name, ...values });
  const user = (await conn.query<{ Id: string }>(`SELECT Id FROM User WHERE Username = '${username}'`))
    .records[0]!;
  await conn.sobject('PermissionSetAssignment').create({ AssigneeId: user.Id, PermissionSetId: set.id });
  return set.id!;
}

/**
 * A fresh org seen by its admin (ops, the emulator's default app) and by its integration user
 * (a connected app of its own, which runs as the org's API-only integration user).
 */
async function freshWithIntegration() {
  const ctx = await emulatorWith({
    fresh: true,
    connectedApps: [{ clientId: 'capture', clientSecret: 'local' }],
  });
  close = () => ctx.emulator.close();
  const integration = await jsforceFor(ctx.emulator.url, 'capture');
  const grantTo = (name: string, values: Record<string, unknown> = {}) =>
    assignedSet(ctx.conn, name, values, INTEGRATION_USERNAME);
  return { admin: ctx.conn, integration, grantTo };
}

/** A permission set named `name` granting `fields` ({ Field: edit? }), assigned to the session's user. */
async function grant(conn: Connection, fields: Record<string, boolean>, name = 'Grants') {
  const set = await assignedSet(conn, name);
  for (const [Field, edit] of Object.entries(fields))
    await conn.sobject('FieldPermissions').create({
      ParentId: set,
      SobjectType: Field.split('.')[0],
      Field,
      PermissionsRead: true,
      PermissionsEdit: edit,
    });
  return set;
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

describe('object permissions of an API-only integration user (a fresh org)', () => {
  it('hides an object until a permission set grants Read, and refuses each write its grants lack', async () => {
    const { admin, integration: conn, grantTo } = await freshWithIntegration();
    // The integration user has the API-only profile: no object right without a permission set.
    const [me] = (
      await admin.query<{ Profile: { Name: string } }>(
        `SELECT Profile.Name FROM User WHERE Username = '${INTEGRATION_USERNAME}'`,
      )
    ).records;
    expect(me?.Profile.Name).toBe('Minimum Access - API Only Integrations');
    expect((await admin.query('SELECT Id FROM Lead')).totalSize).toBeGreaterThan(0);
    await expectError(conn.query('SELECT Id FROM Lead'), 'INVALID_TYPE');
    await expectError(conn.sobject('Lead').describe(), 'NOT_FOUND');
    await expectError(conn.sobject('Lead').create({ LastName: 'New', Company: 'Co' }), 'NOT_FOUND');
    const listed = async () => (await conn.describeGlobal()).sobjects;
    expect((await listed()).map((o) => o.name)).not.toContain('Lead');
    const collection = await post<{ success: boolean; errors: { statusCode: string }[] }[]>(
      conn,
      `${V}/composite/sobjects`,
      { allOrNone: false, records: [{ attributes: { type: 'Lead' }, LastName: 'New', Company: 'Co' }] },
    );
    expect(collection[0]).toMatchObject({ success: false, errors: [{ statusCode: 'INVALID_TYPE' }] });

    const set = await grantTo('Read_Leads');
    const rights = await admin
      .sobject('ObjectPermissions')
      .create({ ParentId: set, SobjectType: 'Lead', PermissionsRead: true });
    expect((await conn.query('SELECT Id FROM Lead')).totalSize).toBeGreaterThan(0);
    expect(await conn.sobject('Lead').describe()).toMatchObject({
      queryable: true,
      createable: false,
      updateable: false,
      deletable: false,
    });
    expect((await listed()).find((o) => o.name === 'Lead')).toMatchObject({
      queryable: true,
      createable: false,
    });
    const refused = await expectError(
      conn.sobject('Lead').create({ LastName: 'New', Company: 'Co' }),
      'INSUFFICIENT_ACCESS_OR_READONLY',
    );
    expect(refused.message).toMatch(/may not create Lead/);

    await admin.sobject('ObjectPermissions').update({ Id: rights.id!, PermissionsCreate: true });
    const created = await conn.sobject('Lead').create({ LastName: 'New', Company: 'Co' });
    expect(created.success).toBe(true);
    const lead = created.id!;
    await expectError(
      conn.sobject('Lead').update({ Id: lead, Company: 'Other' }),
      'INSUFFICIENT_ACCESS_OR_READONLY',
    );
    await expectError(conn.sobject('Lead').destroy(lead), 'INSUFFICIENT_ACCESS_OR_READONLY');
    // Modify All grants every right.
    await admin.sobject('ObjectPermissions').update({
      Id: rights.id!,
      PermissionsEdit: true,
      PermissionsDelete: true,
      PermissionsViewAllRecords: true,
      PermissionsModifyAllRecords: true,
    });
    expect((await conn.sobject('Lead').update({ Id: lead, Company: 'Other' })).success).toBe(true);
    expect((await conn.sobject('Lead').destroy(lead)).success).toBe(true);
  });

  it('reads a relationship only into an object it may read, parent or child', async () => {
    const { admin, integration: conn, grantTo } = await freshWithIntegration();
    const set = await grantTo('Read_Contacts');
    await admin
      .sobject('ObjectPermissions')
      .create({ ParentId: set, SobjectType: 'Contact', PermissionsRead: true });
    expect((await conn.query('SELECT Id, AccountId FROM Contact')).totalSize).toBeGreaterThan(0);
    await expectError(conn.query('SELECT Id, Account.Name FROM Contact'), 'INVALID_FIELD');
    await admin
      .sobject('ObjectPermissions')
      .create({ ParentId: set, SobjectType: 'Account', PermissionsRead: true });
    expect((await conn.query('SELECT Id, Account.Name FROM Contact')).totalSize).toBeGreaterThan(0);
    await expectError(conn.query('SELECT Id, (SELECT Id FROM Opportunities) FROM Account'), 'INVALID_TYPE');
    const account = await conn.sobject('Account').describe();
    expect(account.childRelationships.map((r) => r.childSObject)).toContain('Contact');
    expect(account.childRelationships.map((r) => r.childSObject)).not.toContain('Opportunity');
  });

  it('writes Tasks only with Edit Tasks and Events only with Edit Events, and reads both without', async () => {
    const { integration: conn, grantTo } = await freshWithIntegration();
    const event = {
      Subject: 'Call',
      StartDateTime: '2026-12-03T15:00:00.000Z',
      EndDateTime: '2026-12-03T15:30:00.000Z',
    };
    expect((await conn.query('SELECT Id FROM Task')).done).toBe(true);
    expect(await conn.sobject('Task').describe()).toMatchObject({ queryable: true, createable: false });
    await expectError(conn.sobject('Task').create(task), 'INSUFFICIENT_ACCESS_OR_READONLY');
    await grantTo('Edit_Tasks', { PermissionsEditTask: true });
    expect((await conn.sobject('Task').create(task)).success).toBe(true);
    await expectError(conn.sobject('Event').create(event), 'INSUFFICIENT_ACCESS_OR_READONLY');
    await grantTo('Edit_Events', { PermissionsEditEvent: true });
    expect((await conn.sobject('Event').create(event)).success).toBe(true);
  });

  it('leaves users of any other profile every object right', async () => {
    // The fresh org's admin (no API-only profile) and the default org's run-as user alike.
    const { admin } = await freshWithIntegration();
    expect((await admin.sobject('Lead').create({ LastName: 'Open', Company: 'Co' })).success).toBe(true);
    const { emulator, conn } = await emulatorWith();
    try {
      expect(await conn.sobject('Lead').describe()).toMatchObject({ queryable: true, createable: true });
      expect((await conn.sobject('Task').create(task)).success).toBe(true);
    } finally {
      await emulator.close();
    }
  });
});

describe('what the emulator leaves open', () => {
  it('lets any user add fields and permission sets', async () => {
    // The integration user, whom Salesforce would refuse (no Customize Application, no Assign Permission Sets).
    const { integration: conn } = await freshWithIntegration();
    await post(conn, `${V}/tooling/sobjects/CustomField`, {
      FullName: 'Activity.Made_By_Integration__c',
      Metadata: { type: 'Text', length: 40 },
    });
    const made = await conn.tooling.query<{ DeveloperName: string }>('SELECT DeveloperName FROM CustomField');
    expect(made.records.map((f) => f.DeveloperName)).toContain('Made_By_Integration');
    await assignedSet(conn, 'Self_Granted', { PermissionsEditTask: true }, INTEGRATION_USERNAME);
    expect((await conn.sobject('Task').create(task)).success).toBe(true);
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
