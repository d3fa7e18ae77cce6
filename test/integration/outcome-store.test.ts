/**
 * Outcomes on S3 (shared/adapters/s3-mail-store.ts) against the local S3, whose SDK client keeps
 * S3's conditional writes: a message's first outcome is one conditional write, a recorded
 * `created` is never replaced, not even by a writer racing it, and `capture status` finds the
 * outcome by either id.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '#local/aws.ts';
import { S3MailStore } from '#shared/adapters/s3-mail-store.ts';
import type { OutcomeKind, OutcomeRecord } from '#shared/domain/outcome.ts';

let aws: LocalAws;
let store: S3MailStore;
const requests: string[] = [];

beforeAll(async () => {
  aws = await startLocalAws();
  aws.clients.s3.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string; IfNoneMatch?: string; IfMatch?: string };
      const condition = input.IfNoneMatch ? ' If-None-Match' : input.IfMatch ? ' If-Match' : '';
      requests.push(
        `${context.commandName?.replace(/Command$/, '')} ${input.Key?.split('/')[0]}${condition}`,
      );
      return next(args);
    },
    { step: 'initialize', priority: 'high', name: 'recordRequests' },
  );
  store = new S3MailStore(aws.clients.s3, aws.resources.bucket);
});
afterAll(async () => {
  await aws?.close();
});
beforeEach(() => {
  requests.length = 0;
});

let n = 0;
function outcome(sesMessageId: string, kind: OutcomeKind, more: Partial<OutcomeRecord> = {}): OutcomeRecord {
  n += 1;
  return {
    outcome: kind,
    reason: kind === 'failed' ? 'UNABLE_TO_LOCK_ROW' : null,
    sesMessageId,
    orgId: 'acme',
    messageId: `<${sesMessageId}@globex.example>`,
    subject: 'Drawings for ORD-10042',
    taskId: kind === 'created' ? `00T00000000000${String(n).padStart(2, '0')}` : null,
    retryable: kind === 'failed' ? true : null,
    stage: 'sync',
    at: new Date(Date.UTC(2026, 11, 7, 10, 0, n)).toISOString(),
    ...more,
  };
}

describe('outcomes on S3', () => {
  it('records a first outcome in one conditional write, indexed by both ids', async () => {
    const first = outcome('ses-first', 'created');
    await store.record(first);
    expect(requests).toEqual(['PutObject outcomes If-None-Match', 'PutObject index', 'PutObject index']);
    expect(await store.get('acme', 'ses-first')).toEqual(first);
    expect(await store.findOutcomes('ses-first')).toEqual([first]);
    expect(await store.findOutcomes('<ses-first@globex.example>')).toEqual([first]);
  });

  it('keeps a recorded created and replaces anything else, indexing again only for a new Message-ID', async () => {
    const created = outcome('ses-kept', 'created');
    await store.record(created);
    requests.length = 0;
    await store.record(outcome('ses-kept', 'duplicate'));
    expect(requests).toEqual(['PutObject outcomes If-None-Match', 'GetObject outcomes']);
    expect(await store.get('acme', 'ses-kept')).toEqual(created);

    await store.record(outcome('ses-replaced', 'unmatched', { reason: 'no-contact' }));
    requests.length = 0;
    const later = outcome('ses-replaced', 'created');
    await store.record(later);
    expect(requests).toEqual([
      'PutObject outcomes If-None-Match',
      'GetObject outcomes',
      'PutObject outcomes If-Match',
    ]);
    expect(await store.get('acme', 'ses-replaced')).toEqual(later);
    expect(await store.findOutcomes('<ses-replaced@globex.example>')).toEqual([later]);
  });

  it('never loses a created to a writer racing it', async () => {
    for (let round = 0; round < 10; round++) {
      const id = `ses-race-${round}`;
      await store.record(outcome(id, 'failed'));
      const created = outcome(id, 'created');
      // Each writer reads the recorded `failed` and may replace it; only one replacement can win
      // the If-Match, and the loser reads again and finds `created`.
      await Promise.all([
        store.record(outcome(id, 'failed')),
        store.record(created),
        store.record(outcome(id, 'unmatched')),
      ]);
      expect((await store.get('acme', id))?.outcome).toBe('created');
      expect(await store.get('acme', id)).toEqual(created);
    }
  });
});
