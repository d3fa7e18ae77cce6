/**
 * The sync adapter as a fresh org's integration user (the API-only profile: every object right
 * from Capture_Integration alone), when an admin leaves a right out: a right the opportunity rule
 * needs leaves that rule unchecked, said in each mail's outcome; a right every mail needs fails the
 * mails by name (salesforce-permission-missing), to be replayed once it is granted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { INTEGRATION_USERNAME } from '#local/salesforce/object-security.ts';
import type { SalesforceEmulator } from '#local/salesforce/server.ts';
import { setupOrg } from '#shared/adapters/salesforce/admin/setup.ts';
import { SalesforceCrm } from '#shared/adapters/salesforce/index.ts';
import { writeToSalesforce } from '#shared/usecases/salesforce-writes.ts';
import { captured, crmFor, jsforceFor, org, startEmulator } from '../support/salesforce.ts';

let emulator: SalesforceEmulator;
afterEach(async () => {
  await emulator?.close();
});

/** A fresh org set up by its admin for the integration user, and both users' connections. */
async function freshOrgSetUp() {
  emulator = await startEmulator(
    {},
    { fresh: true, connectedApps: [{ clientId: 'capture', clientSecret: 'local' }] },
  );
  const setup = await setupOrg(crmFor(emulator.url), { assignee: INTEGRATION_USERNAME });
  expect(setup.steps.filter((s) => s.action === 'failed')).toEqual([]);
  const admin = await jsforceFor(emulator.url);
  const crm = new SalesforceCrm({
    credentials: {
      authFlow: 'client-credentials',
      loginUrl: emulator.url,
      clientId: 'capture',
      clientSecret: 'local',
    },
  });
  /** Takes Capture_Integration's rights on `object` away. */
  const revoke = async (object: string) => {
    const rows = await admin.query<{ Id: string }>(
      `SELECT Id FROM ObjectPermissions WHERE Parent.Name = 'Capture_Integration' AND SobjectType = '${object}'`,
    );
    expect(rows.totalSize).toBe(1);
    await admin.sobject('ObjectPermissions').destroy(rows.records[0]!.Id);
  };
  const id = async (soql: string) => (await admin.query<{ Id: string }>(soql)).records[0]!.Id;
  return { crm, revoke, id };
}

const mail = (n: number) =>
  captured({
    from: 'Alice Rep <alice@acme.example>',
    to: 'carl@globex.example',
    subject: 'Renewal',
    messageId: `<rights-${n}@acme.example>`,
  });

describe('an integration user an admin gave less than Capture_Integration', () => {
  it('writes as granted, without read on Opportunity says the opportunity rule went unchecked, and without read on Contact fails by name', async () => {
    const { crm, revoke, id } = await freshOrgSetUp();
    const renewal = await id("SELECT Id FROM Opportunity WHERE Name = 'Globex renewal 2027'");
    const globex = await id("SELECT Id FROM Account WHERE Name = 'Globex Corporation'");
    const [granted] = await writeToSalesforce({ org, crm, emails: [await mail(1)] });
    expect(granted).toMatchObject({ outcome: 'created', matchedBy: { who: 'single', what: 'opportunity' } });
    const task = (id: string | undefined) => emulator.records('Task').find((t) => t.Id === id);
    expect(task(granted?.taskId)?.WhatId).toBe(renewal);

    await revoke('Opportunity');
    const [unchecked] = await writeToSalesforce({ org, crm, emails: [await mail(2)] });
    expect(unchecked).toMatchObject({
      outcome: 'created',
      matchedBy: { who: 'single', what: 'account', unchecked: ['opportunity'] },
    });
    expect(task(unchecked?.taskId)?.WhatId).toBe(globex);

    await revoke('Contact');
    const [refused] = await writeToSalesforce({ org, crm, emails: [await mail(3)] });
    expect(refused).toMatchObject({
      outcome: 'failed',
      reason: 'salesforce-permission-missing: read on Contact',
      retryable: false,
    });
    expect(emulator.records('Task')).toHaveLength(2);
  });
});
