/**
 * What one failing request costs, counted at the emulator: jsforce's own retries are off, so each
 * Salesforce call is one HTTP request and the sync stage's retry is the only repeat. Also the
 * API usage the adapter reads from every response, and a dedupe key that is not Unique.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '#local/salesforce/server.ts';
import { cutText } from '#shared/domain/text-limit.ts';
import { writeToSalesforce } from '#shared/usecases/salesforce-writes.ts';
import { captured, crmFor, jsforceFor, org, setUp, startEmulator } from '../support/salesforce.ts';

let emulator: SalesforceEmulator;
beforeEach(async () => {
  emulator = await startEmulator();
});
afterEach(async () => {
  await emulator.close();
});

const mail = (n: number) =>
  captured({
    from: 'alice@acme.example',
    to: 'jane.doe@globex.example',
    subject: `Requests ${n}`,
    messageId: `<requests-${n}@acme.example>`,
  });

describe('requests per failing call', () => {
  it('sends a refused GET once (jsforce alone would send it six times)', async () => {
    const crm = crmFor(emulator.url);
    await crm.query('SELECT Id FROM User LIMIT 1');
    emulator.setFaults({ rates: { SERVER_ERROR: 1 }, only: { method: 'GET', path: /^\/query/ } });
    const before = emulator.apiRequestCount();
    await expect(crm.query('SELECT Id FROM Contact')).rejects.toMatchObject({ code: 'SERVER_UNAVAILABLE' });
    expect(emulator.apiRequestCount() - before).toBe(1);
  });

  it('sends a failing Task write once per attempt of the sync stage: retries + 1 requests in all', async () => {
    const crm = crmFor(emulator.url);
    await setUp(crm);
    const emails = [await mail(1)];
    // Learn the org first, so only the write is left to count.
    await crm.capabilities();
    emulator.setFaults({
      rates: { SERVER_ERROR: 1 },
      only: { method: 'PATCH', path: /^\/composite\/sobjects\/Task\// },
    });
    const writes = () => emulator.faultsInjected();
    const [result] = await writeToSalesforce({ org, emails, crm, retries: 2, backoffMs: 0 });
    expect(result).toMatchObject({ outcome: 'failed', retryable: true });
    expect(writes()).toBe(3);
  });
});

describe('API usage and the dedupe key', () => {
  it('reads Sforce-Limit-Info from every response', async () => {
    await emulator.close();
    emulator = await startEmulator({}, { dailyApiLimit: 1_000 });
    const crm = crmFor(emulator.url);
    expect(crm.apiUsage()).toBeNull();
    await crm.query('SELECT Id FROM User LIMIT 1');
    expect(crm.apiUsage()).toEqual({ used: 1, max: 1_000 });
    await crm.query('SELECT Id FROM User LIMIT 1');
    expect(crm.apiUsage()).toEqual({ used: 2, max: 1_000 });
  });

  it('takes the oldest Task when a key that is not Unique matches two', async () => {
    const crm = crmFor(emulator.url);
    await setUp(crm);
    const conn = await jsforceFor(emulator.url);
    const email = await mail(2);
    const first = await writeToSalesforce({ org, emails: [email], crm });
    const key = emulator.records('Task')[0]?.Capture_Id__c as string;
    // A second Task with the same key, as a race between two deliveries could leave.
    await conn.sobject('Task').create({ Subject: 'twin', Status: 'Completed', Capture_Id__c: key });
    const again = await writeToSalesforce({ org, emails: [email], crm });
    expect(again[0]).toMatchObject({ outcome: 'duplicate', taskId: first[0]?.taskId });
  });
});

describe('cutting text', () => {
  it('never splits a surrogate pair', () => {
    expect(cutText('ab😀c', 3)).toBe('ab');
    expect(cutText('ab😀c', 4)).toBe('ab😀');
    expect(cutText('abc', 5)).toBe('abc');
  });
});
