/**
 * Faults between the adapter and Salesforce: sessions revoked mid-batch, connections dropped
 * before a request is processed (emulator) and responses lost after it was (a proxy in front
 * of the emulator). Every message still ends as exactly one Task.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '#local/salesforce/server.ts';
import { SalesforceCrm } from '#shared/adapters/salesforce/index.ts';
import type { CapturedEmail } from '#shared/domain/captured-email.ts';
import { type EmailSyncResult, writeToSalesforce } from '#shared/usecases/salesforce-writes.ts';
import { captured, MemoryAttachments, org, setUp, startEmulator } from '../support/salesforce.ts';

let emulator: SalesforceEmulator;
beforeEach(async () => {
  emulator = await startEmulator();
});
afterEach(async () => {
  await emulator.close();
});

/**
 * Forwards to the emulator; `loseResponse` picks requests whose response is thrown away after
 * the emulator has processed them (the socket is destroyed), as a timeout or a reset would.
 */
async function lossyProxy(upstream: string, loseResponse: (method: string, path: string) => boolean) {
  const target = new URL(upstream);
  let lost = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const forward = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (up) => {
          const body: Buffer[] = [];
          up.on('data', (c: Buffer) => body.push(c));
          up.on('end', () => {
            if (loseResponse(req.method ?? 'GET', req.url ?? '')) {
              lost++;
              req.socket.destroy();
              return;
            }
            let payload = Buffer.concat(body);
            // The token response names the instance: keep jsforce talking to the proxy.
            if ((req.url ?? '').startsWith('/services/oauth2/token'))
              payload = Buffer.from(payload.toString().replaceAll(upstream, proxyUrl));
            const headers = { ...up.headers, 'content-length': String(payload.length) };
            delete headers['transfer-encoding'];
            res.writeHead(up.statusCode ?? 502, headers);
            res.end(payload);
          });
        },
      );
      forward.on('error', () => req.socket.destroy());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: proxyUrl,
    lost: () => lost,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const crmAt = (url: string) =>
  new SalesforceCrm({
    credentials: { authFlow: 'client-credentials', loginUrl: url, clientId: 'local', clientSecret: 'local' },
  });

async function mails(n: number, prefix: string, files?: MemoryAttachments): Promise<CapturedEmail[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      captured(
        {
          from: i % 2 ? 'bob@acme.example' : 'alice@acme.example',
          to: 'jane.doe@globex.example',
          cc: 'carl@globex.example',
          subject: `${prefix} ${i}`,
          messageId: `<${prefix}-${i}@acme.example>`,
          ...(files && i === 0
            ? { attachments: [{ filename: 'q.pdf', contentType: 'application/pdf', content: 'PDF' }] }
            : {}),
        },
        files,
      ),
    ),
  );
}

/** Redelivers what failed retryably, as SQS would, until nothing is left (bounded). */
async function deliver(
  emails: CapturedEmail[],
  run: (emails: CapturedEmail[]) => Promise<EmailSyncResult[]>,
) {
  let pending = emails;
  const final: EmailSyncResult[] = [];
  for (let round = 0; round < 10 && pending.length > 0; round++) {
    const results = await run(pending);
    expect(results.filter((r) => r.outcome === 'failed' && !r.retryable)).toEqual([]);
    final.push(...results.filter((r) => r.outcome !== 'failed'));
    pending = pending.filter((_, i) => results[i]?.outcome === 'failed');
  }
  expect(pending).toEqual([]);
  return final;
}

