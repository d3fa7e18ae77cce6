/**
 * `capture salesforce setup|check` for meeting invites and Enhanced Email, through the real command
 * line against the emulator: setup adds Capture_Sequence__c on Activity and Capture_Id__c on
 * EmailMessage; check reports both; Enhanced Email comes from the org's setting, not from whether
 * EmailMessage exists (an org with Email-to-Case alone has EmailMessage); an org without Enhanced
 * Email is warned, not failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '#local/salesforce/server.ts';
import { runCapture } from '../support/cli.ts';
import { startEmulator } from '../support/salesforce.ts';

let withEnhanced: SalesforceEmulator;
let withoutEnhanced: SalesforceEmulator;
let caseOnly: SalesforceEmulator;

beforeAll(async () => {
  withEnhanced = await startEmulator();
  withoutEnhanced = await startEmulator({ Organization: [{ EnhancedEmailEnabled: false }] });
  caseOnly = await startEmulator({
    Organization: [{ EnhancedEmailEnabled: false, EmailToCaseEnabled: true }],
  });
});
afterAll(async () => {
  await withEnhanced?.close();
  await withoutEnhanced?.close();
  await caseOnly?.close();
});

const capture = (args: string[], url: string) =>
  runCapture(args, { env: { SF_LOGIN_URL: url, SF_CLIENT_ID: 'local', SF_CLIENT_SECRET: 'local' } });

const checksOf = async (url: string) =>
  JSON.parse((await capture(['salesforce', 'check', '--json'], url)).stdout).checks as {
    name: string;
    ok: boolean;
    blocking: boolean;
  }[];

describe('capture salesforce setup and check for Events and Enhanced Email', () => {
  it('adds Capture_Sequence__c and EmailMessage.Capture_Id__c, and check reports them', {
    timeout: 90_000,
  }, async () => {
    expect(await checksOf(withEnhanced.url)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'field Event.Capture_Id__c', ok: false, blocking: false }),
        expect.objectContaining({ name: 'field EmailMessage.Capture_Id__c', ok: false, blocking: false }),
        expect.objectContaining({ name: 'Enhanced Email', ok: true }),
      ]),
    );
    const setup = await capture(['salesforce', 'setup', '--json'], withEnhanced.url);
    expect(setup.code).toBe(0);
    expect(JSON.parse(setup.stdout).steps).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ item: 'field Activity.Capture_Sequence__c', action: 'created' }),
        { item: 'field EmailMessage.Capture_Id__c', action: 'created' },
      ]),
    );
    expect(await checksOf(withEnhanced.url)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'field Event.Capture_Id__c', ok: true }),
        expect.objectContaining({ name: 'field Event.Capture_Sequence__c', ok: true }),
        expect.objectContaining({ name: 'field EmailMessage.Capture_Id__c', ok: true }),
      ]),
    );
  });

  it('warns, without failing, about an org without Enhanced Email, and skips its field', {
    timeout: 90_000,
  }, async () => {
    const setup = await capture(['salesforce', 'setup'], withoutEnhanced.url);
    expect(setup.code).toBe(0);
    expect(setup.stdout).toMatch(/created {3}field Activity\.Capture_Sequence__c/);
    expect(setup.stdout).toMatch(
      /skipped {3}field EmailMessage\.Capture_Id__c \(the org has no EmailMessage/,
    );
    const check = await capture(['salesforce', 'check'], withoutEnhanced.url);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/warn {2}Enhanced Email: off/);
    expect(check.stdout).toMatch(/ok {4}Email-to-Case: absent; EmailMessage does not exist/);
    expect(check.stdout).toMatch(/ok {4}field Event\.Capture_Id__c: visible and editable/);
  });

  it('tells an org with Email-to-Case but no Enhanced Email from one with Enhanced Email', {
    timeout: 90_000,
  }, async () => {
    const setup = await capture(['salesforce', 'setup'], caseOnly.url);
    expect(setup.code).toBe(0);
    // EmailMessage exists there (for Cases), so its field is made; nothing is reported as "exists".
    expect(setup.stdout).toMatch(/created {3}field EmailMessage\.Capture_Id__c/);
    const checks = await checksOf(caseOnly.url);
    expect(checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'Enhanced Email', ok: false, detail: expect.stringMatching(/^off/) }),
        expect.objectContaining({
          name: 'Email-to-Case',
          detail: expect.stringMatching(/^present; EmailMessage exists \(for Email-to-Case only/),
        }),
      ]),
    );
  });
});
