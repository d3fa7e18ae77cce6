/**
 * Contract test against a real Salesforce org: the same adapter and use case as the emulator
 * tests. Runs only when SF_LOGIN_URL, SF_CLIENT_ID and SF_CLIENT_SECRET (or SF_USERNAME +
 * SF_PRIVATE_KEY_FILE) are set; it creates a Contact and a Task, checks them, and deletes both.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SalesforceCrm } from '#shared/adapters/salesforce/index.ts';
import { parseSalesforceSecret } from '#shared/config/salesforce-secret.ts';
import { syncBatch } from '#shared/usecases/sync-batch.ts';
import { captured, org } from '../support/salesforce.ts';

const env = process.env;
const configured = Boolean(
  env.SF_LOGIN_URL && env.SF_CLIENT_ID && (env.SF_CLIENT_SECRET || env.SF_PRIVATE_KEY_FILE),
);
if (!configured)
  console.info(
    'contract test against a real Salesforce org skipped: SF_LOGIN_URL / SF_CLIENT_ID / credentials not set',
  );

describe.skipIf(!configured)('real Salesforce org', () => {
  it('creates one Task for a BCC to a new contact, with the mapped fields', async () => {
    const credentials = parseSalesforceSecret(
      env.SF_PRIVATE_KEY_FILE
        ? {
            authFlow: 'jwt-bearer',
            loginUrl: env.SF_LOGIN_URL,
            clientId: env.SF_CLIENT_ID,
            username: env.SF_USERNAME,
            privateKey: readFileSync(env.SF_PRIVATE_KEY_FILE, 'utf8'),
          }
        : {
            authFlow: 'client-credentials',
            loginUrl: env.SF_LOGIN_URL,
            clientId: env.SF_CLIENT_ID,
            clientSecret: env.SF_CLIENT_SECRET,
          },
      'SF_* environment',
    );
    const crm = new SalesforceCrm({ credentials });
    const stamp = Date.now();
    const email = `capture.contract.${stamp}@example.com`;
    const users = await crm.query<{ Id: string; Email: string }>(
      'SELECT Id, Email FROM User WHERE IsActive = true LIMIT 1',
    );
    const owner = users[0]!;
    const contact = await crm.request<{ id: string }>('POST', '/sobjects/Contact', {
      LastName: `Contract ${stamp}`,
      Email: email,
    });
    try {
      const testOrg = {
        ...org,
        internalDomains: [owner.Email.split('@')[1]!],
        defaultOwnerEmail: owner.Email,
      };
      const mail = await captured({
        from: owner.Email,
        to: email,
        subject: `Capture contract ${stamp}`,
        messageId: `<contract-${stamp}@capture.test>`,
      });
      const results = await syncBatch({
        org: testOrg,
        emails: [
          {
            ...mail,
            participants: mail.participants.map((p) => ({ ...p, internal: p.address === owner.Email })),
          },
        ],
        crm,
      });
      expect(results[0]?.outcome).toBe('created');
      const [task] = await crm.query<Record<string, unknown>>(
        `SELECT Id, Subject, WhoId, OwnerId, TaskSubtype, Status FROM Task WHERE Id = '${results[0]!.taskId}'`,
      );
      expect(task).toMatchObject({
        Subject: `Email: Capture contract ${stamp}`,
        WhoId: contact.id,
        OwnerId: owner.Id,
        TaskSubtype: 'Email',
        Status: 'Completed',
      });
      await crm.request('DELETE', `/sobjects/Task/${results[0]!.taskId}`);
    } finally {
      await crm.request('DELETE', `/sobjects/Contact/${contact.id}`);
    }
  });
});
