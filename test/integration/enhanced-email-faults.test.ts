/**
 * Enhanced Email when Salesforce fails part-way (jsforce against the emulator through a proxy
 * that fails chosen requests): the message is still logged once, and the try that completes it
 * records it as created, not as a duplicate of itself; a relation Salesforce refuses for good
 * does not fail the message.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '#local/salesforce/server.ts';
import { SalesforceCrm } from '#shared/adapters/salesforce/index.ts';
import { writeToSalesforce } from '#shared/usecases/salesforce-writes.ts';
import {
  captured,
  crmFor,
  jsforceFor,
  org,
  rewritingProxy,
  setUp,
  startEmulator,
} from '../support/salesforce.ts';

const enhanced = { ...org, salesforce: { ...org.salesforce, enhancedEmail: true } };
let emulator: SalesforceEmulator;
let proxy: Awaited<ReturnType<typeof rewritingProxy>> | undefined;

beforeEach(async () => {
  emulator = await startEmulator();
  await setUp(crmFor(emulator.url));
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await emulator.close();
});

const crmVia = (url: string) =>
  new SalesforceCrm({
    credentials: { authFlow: 'client-credentials', loginUrl: url, clientId: 'local', clientSecret: 'local' },
  });

// With a Cc'd contact the Task also gets a TaskRelation; without, the EmailMessage is all there is.
const mail = (cc = true) =>
  captured({
    from: 'Alice Rep <alice@acme.example>',
    to: 'Jane Doe <jane.doe@globex.example>',
    ...(cc ? { cc: "o'brien@globex.example" } : {}),
    subject: 'Your order ORD-10042',
    messageId: '<faults-1@acme.example>',
    body: 'It ships Monday.',
  });

async function counts() {
  const conn = await jsforceFor(emulator.url);
  const [message] = (
    await conn.query<{ Id: string; ActivityId: string }>(
      "SELECT Id, ActivityId FROM EmailMessage WHERE MessageIdentifier = '<faults-1@acme.example>'",
    )
  ).records;
  return {
    messages: (
      await conn.query("SELECT Id FROM EmailMessage WHERE MessageIdentifier = '<faults-1@acme.example>'")
    ).totalSize,
    tasks: (await conn.query("SELECT Id FROM Task WHERE Subject LIKE '%ORD-10042%'")).totalSize,
    relations: (
      await conn.query(`SELECT Id FROM EmailMessageRelation WHERE EmailMessageId = '${message?.Id}'`)
    ).totalSize,
    taskId: message?.ActivityId,
  };
}

describe('Enhanced Email when Salesforce fails part-way', () => {
  it('completes a message whose Task update failed once, as created, with one message and one Task', async () => {
    let failed = 0;
    proxy = await rewritingProxy(
      emulator.url,
      (_m, _p, body) => body,
      (method, path, body) =>
        method === 'POST' &&
        path.endsWith('/composite') &&
        body.includes('EmailMessageRelation') &&
        failed++ === 0
          ? 503
          : null,
    );
    const [result] = await writeToSalesforce({
      org: enhanced,
      emails: [await mail()],
      crm: crmVia(proxy.url),
      backoffMs: 1,
    });
    expect(failed).toBeGreaterThan(1);
    const after = await counts();
    expect(result).toMatchObject({ outcome: 'created', taskId: after.taskId });
    expect(after).toMatchObject({ messages: 1, tasks: 1, relations: 3 });
  });

  it('logs the message when Salesforce refuses one of its relations for good', async () => {
    proxy = await rewritingProxy(emulator.url, (_method, _path, body) => {
      const b = body as { compositeRequest?: { body?: { records?: Record<string, unknown>[] } }[] };
      for (const sub of b.compositeRequest ?? [])
        for (const r of sub.body?.records ?? [])
          if (
            (r.attributes as { type?: string })?.type === 'EmailMessageRelation' &&
            r.RelationType === 'CcAddress'
          )
            r.RelationType = 'NotAType';
      return body;
    });
    const [result] = await writeToSalesforce({
      org: enhanced,
      emails: [await mail()],
      crm: crmVia(proxy.url),
      backoffMs: 1,
    });
    const after = await counts();
    expect(result).toMatchObject({ outcome: 'created', taskId: after.taskId });
    expect(after).toMatchObject({ messages: 1, tasks: 1, relations: 2 });
    // The refused relation is named in the mail's outcome, not dropped silently.
    expect(result?.notes?.join('\n')).toMatch(
      /^email message relation: INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST/m,
    );
  });
});
