/**
 * Handing mail back to the sync queue: the general way the sync stage says "not now" without
 * failing the mail. The message is sent to the queue again, unchanged, after a delay, in its org's
 * message group, with how often it was handed back in its attributes; the delivery being worked
 * on is then acknowledged. A copy starts with a receive count of 0, so however often an org makes
 * its mail wait, that mail never nears the dead-letter queue's maxReceiveCount.
 */
import { pipeline } from '../config/pipeline.ts';
import { type DeferralReason, type FairnessSettings, handBackDelaySeconds } from '../domain/fairness.ts';
import type { DeadLetterQueue } from '../ports/mail-store.ts';
import type { QueueRecord } from './dead-letter.ts';

const names = pipeline.handBackAttributes;

/** How often a delivery was handed back before (0 for mail straight from the parse stage). */
export function handBacksOf(record: QueueRecord): { total: number; slow: number } {
  const count = (name: string) => {
    const n = Number(record.attributes[name] ?? 0);
    return Number.isInteger(n) && n > 0 ? n : 0;
  };
  return { total: count(names.count), slow: count(names.slow) };
}

export interface HandBackDeps {
  /** The sync queue itself. */
  requeue: DeadLetterQueue;
  settings: FairnessSettings;
  random?: () => number;
}

/** Sends the message of `record` to the queue again for `reason`; resolves once SQS has it. */
export async function handBack(
  record: QueueRecord,
  orgId: string,
  reason: DeferralReason,
  deps: HandBackDeps,
): Promise<void> {
  const before = handBacksOf(record);
  await deps.requeue.sendOriginal(
    record.body,
    {
      ...record.attributes,
      [names.count]: String(before.total + 1),
      [names.slow]: String(before.slow + (reason === 'deferred-org-slow' ? 1 : 0)),
      [names.reason]: reason,
    },
    { groupId: orgId, delaySeconds: handBackDelaySeconds(deps.settings, reason, deps.random) },
  );
}
