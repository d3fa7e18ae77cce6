/**
 * The sync stage between orgs: orgs written side by side; an org with no free write slot, past
 * its API budget, or past its time budget is handed back (sent to the queue again, not failed),
 * whatever its receive count, while the other orgs finish.
 */
import { describe, expect, it } from 'vitest';
import { pipeline } from '#shared/config/pipeline.ts';
import { parseRegistry } from '#shared/config/registry.ts';
import type { FairnessSettings } from '#shared/domain/fairness.ts';
import type { OrgLeases } from '#shared/ports/org-leases.ts';
import type { EmailSyncResult } from '#shared/usecases/salesforce-writes.ts';
import { type FairnessDeps, type SyncOrgBatch, syncStage } from '#shared/usecases/sync-stage.ts';
import { MemoryMailStore, MemoryQueue, silentLogger } from '../../support/memory-stores.ts';
import { email, makeOrg } from '../sync/support.ts';

const registry = parseRegistry({
  captureDomain: 'capture.example.com',
  orgs: [
    makeOrg({ id: 'quiet' }),
    makeOrg({ id: 'noisy', addresses: [{ token: 'noisy-4k8m2p9x7w3q', mode: 'bcc' }] }),
  ],
});
const settings: FairnessSettings = {
  orgBudgetMs: 20,
  orgBudgetMaxMs: 1000,
  handBackDelaySeconds: {
    'deferred-org-busy': [1, 3],
    'deferred-org-slow': [1, 2],
    'deferred-api-budget': [600, 900],
  },
  apiUsageMaxAgeMs: 60_000,
};
const names = pipeline.handBackAttributes;

/** A sync queue record of `orgId`'s mail `n`, on its `receiveCount`th delivery. */
function mail(orgId: string, n: number, receiveCount = 1, attributes: Record<string, string> = {}) {
  const body = {
    version: 1,
    orgId,
    sesMessageId: `${orgId}-${n}`,
    parsedKey: `parsed/${orgId}/${n}.json`,
    messageId: `<${orgId}-${n}@acme.example>`,
    receivedAt: '2026-01-01T10:00:00.000Z',
    email: email({ subject: `${orgId} ${n}` }),
  };
  return {
    id: `q-${orgId}-${n}`,
    body: JSON.stringify(body),
    receiveCount,
    attributes: { orgId, ...attributes },
  };
}

const created = (emails: unknown[]): EmailSyncResult[] =>
  emails.map((_, i) => ({ captureId: `c${i}`, outcome: 'created', taskId: `00T00000000000${i}AAA` }));

function stage(syncOrgBatch: SyncOrgBatch, fairness: Partial<FairnessDeps> = {}) {
  const store = new MemoryMailStore();
  const requeue = new MemoryQueue();
  const dlq = new MemoryQueue();
  const figures = new Map<string, unknown>();
  const run = (records: ReturnType<typeof mail>[]) =>
    syncStage(records, {
      registry,
      mail: store,
      outcomes: store,
      deadLetterQueue: dlq,
      maxReceiveCount: 5,
      logger: silentLogger,
      syncOrgBatch,
      fairness: {
        settings,
        requeue,
        random: () => 0,
        publish: (orgId, f) => figures.set(orgId, f),
        ...fairness,
      },
    });
  return { run, store, requeue, dlq, figures };
}

/** Write slots: `busy` orgs have none free. */
function slots(busy: string[]): OrgLeases {
  return {
    acquire: async (orgId) => (busy.includes(orgId) ? null : { release: async () => {} }),
  };
}

