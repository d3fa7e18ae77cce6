/**
 * What the pipeline knows per org about mail not yet in Salesforce, for `capture status --org`
 * and the per-org metrics: which mails wait for the sync stage (one marker each, set by the parse
 * stage and cleared when the sync stage settles the mail), and what the sync stage did per hour.
 */
import type { DeferralReason } from '../domain/fairness.ts';

/** One mail waiting for the sync stage; `receivedAt` is when SES (the SMTP server) took it. */
export interface WaitingMail {
  orgId: string;
  sesMessageId: string;
  receivedAt: string;
}

export interface OrgWaiting {
  /** Mails counted (at most the `limit` asked for). */
  count: number;
  /** True when there were more than `count`. */
  more: boolean;
  /** The mail waiting longest, or null when none waits. */
  oldest: WaitingMail | null;
}

/** What the sync stage did with an org's mail. */
export interface OrgActivity {
  /** Settled: a Task, a duplicate, unmatched, or dead-lettered. */
  synced: number;
  /** Handed back to the queue for later, by reason. */
  deferred: Partial<Record<DeferralReason, number>>;
  /** Failed (to be retried, or dead-lettered). */
  failed: number;
}

export interface OrgStatusStore {
  markWaiting(mail: WaitingMail): Promise<void>;
  /**
   * Removes the markers of settled mail, all at once; resolves to the ones that could not be
   * removed, each with why (the rest are gone).
   */
  clearWaiting(mails: readonly WaitingMail[]): Promise<{ mail: WaitingMail; reason: string }[]>;
  /** The org's waiting mails, oldest first, counting at most `limit` of them. */
  waiting(orgId: string, limit: number): Promise<OrgWaiting>;
  /** Adds to the org's counts for the hour `at` falls in. */
  addActivity(orgId: string, activity: OrgActivity, at: Date): Promise<void>;
  /** The org's counts over the hours from `since` to now (whole hours). */
  activity(orgId: string, since: Date, now: Date): Promise<OrgActivity>;
}

export function emptyActivity(): OrgActivity {
  return { synced: 0, deferred: {}, failed: 0 };
}

export function addActivity(into: OrgActivity, more: OrgActivity): OrgActivity {
  const deferred = { ...into.deferred };
  for (const [reason, n] of Object.entries(more.deferred) as [DeferralReason, number][])
    deferred[reason] = (deferred[reason] ?? 0) + n;
  return { synced: into.synced + more.synced, failed: into.failed + more.failed, deferred };
}
