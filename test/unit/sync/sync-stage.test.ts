/** The sync stage's outcome for a message whose Task exists but whose files or relations failed. */
import { describe, expect, it } from 'vitest';
import { parseRegistry } from '#shared/config/registry.ts';
import { syncStage } from '#shared/usecases/sync-stage.ts';
import { MemoryMailStore, MemoryQueue, queueRecord, silentLogger } from '../../support/memory-stores.ts';
import { email, makeOrg } from './support.ts';

const org = makeOrg();
const registry = parseRegistry({ captureDomain: 'capture.example.com', orgs: [org] });

describe('syncStage after the Task exists', () => {
  it('retries the message and names its Task in the failed outcome', async () => {
    const mail = new MemoryMailStore();
    await mail.putParsed('parsed/acme/s1.json', email());
    const statuses = await syncStage(
      [
        queueRecord('q1', {
          version: 1,
          orgId: 'acme',
          sesMessageId: 's1',
          parsedKey: 'parsed/acme/s1.json',
          messageId: null,
        }),
      ],
      {
        registry,
        mail,
        outcomes: mail,
        deadLetterQueue: new MemoryQueue(),
        maxReceiveCount: 5,
        logger: silentLogger,
        syncOrgBatch: async () => [
          {
            captureId: 'c1',
            outcome: 'failed',
            taskId: '00T000000000001AAA',
            reason: 'SERVER_UNAVAILABLE: relations or files not added',
            code: 'SERVER_UNAVAILABLE',
            retryable: true,
          },
        ],
      },
    );
    expect(statuses.get('q1')).toBe('retry');
    expect(mail.outcomes.get('acme/s1')).toMatchObject({
      outcome: 'failed',
      retryable: true,
      taskId: '00T000000000001AAA',
    });
  });
});