describe('syncStage between orgs', () => {
  it('hands back the mail of an org with no free write slot, on its last receive too, and syncs the others', async () => {
    const { run, store, requeue, dlq, figures } = stage(async (_org, emails) => created(emails), {
      leases: slots(['noisy']),
    });
    const statuses = await run([mail('quiet', 1), mail('noisy', 1, 5), mail('noisy', 2)]);
    expect([...statuses.values()]).toEqual(['done', 'done', 'done']);
    expect(store.outcomes.get('quiet/quiet-1')).toMatchObject({ outcome: 'created' });
    expect(store.outcomes.has('noisy/noisy-1')).toBe(false); // still waiting: no outcome
    expect(dlq.messages).toHaveLength(0);
    expect(requeue.messages).toHaveLength(2);
    expect(requeue.messages[0]).toMatchObject({
      body: mail('noisy', 1).body, // the message unchanged
      attributes: {
        orgId: 'noisy',
        [names.count]: '1',
        [names.slow]: '0',
        [names.reason]: 'deferred-org-busy',
      },
      options: { groupId: 'noisy', delaySeconds: 1 },
    });
    expect(figures.get('noisy')).toMatchObject({ deferred: 2, synced: 0, failed: 0, mailsWaiting: 2 });
    expect(figures.get('quiet')).toMatchObject({ synced: 1, deferred: 0 });
  });

  it('counts hand-backs on the copy, and a copy handed back again says so', async () => {
    const { run, requeue } = stage(async (_org, emails) => created(emails), { leases: slots(['noisy']) });
    await run([mail('noisy', 1, 1, { [names.count]: '3', [names.slow]: '1' })]);
    expect(requeue.messages[0]?.attributes).toMatchObject({ [names.count]: '4', [names.slow]: '1' });
  });

  it('hands back an org past its time budget while the quiet org completes, and records the late Task', async () => {
    let finishSlow: (results: EmailSyncResult[]) => void = () => {};
    const { run, store, requeue } = stage(async (org, emails) =>
      org.id === 'noisy' ? new Promise((resolve) => (finishSlow = resolve)) : created(emails),
    );
    const statuses = await run([mail('noisy', 1), mail('quiet', 1)]);
    expect(statuses.get('q-noisy-1')).toBe('done');
    expect(store.outcomes.get('quiet/quiet-1')).toMatchObject({ outcome: 'created' });
    expect(requeue.messages[0]?.attributes).toMatchObject({
      [names.reason]: 'deferred-org-slow',
      [names.slow]: '1',
    });
    finishSlow(created([1]));
    await new Promise((r) => setTimeout(r, 10));
    expect(store.outcomes.get('noisy/noisy-1')).toMatchObject({ outcome: 'created' });
  });

  it('doubles the time budget for mail already handed back for running over it', async () => {
    const slowWrite: SyncOrgBatch = (_org, emails) =>
      new Promise((resolve) => setTimeout(() => resolve(created(emails)), 60));
    const first = stage(slowWrite);
    await first.run([mail('noisy', 1)]);
    expect(first.requeue.messages).toHaveLength(1); // 60 ms > 20 ms
    const again = stage(slowWrite);
    await again.run([mail('noisy', 1, 1, { [names.slow]: '2' })]); // 80 ms budget
    expect(again.requeue.messages).toHaveLength(0);
    expect(again.store.outcomes.get('noisy/noisy-1')).toMatchObject({ outcome: 'created' });
  });

  it('hands back an org past its API budget for minutes, and writes an org within it', async () => {
    const { run, store, requeue } = stage(async (_org, emails) => created(emails), {
      apiUsage: async (org) => (org.id === 'noisy' ? { used: 80, max: 100 } : { used: 79, max: 100 }),
    });
    await run([mail('noisy', 1), mail('quiet', 1)]);
    expect(requeue.messages[0]).toMatchObject({
      attributes: { [names.reason]: 'deferred-api-budget' },
      options: { delaySeconds: 600 },
    });
    expect(store.outcomes.get('quiet/quiet-1')).toMatchObject({ outcome: 'created' });
  });

  it('asks Salesforce again when old figures hold an org back, and writes once its usage fell', async () => {
    const asked: number[] = [];
    const { run, store, requeue } = stage(async (_org, emails) => created(emails), {
      apiUsage: async () => ({ used: 95, max: 100 }),
      freshApiUsage: async (_org, maxAgeMs) => {
        asked.push(maxAgeMs);
        return { used: 10, max: 100 };
      },
    });
    await run([mail('noisy', 1)]);
    expect(asked).toEqual([60_000]);
    expect(requeue.messages).toHaveLength(0);
    expect(store.outcomes.get('noisy/noisy-1')).toMatchObject({ outcome: 'created' });
  });

  it('fails a hand-back SQS does not take like any other failure: delivered again', async () => {
    const { run } = stage(async (_org, emails) => created(emails), {
      leases: slots(['noisy']),
      requeue: {
        sendOriginal: async () => {
          throw new Error('SQS down');
        },
      },
    });
    const statuses = await run([mail('noisy', 1)]);
    expect(statuses.get('q-noisy-1')).toBe('retry');
  });

  it('writes the orgs of a batch at the same time', async () => {
    const started: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const { run } = stage(
      async (org, emails) => {
        started.push(org.id);
        if (started.length === 2) release();
        await gate;
        return created(emails);
      },
      { settings: { ...settings, orgBudgetMs: 1000 } },
    );
    await run([mail('noisy', 1), mail('quiet', 1)]);
    expect(started.sort()).toEqual(['noisy', 'quiet']);
  });
});
