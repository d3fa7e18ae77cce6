/**
 * The per-org waiting markers on S3 (shared/adapters/s3-org-status.ts) against the local S3:
 * listed oldest first, and cleared many at a time, in requests of at most 1,000 keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '#local/aws.ts';
import { S3OrgStatus } from '#shared/adapters/s3-org-status.ts';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws?.close();
});

const mail = (i: number) => ({
  orgId: 'acme',
  sesMessageId: `ses-${i}`,
  receivedAt: new Date(Date.UTC(2026, 11, 7, 10, 0, i % 60, Math.floor(i / 60))).toISOString(),
});

describe('waiting markers', () => {
  it('clears the markers of settled mail in one go, 1,000 keys a request, a missing one no error', async () => {
    const deletes: number[] = [];
    aws.clients.s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'DeleteObjectsCommand')
          deletes.push((args.input as { Delete: { Objects: unknown[] } }).Delete.Objects.length);
        return next(args);
      },
      { step: 'initialize', name: 'countDeletes' },
    );
    const status = new S3OrgStatus(aws.clients.s3, aws.resources.bucket);
    const mails = Array.from({ length: 1_205 }, (_, i) => mail(i));
    for (let i = 0; i < mails.length; i += 100)
      await Promise.all(mails.slice(i, i + 100).map((m) => status.markWaiting(m)));
    expect(await status.waiting('acme', 5_000)).toMatchObject({ count: 1_205, oldest: mail(0) });

    // Every marker but the first, and one that was never written (deleting it is not an error).
    const settled = [...mails.slice(1), mail(5_000)];
    expect(await status.clearWaiting(settled)).toEqual([]);
    expect(deletes).toEqual([1_000, 205]);
    expect(await status.waiting('acme', 5_000)).toEqual({ count: 1, more: false, oldest: mail(0) });
  });
});
