/**
 * One org's turn in a sync invocation: whether its batch may be written now, and the write itself
 * under a time budget. The org waits (its mail is handed back, see hand-back.ts) when it has used
 * its share of its Salesforce API allowance, or when every one of its write slots is taken by
 * other invocations; a write that runs past the budget is left to finish on its own while its
 * mail is handed back, so the rest of the invocation is not held up by one slow org.
 */
import type { Org } from '../config/registry.ts';
import { type DeferralReason, overApiBudget } from '../domain/fairness.ts';
import { describeError } from '../errors.ts';
import type { LogSink } from '../observability.ts';
import type { OrgLease, OrgLeases } from '../ports/org-leases.ts';
import type { EmailSyncResult } from './salesforce-writes.ts';

export interface OrgTurnDeps {
  /** Per-org write slots across invocations; without it an org's batches are not limited. */
  leases?: OrgLeases;
  /**
   * The org's Salesforce API usage (requests used and allowed today), when known. Read from the
   * Sforce-Limit-Info header of the org's latest response; null when there was none yet.
   */
  apiUsage?: (org: Org) => Promise<{ used: number; max: number } | null>;
  /** The org's usage asked of Salesforce when the figures at hand are older than `maxAgeMs`. */
  freshApiUsage?: (org: Org, maxAgeMs: number) => Promise<{ used: number; max: number } | null>;
  /** How old usage figures that hold an org back may be (FairnessSettings.apiUsageMaxAgeMs). */
  apiUsageMaxAgeMs?: number;
  logger: LogSink;
}

/** The org batch, told through `signal` when its time is up (it then starts no new call). */
export type BudgetedWrite = (signal: AbortSignal) => Promise<EmailSyncResult[]>;

export type OrgTurn =
  | { kind: 'written'; results: EmailSyncResult[] }
  /** `late`: the write that ran past its budget, still going (its lease is released when it ends). */
  | { kind: 'deferred'; reason: DeferralReason; late?: Promise<EmailSyncResult[]> };

export async function takeOrgTurn(
  org: Org,
  write: BudgetedWrite,
  budgetMs: number,
  deps: OrgTurnDeps,
): Promise<OrgTurn> {
  if (await overBudget(org, deps)) return { kind: 'deferred', reason: 'deferred-api-budget' };
  let lease: OrgLease | null | undefined;
  try {
    lease = await deps.leases?.acquire(org.id, org.salesforce.maxConcurrency);
    if (lease === null) return { kind: 'deferred', reason: 'deferred-org-busy' };
  } catch (error) {
    // Fairness protects the others; it never stops mail: without the lease store, write anyway.
    deps.logger.warn('org write slot not readable; writing without one', {
      orgId: org.id,
      reason: describeError(error),
    });
  }
  const release = () =>
    lease?.release().catch((error: unknown) => {
      deps.logger.warn('org write slot not released; it lapses on its own', {
        orgId: org.id,
        reason: describeError(error),
      });
    });
  const controller = new AbortController();
  const writing = write(controller.signal).finally(release);
  if (!Number.isFinite(budgetMs)) return { kind: 'written', results: await writing };
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), budgetMs);
  });
  try {
    const first = await Promise.race([writing, timeUp]);
    if (first !== 'late') return { kind: 'written', results: first };
  } finally {
    clearTimeout(timer);
  }
  controller.abort();
  deps.logger.warn('org batch ran past its time budget; its mail is handed back', {
    orgId: org.id,
    budgetMs,
  });
  return { kind: 'deferred', reason: 'deferred-org-slow', late: writing };
}

async function overBudget(org: Org, deps: OrgTurnDeps): Promise<boolean> {
  if (!deps.apiUsage) return false;
  try {
    let usage = await deps.apiUsage(org);
    // Figures that hold the org back are checked again once they are old: usage falls as the
    // 24-hour window moves, and the org's waiting mail sends nothing that would report it.
    if (overApiBudget(usage, org.salesforce.apiBudgetPercent) && deps.freshApiUsage)
      usage = await deps.freshApiUsage(org, deps.apiUsageMaxAgeMs ?? 0);
    const over = overApiBudget(usage, org.salesforce.apiBudgetPercent);
    if (over) deps.logger.warn('org past its API budget; its mail waits', { orgId: org.id, ...usage });
    return over;
  } catch (error) {
    deps.logger.warn('org API usage not readable; writing', { orgId: org.id, reason: describeError(error) });
    return false;
  }
}
