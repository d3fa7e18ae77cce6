/**
 * `capture salesforce setup|check` for meeting invites and Enhanced Email, through the real command
 * line against the emulator: setup adds Capture_Sequence__c on Activity and Capture_Id__c on
 * EmailMessage; check reports both; an org without Enhanced Email is warned, not failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '#local/salesforce/server.ts';
import { runCapture } from '../support/cli.ts';
import { startEmulator } from '../support/salesforce.ts';

let withEnhanced: SalesforceEmulator;
let withoutEnhanced: SalesforceEmulator;

beforeAll(async () => {
  withEnhanced = await startEmulator();
  withoutEnhanced = await startEmulator({ Organization: [{ EnhancedEmailEnabled: false }] });
});
afterAll(async () => {
  await withEnhanced?.close();
  await withoutEnhanced?.close();
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
  it('adds Capture_Sequence__c and EmailMessage.Capture_Id__c, and check reports them', async () => {
    expect(await checksOf(withEnhanced.url)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'Event.Capture_Id__c and Capture_Sequence__c',
          ok: false,
          blocking: false,
        }),
        expect.objectContaining({
          name: 'EmailMessage.Capture_Id__c (Enhanced Email)',
          ok: false,
          blocking: false,
        }),
      ]),
    );
    const setup = await capture(['salesforce', 'setup', '--json'], withEnhanced.url);
    expect(setup.code).toBe(0);
    expect(JSON.parse(setup.stdout).fields).toEqual(
      expect.arrayContaining([
        { field: 'Activity.Capture_Sequence__c', created: true },
        { field: 'EmailMessage.Capture_Id__c', created: true },
      ]),
    );
    expect(await checksOf(withEnhanced.url)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'Event.Capture_Id__c and Capture_Sequence__c', ok: true }),
        expect.objectContaining({ name: 'EmailMessage.Capture_Id__c (Enhanced Email)', ok: true }),
      ]),
    );
  });

  it('warns, without failing, about an org without Enhanced Email', async () => {
    const setup = await capture(['salesforce', 'setup'], withoutEnhanced.url);
    expect(setup.code).toBe(0);
    expect(setup.stdout).toMatch(/added {3}Activity\.Capture_Sequence__c/);
    const check = await capture(['salesforce', 'check'], withoutEnhanced.url);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/warn {2}EmailMessage readable \(Enhanced Email\)/);
    expect(check.stdout).toMatch(/ok {4}Event\.Capture_Id__c and Capture_Sequence__c/);
  });
});
