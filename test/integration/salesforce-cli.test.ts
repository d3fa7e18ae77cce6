/** `capture salesforce check|setup` through the real command line against the emulator. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SalesforceEmulator, startSalesforceEmulator } from '#local/salesforce/server.ts';
import { runCapture } from '../support/cli.ts';
import { demoSeed, startEmulator } from '../support/salesforce.ts';

let emulator: SalesforceEmulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(() => emulator.close());

const capture = (args: string[], env: Record<string, string>) => runCapture(args, { env });

describe('capture salesforce', () => {
  it('checks, sets up the fields and the permission set idempotently, and checks again', {
    timeout: 90_000,
  }, async () => {
    const env = { SF_LOGIN_URL: emulator.url, SF_CLIENT_ID: 'local', SF_CLIENT_SECRET: 'local' };
    const before = JSON.parse((await capture(['salesforce', 'check', '--json'], env)).stdout);
    expect(before.ok).toBe(true);
    expect(before.checks).toContainEqual(
      expect.objectContaining({ name: 'API version', ok: true, detail: expect.stringMatching(/^v62\.0/) }),
    );
    expect(before.checks).toContainEqual(
      expect.objectContaining({ name: 'field Task.Capture_Id__c', ok: false, blocking: false }),
    );
    expect(before.missing).toEqual(
      expect.arrayContaining(['field Task.Capture_Id__c', 'permission set Capture_Integration']),
    );

    const setup = await capture(['salesforce', 'setup', '--json'], env);
    expect(setup.code).toBe(0);
    const steps = JSON.parse(setup.stdout).steps as { item: string; action: string }[];
    expect(steps.filter((s) => /^field \w+\.\w+__c$/.test(s.item)).map((s) => s.action)).toEqual([
      'created',
      'created',
      'created',
      'created',
      'created',
      'created',
    ]);
    const state = emulator.exportState().records;
    const again = await capture(['salesforce', 'setup', '--json'], env);
    expect(again.code).toBe(0);
    expect(new Set(JSON.parse(again.stdout).steps.map((s: { action: string }) => s.action))).toEqual(
      new Set(['unchanged']),
    );
    expect(emulator.exportState().records).toEqual(state);

    const after = await capture(['salesforce', 'check'], env);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/ok {4}field Task\.Capture_Id__c: visible and editable; External ID/);
    expect(after.stdout).toMatch(/ok {4}permission set Capture_Integration: assigned to this user/);
  });

  it('authenticates with the JWT bearer flow from SF_USERNAME and SF_PRIVATE_KEY_FILE', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwtEmulator = await startSalesforceEmulator({
      seed: structuredClone(demoSeed),
      jwtCertificate: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    const dir = mkdtempSync(join(tmpdir(), 'capture-sf-'));
    const keyFile = join(dir, 'server.key');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    try {
      const env = {
        SF_LOGIN_URL: jwtEmulator.url,
        SF_CLIENT_ID: 'local',
        SF_USERNAME: 'ops@acme.example',
        SF_PRIVATE_KEY_FILE: keyFile,
      };
      const ok = await capture(['salesforce', 'check', '--json'], env);
      expect(JSON.parse(ok.stdout).checks[0]).toMatchObject({ name: 'authentication', ok: true });
      // A key the org does not trust is refused, permanently and readably.
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      writeFileSync(keyFile, other.export({ type: 'pkcs8', format: 'pem' }).toString());
      const refused = await capture(['salesforce', 'check'], env);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toMatch(/FAIL {2}authentication: SALESFORCE_AUTH_FAILED/);
    } finally {
      await jwtEmulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 with a readable report when authentication fails, and one error line without credentials', async () => {
    const bad = await capture(['salesforce', 'check'], {
      SF_LOGIN_URL: emulator.url,
      SF_CLIENT_ID: 'local',
      SF_CLIENT_SECRET: 'wrong',
    });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL {2}authentication: .*invalid client credentials/);
    const none = await capture(['salesforce', 'setup'], {});
    expect(none.code).toBe(1);
    expect(none.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: .*SF_LOGIN_URL/)]);
  });
});