describe('Salesforce faults', () => {
  it('survives revoked sessions and dropped connections with one Task per message', async () => {
    const crm = crmAt(emulator.url);
    await setUp(crm);
    emulator.setFaults({ rates: { INVALID_SESSION_ID: 0.25, DROP_CONNECTION: 0.15 }, seed: 3 });
    const emails = await mails(8, 'sess');
    const results = await deliver(emails, (batch) =>
      writeToSalesforce({ org, emails: batch, crm, backoffMs: 2, retries: 4 }),
    );
    emulator.setFaults({});
    expect(emulator.faultsInjected()).toBeGreaterThan(0);
    expect(results.map((r) => r.outcome).sort()).toEqual(Array(8).fill('created'));
    const tasks = emulator.records('Task');
    expect(tasks).toHaveLength(8);
    expect(new Set(tasks.map((t) => t.Capture_Id__c)).size).toBe(8);
  });

  it('re-sends a Task write whose response was lost without making a second Task, and still adds relations and files', async () => {
    let dropped = false;
    const proxy = await lossyProxy(emulator.url, (method, path) => {
      if (dropped || method !== 'PATCH' || !path.includes('/composite/sobjects/Task/Capture_Id__c'))
        return false;
      dropped = true;
      return true;
    });
    try {
      const crm = crmAt(proxy.url);
      await setUp(crm);
      const files = new MemoryAttachments();
      const emails = await mails(3, 'lost', files);
      const results = await writeToSalesforce({ org, emails, crm, attachments: files, backoffMs: 2 });
      expect(proxy.lost()).toBe(1);
      expect(results.map((r) => r.outcome)).toEqual(['created', 'created', 'created']);
      const tasks = emulator.records('Task');
      expect(tasks).toHaveLength(3);
      expect(tasks.map((t) => t.Id).sort()).toEqual(results.map((r) => r.taskId).sort());
      // Carl (Cc) on each Task beside the WhoId and WhatId Salesforce relates itself, the PDF on the first.
      const added = emulator
        .records('TaskRelation')
        .filter(
          (r) =>
            !tasks.some((t) => t.Id === r.TaskId && (t.WhoId === r.RelationId || t.WhatId === r.RelationId)),
        );
      expect(added).toHaveLength(3);
      expect(emulator.records('ContentVersion').map((v) => v.PathOnClient)).toEqual(['q.pdf']);
    } finally {
      await proxy.close();
    }
  });

  it('reports a lookup whose response keeps getting lost as retryable, then succeeds on redelivery', async () => {
    let lose = true;
    const proxy = await lossyProxy(
      emulator.url,
      (method, path) => lose && method === 'POST' && path.endsWith('/composite'),
    );
    try {
      await setUp(crmAt(emulator.url));
      const crm = crmAt(proxy.url);
      const emails = await mails(2, 'lookup');
      const first = await writeToSalesforce({ org, emails, crm, backoffMs: 1, retries: 2 });
      expect(first.map((r) => [r.outcome, r.retryable])).toEqual([
        ['failed', true],
        ['failed', true],
      ]);
      expect(proxy.lost()).toBe(3);
      lose = false;
      const second = await writeToSalesforce({ org, emails, crm, backoffMs: 1 });
      expect(second.map((r) => r.outcome)).toEqual(['created', 'created']);
      expect(emulator.records('Task')).toHaveLength(2);
    } finally {
      await proxy.close();
    }
  });

  it('makes one Task when two deliveries of one message race (two reps, two Lambdas)', async () => {
    const setup = crmAt(emulator.url);
    await setUp(setup);
    // Latency widens the window between lookup and write, so both lookups find nothing.
    emulator.setFaults({ latencyMs: 30 });
    const alice = await captured({
      from: 'alice@acme.example',
      to: 'jane.doe@globex.example',
      cc: 'bob@acme.example',
      subject: 'Race',
      messageId: '<race@acme.example>',
    });
    const bob = { ...alice, from: { address: 'bob@acme.example', name: '' } };
    const [a, b] = await Promise.all([
      writeToSalesforce({ org, emails: [alice], crm: crmAt(emulator.url), backoffMs: 1 }),
      writeToSalesforce({ org, emails: [bob], crm: crmAt(emulator.url), backoffMs: 1 }),
    ]);
    const outcomes = [a[0]?.outcome, b[0]?.outcome].sort();
    expect(outcomes).toEqual(['created', 'duplicate']);
    expect(a[0]?.taskId).toBe(b[0]?.taskId);
    expect(emulator.records('Task')).toHaveLength(1);
  });

  it('completes a batch when every response is delayed', async () => {
    const crm = crmAt(emulator.url);
    await setUp(crm);
    emulator.setFaults({ latencyMs: 50 });
    const results = await writeToSalesforce({ org, emails: await mails(2, 'slow'), crm });
    expect(results.map((r) => r.outcome)).toEqual(['created', 'created']);
    expect(emulator.records('Task')).toHaveLength(2);
  });
});
