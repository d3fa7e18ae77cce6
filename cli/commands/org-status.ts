/**
 * `capture status --org ID`: how one org's mail stands with the sync stage. Mails waiting and the
 * oldest of them come from the waiting markers (one per mail handed to the sync stage, cleared when
 * it is settled); synced, deferred (handed back) and failed are the sync stage's counts over the
 * last hour. The same figures are the org's CloudWatch metrics (docs/fairness.md).
 */
import { DeferralReasons } from '#shared/domain/fairness.ts';
import type { OrgActivity, OrgStatusStore, WaitingMail } from '#shared/ports/org-status.ts';

/** Waiting mail counted at most (a thousand per S3 listing). */
const COUNT_AT_MOST = 100_000;

export interface OrgStatusReport {
  orgId: string;
  at: string;
  waiting: {
    count: number;
    /** True when more mail waits than was counted. */
    more: boolean;
    oldest: (WaitingMail & { ageSeconds: number }) | null;
  };
  lastHour: OrgActivity & { deferredTotal: number };
}

export async function orgStatus(
  store: OrgStatusStore,
  orgId: string,
  now = new Date(),
): Promise<OrgStatusReport> {
  const [waiting, lastHour] = await Promise.all([
    store.waiting(orgId, COUNT_AT_MOST),
    store.activity(orgId, new Date(now.getTime() - 3_600_000), now),
  ]);
  const oldest = waiting.oldest
    ? {
        ...waiting.oldest,
        ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(waiting.oldest.receivedAt)) / 1000)),
      }
    : null;
  const deferredTotal = Object.values(lastHour.deferred).reduce((n, c) => n + (c ?? 0), 0);
  return {
    orgId,
    at: now.toISOString(),
    waiting: { count: waiting.count, more: waiting.more, oldest },
    lastHour: { ...lastHour, deferredTotal },
  };
}

export function formatOrgStatus(report: OrgStatusReport): string {
  const { waiting, lastHour } = report;
  const count = `${waiting.count}${waiting.more ? '+' : ''}`;
  const oldest = waiting.oldest
    ? `, the oldest for ${duration(waiting.oldest.ageSeconds)} (ses ${waiting.oldest.sesMessageId})`
    : '';
  const reasons = DeferralReasons.flatMap((r) =>
    lastHour.deferred[r] ? [`${r} ${lastHour.deferred[r]}`] : [],
  );
  return [
    `org ${report.orgId}: ${count} mail${waiting.count === 1 ? '' : 's'} waiting for Salesforce${oldest}`,
    `last hour: ${lastHour.synced} synced, ${lastHour.deferredTotal} deferred${reasons.length ? ` (${reasons.join(', ')})` : ''}, ${lastHour.failed} failed`,
  ].join('\n');
}

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}
