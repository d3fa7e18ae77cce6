/** The emulator's state survives a restart: export/import and the dataFile option. */
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
    await a.close();

    const b = await startSalesforceEmulator();
    b.importState(state);
    const conn2 = await jsforceFor(b.url);
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
