/**
 * After an org's turn: what the sync stage did with its mail is added to the org's hourly
 * activity, and its figures (oldest waiting mail, mails waiting, synced, deferred, failed) go out
 * as per-org metrics, so each org has its own alarm on how long its mail waits.
 */
import type { DeferralReason } from '../domain/fairness.ts';
import { describeError } from '../errors.ts';
import type { LogSink, OrgFigures } from '../observability.ts';
import type { OrgActivity, OrgStatusStore, OrgWaiting } from '../ports/org-status.ts';

/** A message as the report needs it: when SES took it. */
interface Mail {
  message: { receivedAt?: string | undefined };
}

/** What became of one org's mail in an invocation. */
export interface OrgTally<M extends Mail = Mail> {
  /** Settled: an outcome recorded, or dead-lettered. */
  settled: M[];
  /** Failed this time (dead-lettered, or to be delivered again). */
  failed: M[];
  deferred: { item: M; reason: DeferralReason }[];
}

export interface OrgReportDeps {
  fairness?: {
    status?: OrgStatusStore;
    publish?: (orgId: string, figures: OrgFigures) => void;
  };
  logger: LogSink;
  now?: () => Date;
}

/** Waiting mail counted per report: one S3 listing page. `capture status --org` counts them all. */
export const WAITING_COUNTED = 1000;

export async function reportOrg(orgId: string, tally: OrgTally, deps: OrgReportDeps): Promise<void> {
  const fairness = deps.fairness;
  if (!fairness) return;
  const now = deps.now?.() ?? new Date();
  const deferred: OrgActivity['deferred'] = {};
  for (const { reason } of tally.deferred) deferred[reason] = (deferred[reason] ?? 0) + 1;
  const activity: OrgActivity = { synced: tally.settled.length, failed: tally.failed.length, deferred };
  const warn = (what: string) => (error: unknown) => {
    deps.logger.warn(what, { orgId, reason: describeError(error) });
    return null;
  };
  const [, waiting] = await Promise.all([
    fairness.status?.addActivity(orgId, activity, now).catch(warn('org activity not saved')),
    fairness.status?.waiting(orgId, WAITING_COUNTED).catch(warn('waiting mail not counted')) ?? null,
  ]);
  const stillWaiting = [...tally.deferred.map((d) => d.item), ...tally.failed]
    .filter((item) => !tally.settled.includes(item))
    .flatMap((item) => (item.message.receivedAt ? [item.message.receivedAt] : []));
  const oldest = oldestOf(waiting ?? null, stillWaiting);
  fairness.publish?.(orgId, {
    oldestMailAgeSeconds: oldest === null ? null : Math.max(0, Math.round((now.getTime() - oldest) / 1000)),
    mailsWaiting: waiting?.count ?? stillWaiting.length,
    synced: activity.synced,
    deferred: tally.deferred.length,
    failed: activity.failed,
  });
}

/** The earliest receipt time of the org's waiting mail: its markers, else what this batch left waiting. */
function oldestOf(waiting: OrgWaiting | null, stillWaiting: string[]): number | null {
  const times = [waiting?.oldest?.receivedAt, ...stillWaiting]
    .map((t) => (t ? Date.parse(t) : Number.NaN))
    .filter((t) => !Number.isNaN(t));
  return times.length > 0 ? Math.min(...times) : null;
}
