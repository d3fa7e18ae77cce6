/**
 * `capture replay --unresolved` and a rep's reply to a notice both send unresolved mail back to
 * the sync stage through replayUnresolvedMail: in the org's message group, as the parse stage
 * sends mail, so a replay of thousands is shared out fairly with other orgs' mail.
 */
import { describe, expect, it } from 'vitest';
import type { CapturedEmail } from '#shared/domain/captured-email.ts';
import { replayUnresolvedMail } from '#shared/usecases/replay-unresolved.ts';
import { MemoryMailStore, MemoryQueue } from '../support/memory-stores.ts';

const item = { orgId: 'acme', sesMessageId: 'ses-1', parsedKey: 'parsed/acme/ses-1.json' };

describe('replayUnresolvedMail', () => {
  it("sends the mail to sync in its org's message group and drops the unresolved marker", async () => {
    const mail = new MemoryMailStore();
    const syncQueue = new MemoryQueue();
    await mail.putParsed(item.parsedKey, { messageId: '<m1@acme.example>' } as CapturedEmail);
    await mail.putUnresolved(item.orgId, item.sesMessageId, item.parsedKey);

    expect(await replayUnresolvedMail({ mail, syncQueue }, item)).toEqual({ replayed: true });
    expect(syncQueue.messages).toEqual([
      {
        body: { version: 1, ...item, messageId: '<m1@acme.example>' },
        attributes: { orgId: 'acme' },
        options: { groupId: 'acme' },
      },
    ]);
    expect(mail.unresolved.size).toBe(0);
  });

  it('sends nothing and keeps the marker when the parsed copy is gone', async () => {
    const mail = new MemoryMailStore();
    const syncQueue = new MemoryQueue();
    await mail.putUnresolved(item.orgId, item.sesMessageId, item.parsedKey);

    const result = await replayUnresolvedMail({ mail, syncQueue }, item);
    expect(result).toMatchObject({ replayed: false, missing: expect.stringContaining('does not exist') });
    expect(syncQueue.messages).toEqual([]);
    expect(mail.unresolved.size).toBe(1);
  });
});
