/** Task rules a real org enforces: statuses, owners, Lead WhoId with WhatId, TaskSubtype, lengths. */

import { Connection } from '@jsforce/jsforce-node/lib/connection.js';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { requestAccessToken } from '#shared/adapters/salesforce/auth.ts';
import { demoSeed } from '../../support/salesforce.ts';
import { emulatorWith, expectError } from './harness.ts';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

describe('Task Status', () => {
  it("accepts only the org's TaskStatus values from the seed and defaults to the default one", async () => {
    const seed = {
      ...structuredClone(demoSeed),
      TaskStatus: [
        { MasterLabel: 'Open', ApiName: 'Open', IsDefault: true, IsClosed: false, SortOrder: 1 },
        { MasterLabel: 'Done', ApiName: 'Done', IsDefault: false, IsClosed: true, SortOrder: 2 },
      ],
    };
    const { emulator, conn } = await emulatorWith({ seed });
    close = () => emulator.close();
    await expectError(
      conn.sobject('Task').create({ Subject: 's', Status: 'Not Started' }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );
    const done = await conn.sobject('Task').create({ Subject: 'done', Status: 'Done' });
    const plain = await conn.sobject('Task').create({ Subject: 'plain' });
    expect((await conn.sobject('Task').retrieve(plain.id!)).Status).toBe('Open');
    await expectError(
      conn.sobject('Task').update({ Id: done.id!, Status: 'Completed' }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );
    const status = (await conn.sobject('Task').describe()).fields.find((f) => f.name === 'Status');
    expect(status?.picklistValues?.map((v) => v.value)).toEqual(['Open', 'Done']);
  });

  it("uses Salesforce's default statuses when the seed names none", async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    const labels = (await conn.query<{ MasterLabel: string }>('SELECT MasterLabel FROM TaskStatus')).records;
    expect(labels.map((s) => s.MasterLabel)).toEqual([
      'Not Started',
      'In Progress',
      'Completed',
      'Waiting on someone else',
      'Deferred',
    ]);
    expect((await conn.sobject('Task').create({ Subject: 's', Status: 'Completed' })).success).toBe(true);
    const plain = await conn.sobject('Task').create({ Subject: 'plain' });
    expect((await conn.sobject('Task').retrieve(plain.id!)).Status).toBe('Not Started');
    await expectError(
      conn.sobject('Task').create({ Subject: 's', Status: 'Bogus' }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );
  });
});

describe('Task Priority', () => {
  it("accepts only the org's TaskPriority values and defaults to the default one", async () => {
    const seed = {
      ...structuredClone(demoSeed),
      TaskPriority: [
        { MasterLabel: 'Urgent', ApiName: 'Urgent', IsDefault: false, IsHighPriority: true, SortOrder: 1 },
        { MasterLabel: 'Routine', ApiName: 'Routine', IsDefault: true, IsHighPriority: false, SortOrder: 2 },
      ],
    };
    const { emulator, conn } = await emulatorWith({ seed });
    close = () => emulator.close();
    await expectError(
      conn.sobject('Task').create({ Subject: 's', Priority: 'Normal' }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );
    const plain = await conn.sobject('Task').create({ Subject: 'plain' });
    expect((await conn.sobject('Task').retrieve(plain.id!)).Priority).toBe('Routine');
    const priority = (await conn.sobject('Task').describe()).fields.find((f) => f.name === 'Priority');
    expect(priority?.picklistValues?.map((v) => v.value)).toEqual(['Urgent', 'Routine']);
  });

  it("uses Salesforce's default priorities when the seed names none", async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    const plain = await conn.sobject('Task').create({ Subject: 'plain' });
    expect((await conn.sobject('Task').retrieve(plain.id!)).Priority).toBe('Normal');
    const priority = (await conn.sobject('Task').describe()).fields.find((f) => f.name === 'Priority');
    expect(priority?.picklistValues?.map((v) => v.value)).toEqual(['High', 'Normal', 'Low']);
    await expectError(
      conn.sobject('Task').create({ Subject: 's', Priority: 'Whenever' }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );
  });
});

describe('Task people and owners', () => {
  it('refuses a Lead as WhoId together with a WhatId (FIELD_INTEGRITY_EXCEPTION)', async () => {
    const { emulator, conn, id } = await emulatorWith();
    close = () => emulator.close();
    const lead = await id('SELECT Id FROM Lead');
    const order = await id("SELECT Id FROM Order WHERE OrderNumber = 'ORD-10042'");
    const contact = await id("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'");
    await expectError(
      conn.sobject('Task').create({ Subject: 's', WhoId: lead, WhatId: order }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    const task = await conn.sobject('Task').create({ Subject: 's', WhoId: contact, WhatId: order });
    await expectError(
      conn.sobject('Task').update({ Id: task.id!, WhoId: lead }),
      'FIELD_INTEGRITY_EXCEPTION',
    );
    expect((await conn.sobject('Task').create({ Subject: 's', WhoId: lead })).success).toBe(true);
  });

  it('refuses an inactive owner with INACTIVE_OWNER_OR_USER', async () => {
    const { emulator, conn, id } = await emulatorWith();
    close = () => emulator.close();
    const former = await id("SELECT Id FROM User WHERE Username = 'former@acme.example'");
    await expectError(
      conn.sobject('Task').create({ Subject: 's', OwnerId: former }),
      'INACTIVE_OWNER_OR_USER',
    );
    const account = await id("SELECT Id FROM Account WHERE Name = 'Initech'");
    await expectError(
      conn.sobject('Account').update({ Id: account, OwnerId: former }),
      'INACTIVE_OWNER_OR_USER',
    );
  });

  it('defaults OwnerId to the running user of the session', async () => {
    const keys = await generateKeyPair('RS256', { extractable: true });
    const { emulator, conn, id } = await emulatorWith({
      runAsUser: 'bob@acme.example',
      jwtCertificate: await exportSPKI(keys.publicKey),
    });
    close = () => emulator.close();
    const bob = await id("SELECT Id FROM User WHERE Username = 'bob@acme.example'");
    const alice = await id("SELECT Id FROM User WHERE Username = 'alice@acme.example'");
    const task = await conn.sobject('Task').create({ Subject: 'mine' });
    expect(await conn.sobject('Task').retrieve(task.id!)).toMatchObject({ OwnerId: bob, CreatedById: bob });
    const token = await requestAccessToken({
      authFlow: 'jwt-bearer',
      loginUrl: emulator.url,
      clientId: 'local',
      username: 'alice@acme.example',
      privateKey: await exportPKCS8(keys.privateKey),
    });
    const asAlice = new Connection({
      instanceUrl: token.instanceUrl,
      accessToken: token.accessToken,
      version: '62.0',
    });
    const hers = await asAlice.sobject('Task').create({ Subject: 'hers' });
    expect((await asAlice.sobject('Task').retrieve(hers.id!)).OwnerId).toBe(alice);
  });

  it('runs client credentials as the first active user when no run-as user is configured', async () => {
    const { emulator, conn, id } = await emulatorWith();
    close = () => emulator.close();
    const ops = await id("SELECT Id FROM User WHERE Username = 'ops@acme.example'");
    const task = await conn.sobject('Task').create({ Subject: 'mine' });
    expect((await conn.sobject('Task').retrieve(task.id!)).OwnerId).toBe(ops);
  });
});

describe('Task fields', () => {
  it('lets TaskSubtype be set on create only, from its restricted values', async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    const task = await conn.sobject('Task').create({ Subject: 's', TaskSubtype: 'Email' });
    await expectError(
      conn.sobject('Task').update({ Id: task.id!, TaskSubtype: 'Call' }),
      'INVALID_FIELD_FOR_INSERT_UPDATE',
    );
    await expectError(
      conn.sobject('Task').create({ Subject: 's', TaskSubtype: 'Fax' }),
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    );
  });

  it('refuses values longer than the field (Subject 255, Description 32,000)', async () => {
    const { emulator, conn } = await emulatorWith();
    close = () => emulator.close();
    await expectError(conn.sobject('Task').create({ Subject: 'x'.repeat(256) }), 'STRING_TOO_LONG');
    await expectError(conn.sobject('Task').create({ Description: 'x'.repeat(32_001) }), 'STRING_TOO_LONG');
    const ok = await conn
      .sobject('Task')
      .create({ Subject: 'x'.repeat(255), Description: 'x'.repeat(32_000) });
    expect(ok.success).toBe(true);
  });
});
