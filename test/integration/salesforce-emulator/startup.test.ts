/**
 * How the emulator starts: with no options (an empty org on a free loopback port), alone as
 * `npm run emulator` starts it (the demo org, Capture's setup applied; CAPTURE_SF_FRESH=1 and
 * CAPTURE_SF_API_LIMIT read), and inside the local stack `npm start` runs (setup applied, a
 * connected app per org).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@jsforce/jsforce-node/lib/connection.js';
import { OAuth2 } from '@jsforce/jsforce-node/lib/oauth2.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startSalesforceEmulator } from '#local/salesforce/server.ts';
import { defaultSeedPath, localClientId } from '#local/stack.ts';
import { jsforceFor } from '../../support/salesforce.ts';
import { stackFiles, startTestStack } from '../../support/stack.ts';
import { post, V } from './harness.ts';

const repo = join(import.meta.dirname, '../../..');
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** `npm run emulator -- <args>` as its script runs it; resolves with its URL and the line it printed. */
async function standalone(args: string[], env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--no-warnings=ExperimentalWarning', 'local/salesforce/server.ts', '--port', '0', ...args],
    { cwd: repo, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'SILENT', ...env } },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanup.push(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      out += d;
      const found = /^salesforce emulator: .*$/m.exec(out);
      if (found) resolve(found[0]);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited ${code}: ${err}`)));
  });
  const url = /^salesforce emulator: (\S+) /.exec(line)![1]!;
  return { url, line, conn: await jsforceFor(url) };
}

const fieldNames = async (conn: Connection, object: string) =>
  (await conn.sobject(object).describe()).fields.map((f) => f.name);

describe('the emulator in-process', () => {
  it('starts, without options, as an empty org on a free loopback port, with local/local, 100,000 requests a day and v62.0 record URLs', async () => {
    const a = await startSalesforceEmulator();
    cleanup.push(() => a.close());
    const b = await startSalesforceEmulator();
    cleanup.push(() => b.close());
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(a.url).port).not.toBe(new URL(b.url).port);
    const conn = await jsforceFor(a.url);
    expect((await conn.query('SELECT COUNT() FROM Account')).totalSize).toBe(0);
    expect((await conn.query('SELECT COUNT() FROM User')).totalSize).toBe(0);
    // Salesforce's setup values are there without a seed.
    expect((await conn.query('SELECT COUNT() FROM TaskStatus')).totalSize).toBe(5);
    expect((await conn.query('SELECT COUNT() FROM TaskPriority')).totalSize).toBe(3);
    expect((await conn.query('SELECT COUNT() FROM OpportunityStage')).totalSize).toBe(10);
    const account = await conn.sobject('Account').create({ Name: 'First' });
    const rows = await conn.query<{ attributes: { type: string; url: string } }>('SELECT Id FROM Account');
    expect(rows.records[0]?.attributes.url).toBe(`/services/data/v62.0/sobjects/Account/${account.id}`);
    const limits = await fetch(`${a.url}${V}/limits`, {
      headers: { authorization: `Bearer ${conn.accessToken}` },
    });
    expect(limits.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/100000$/);
  });
});

describe('the emulator started alone (npm run emulator)', () => {
  it('loads the demo org and applies Capture’s setup: its fields and Capture_Integration, assigned to the run-as user', async () => {
    const { line, conn } = await standalone([]);
    expect(line).toMatch(/\(client id\/secret: local\/local; setup applied\)$/);
    expect((await conn.query('SELECT COUNT() FROM User')).totalSize).toBe(4);
    for (const object of ['Task', 'Event', 'EmailMessage'])
      expect(await fieldNames(conn, object)).toContain('Capture_Id__c');
    const assigned = await conn.query<{ Assignee: { Username: string } }>(
      "SELECT Assignee.Username FROM PermissionSetAssignment WHERE PermissionSet.Name = 'Capture_Integration'",
    );
    // The client-credentials flow runs as the first active User of the demo org.
    expect(assigned.records.map((r) => r.Assignee.Username)).toEqual(['ops@acme.example']);
  });

  it('starts a new org with CAPTURE_SF_FRESH=1, takes its daily limit from CAPTURE_SF_API_LIMIT, the org --seed names and keeps it in --data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-emulator-alone-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const seed = join(dir, 'seed.json');
    writeFileSync(
      seed,
      JSON.stringify({
        User: [{ Username: 'admin@fresh.example', Email: 'admin@fresh.example', LastName: 'Admin' }],
        Account: [{ Name: 'Fresh Co' }],
      }),
    );
    const data = join(dir, 'state.json');
    const { line, conn, url } = await standalone(['--seed', seed, '--data', data], {
      CAPTURE_SF_FRESH: '1',
      CAPTURE_SF_API_LIMIT: '777',
    });
    expect(line).toMatch(/\(client id\/secret: local\/local; a fresh org\)$/);
    expect(JSON.parse(readFileSync(data, 'utf8')).format).toBe('capture-salesforce-emulator/1');
    expect(
      (await conn.query<{ Name: string }>('SELECT Name FROM Account')).records.map((r) => r.Name),
    ).toEqual(['Fresh Co']);
    // Beside the seed's admin, an integration user on the API-only profile, as a new org's admin makes one.
    const users = await conn.query<{ Username: string; Profile: { Name: string } | null }>(
      'SELECT Username, Profile.Name FROM User',
    );
    expect(users.records.map((u) => [u.Username, u.Profile?.Name ?? null])).toEqual([
      ['admin@fresh.example', null],
      ['integration@capture.localhost', 'Minimum Access - API Only Integrations'],
    ]);
    expect(await fieldNames(conn, 'Task')).not.toContain('Capture_Id__c');
    expect(
      (await conn.query("SELECT Id FROM PermissionSet WHERE Name = 'Capture_Integration'")).totalSize,
    ).toBe(0);
    // Field-level security is on: a field made now is hidden until a permission set grants it.
    await post(conn, `${V}/tooling/sobjects/CustomField`, {
      FullName: 'Task.Capture_Id__c',
      Metadata: { type: 'Text', length: 255, externalId: true },
    });
    expect(await fieldNames(conn, 'Task')).not.toContain('Capture_Id__c');
    const limits = await fetch(`${url}${V}/limits`, {
      headers: { authorization: `Bearer ${conn.accessToken}` },
    });
    expect(limits.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/777$/);
  });
});

describe('the emulator of the local stack (npm start)', () => {
  it('has Capture’s setup applied, and a connected app local-<orgId> with secret local for each org', async () => {
    const files = stackFiles(
      'capture-sf-startup-',
      {
        captureDomain: 'capture.localhost',
        orgs: [
          {
            id: 'acme',
            internalDomains: ['acme.example'],
            addresses: [{ token: 'acme-startup7k2m9q4x', mode: 'bcc' }],
            defaultOwnerEmail: 'ops@acme.example',
          },
        ],
      },
      {},
    );
    cleanup.push(() => rmSync(files.dir, { recursive: true, force: true }));
    const stack = await startTestStack({ configPath: files.configPath, seedPath: defaultSeedPath });
    cleanup.push(() => stack.stop());
    const oauth = (clientId: string, clientSecret: string) =>
      new OAuth2({ clientId, clientSecret, loginUrl: stack.salesforceUrl }).requestToken({
        grant_type: 'client_credentials',
      });
    const token = await oauth(localClientId('acme'), 'local');
    await expect(oauth(localClientId('acme'), 'other')).rejects.toMatchObject({ name: 'invalid_client' });
    const conn = new Connection({
      instanceUrl: token.instance_url,
      accessToken: token.access_token,
      version: '62.0',
    });
    expect(await fieldNames(conn, 'Task')).toContain('Capture_Id__c');
    const assigned = await conn.query(
      "SELECT Id FROM PermissionSetAssignment WHERE PermissionSet.Name = 'Capture_Integration'",
    );
    expect(assigned.totalSize).toBe(1);
  });
});
