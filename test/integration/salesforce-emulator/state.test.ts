/** Seeds load as a data load would, and the emulator's state survives a restart: export/import and the dataFile option. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSalesforceEmulator } from '#local/salesforce/server.ts';
import { demoSeed, jsforceFor } from '../../support/salesforce.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'sf-emulator-state-'));
  dirs.push(d);
  return d;
};

describe('state', () => {
  it('exports and imports every record, the recycle bin, counters and custom fields', async () => {
    const a = await startSalesforceEmulator({ seed: structuredClone(demoSeed) });
    const conn = await jsforceFor(a.url);
    await conn.tooling.sobject('CustomField').create({
      FullName: 'Task.Capture_Id__c',
      Metadata: { label: 'Capture Id', type: 'Text', length: 80, externalId: true, unique: true },
    });
    const acct = await conn.sobject('Account').create({ Name: 'Kept Co' });
    const gone = await conn.sobject('Account').create({ Name: 'Deleted Co' });
    await conn.sobject('Account').destroy(gone.id!);
    const owner = (await conn.query<{ Id: string }>('SELECT Id FROM User LIMIT 1')).records[0]!.Id;
    await conn.sobject('Task').create({ Subject: 'kept', OwnerId: owner, Capture_Id__c: 'cap-1' });
    const state = JSON.parse(JSON.stringify(a.exportState()));
    expect(Object.keys(state).sort()).toEqual(
      ['counter', 'deleted', 'format', 'orderNumber', 'records', 'schema', 'settings'].sort(),
    );
    expect(state.format).toBe('capture-salesforce-emulator/1');
    await a.close();

    // Importing replaces everything the other emulator held, its settings too.
    const b = await startSalesforceEmulator({
      seed: { Organization: [{ SharedActivitiesEnabled: false }], Account: [{ Name: 'Replaced Co' }] },
    });
    b.importState(state);
    expect(b.exportState().settings).toEqual(state.settings);
    const conn2 = await jsforceFor(b.url);
    expect((await conn2.query("SELECT Id FROM Account WHERE Name = 'Replaced Co'")).totalSize).toBe(0);
    expect((await conn2.query("SELECT Id FROM Account WHERE Name = 'Kept Co'")).records[0]?.Id).toBe(acct.id);
    expect((await conn2.query("SELECT Subject FROM Task WHERE Capture_Id__c = 'cap-1'")).totalSize).toBe(1);
    const bin = await conn2.query("SELECT Id FROM Account WHERE Name = 'Deleted Co'", { scanAll: true });
    expect(bin.totalSize).toBe(1);
    // The id counter continued: a new record never reuses an id handed out before the restart.
    const next = await conn2.sobject('Account').create({ Name: 'After restart' });
    expect([acct.id, gone.id]).not.toContain(next.id);
    await b.close();
  });

  it('loads dataFile at start instead of the seed and saves committed writes atomically', async () => {
    const file = join(tempDir(), 'nested', 'salesforce.json');
    const a = await startSalesforceEmulator({ seed: structuredClone(demoSeed), dataFile: file });
    const conn = await jsforceFor(a.url);
    const created = await conn.sobject('Account').create({ Name: 'Persisted Co' });
    await a.close();
    const onDisk = JSON.parse(readFileSync(file, 'utf8'));
    expect(onDisk.records.Account.map((r: { Name: string }) => r.Name)).toContain('Persisted Co');
    expect(readdirSync(join(file, '..'))).toEqual(['salesforce.json']);

    // A different seed is ignored: the file is the org now.
    const b = await startSalesforceEmulator({ seed: { Account: [{ Name: 'Other' }] }, dataFile: file });
    const conn2 = await jsforceFor(b.url);
    const names = (await conn2.query<{ Name: string }>('SELECT Name FROM Account')).records.map(
      (r) => r.Name,
    );
    expect(names).toContain('Persisted Co');
    expect(names).not.toContain('Other');
    expect((await conn2.sobject('Account').retrieve(created.id!)).Name).toBe('Persisted Co');
    await b.close();
  });

  it('takes a saved org from dataFile as it is: fresh applies to a new org only', async () => {
    const file = join(tempDir(), 'salesforce.json');
    const a = await startSalesforceEmulator({ seed: structuredClone(demoSeed), dataFile: file });
    const conn = await jsforceFor(a.url);
    await conn.tooling.sobject('CustomField').create({
      FullName: 'Account.Tier__c',
      Metadata: { type: 'Text', length: 20 },
    });
    await a.close();
    const b = await startSalesforceEmulator({ dataFile: file, fresh: true });
    const conn2 = await jsforceFor(b.url);
    // Field-level security stayed off: the field is as visible as before the restart.
    const described = (await conn2.sobject('Account').describe()).fields.map((f) => f.name);
    expect(described).toContain('Tier__c');
    await b.close();
  });

  it('saves a committed write without waiting for close, and not a refused one', async () => {
    const file = join(tempDir(), 'salesforce.json');
    const a = await startSalesforceEmulator({ seed: structuredClone(demoSeed), dataFile: file });
    const conn = await jsforceFor(a.url);
    await conn.sobject('Account').create({ Name: 'Saved Early' });
    const names = () =>
      JSON.parse(readFileSync(file, 'utf8')).records.Account.map((r: { Name: string }) => r.Name) as string[];
    await vi.waitFor(() => expect(names()).toContain('Saved Early'));
    await conn
      .sobject('Account')
      .create({ Name: 'x'.repeat(256) })
      .catch(() => null);
    await a.close();
    expect(names().some((n) => n.startsWith('xxx'))).toBe(false);
  });
});

describe('seeds', () => {
  it('resolve @Type:Key by Name, Email, Username, OrderNumber or LastName, parents first, keep read-only fields and add unknown objects and fields', async () => {
    // Children come first in the file: the emulator loads parents first all the same.
    const seed = {
      Task: [
        {
          Subject: 'Seeded call',
          OwnerId: '@User:Seed.Owner@example.com',
          WhoId: '@Contact:Nobody',
          WhatId: '@Order:00000042',
        },
      ],
      Contact: [
        {
          FirstName: 'Nora',
          LastName: 'Nobody',
          OwnerId: '@User:owner@seeded.example',
          AccountId: '@Account:seeded co',
        },
      ],
      Order: [
        {
          OrderNumber: '00000042',
          AccountId: '@Account:Seeded Co',
          Status: 'Draft',
          EffectiveDate: '2026-01-01',
        },
      ],
      Account: [{ Name: 'Seeded Co', Tier__c: 'Gold' }],
      User: [{ Username: 'seed.owner@example.com', Email: 'owner@seeded.example', LastName: 'Owner' }],
      Widget__c: [{ Name: 'Sprocket', Colour__c: 'red', Count__c: 3 }],
    };
    const a = await startSalesforceEmulator({ seed: seed as never });
    const conn = await jsforceFor(a.url);
    const task = (
      await conn.query<{ Owner: { Username: string }; Who: { Name: string }; What: { Name: string } }>(
        'SELECT Owner.Username, Who.Name, What.Name FROM Task',
      )
    ).records[0]!;
    expect([task.Owner.Username, task.Who.Name, task.What.Name]).toEqual([
      'seed.owner@example.com',
      'Nora Nobody',
      '00000042',
    ]);
    const contact = await conn.query<{ Owner: { Username: string }; Account: { Name: string } }>(
      'SELECT Owner.Username, Account.Name FROM Contact',
    );
    expect([contact.records[0]?.Owner.Username, contact.records[0]?.Account.Name]).toEqual([
      'seed.owner@example.com',
      'Seeded Co',
    ]);
    const account = await conn.query<{ Tier__c: string }>(
      "SELECT Tier__c FROM Account WHERE Name = 'Seeded Co'",
    );
    expect(account.records[0]?.Tier__c).toBe('Gold');
    const widgets = await conn.query<{ Name: string; Colour__c: string; Count__c: number }>(
      'SELECT Name, Colour__c, Count__c FROM Widget__c',
    );
    expect(widgets.records.map((w) => [w.Name, w.Colour__c, w.Count__c])).toEqual([['Sprocket', 'red', 3]]);
    // OrderNumber is read-only to the API; a seed sets it as a data load can.
    const order = await conn.query<{ Id: string }>("SELECT Id FROM Order WHERE OrderNumber = '00000042'");
    await expect(
      conn.sobject('Order').update({ Id: order.records[0]!.Id, OrderNumber: '1' }),
    ).rejects.toMatchObject({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE' });
    // What a seed added is part of the state, as fields added through the Tooling API are.
    const b = await startSalesforceEmulator();
    b.importState(a.exportState());
    const conn2 = await jsforceFor(b.url);
    expect((await conn2.query('SELECT Colour__c FROM Widget__c')).totalSize).toBe(1);
    expect((await conn2.query("SELECT Id FROM Account WHERE Tier__c = 'Gold'")).totalSize).toBe(1);
    await a.close();
    await b.close();
  });
});
