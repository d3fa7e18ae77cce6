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
  it('checks, sets up the custom fields idempotently, and checks again', async () => {
    const env = { SF_LOGIN_URL: emulator.url, SF_CLIENT_ID: 'local', SF_CLIENT_SECRET: 'local' };
    const before = JSON.parse((await capture(['salesforce', 'check', '--json'], env)).stdout);
    expect(before.ok).toBe(true);
    expect(before.checks).toContainEqual(
      expect.objectContaining({ name: 'API version', ok: true, detail: expect.stringMatching(/^v62\.0/) }),
    );
    expect(before.checks).toContainEqual(
      expect.objectContaining({ name: 'Task.Capture_Id__c', ok: false, blocking: false }),
    );

    const setup = await capture(['salesforce', 'setup', '--json'], env);
    expect(setup.code).toBe(0);
    expect(JSON.parse(setup.stdout).fields.map((f: { created: boolean }) => f.created)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    const again = await capture(['salesforce', 'setup', '--json'], env);
    expect(JSON.parse(again.stdout).fields.map((f: { created: boolean }) => f.created)).toEqual([
      false,
      false,
      false,
      false,
    ]);

    const after = await capture(['salesforce', 'check'], env);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/ok {4}Task\.Capture_Id__c: External ID/);
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
