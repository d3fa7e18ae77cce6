/**
 * Fairness between orgs in the sync stage, as plain decisions: why an org's mail is handed back
 * to the queue for later instead of written now, how long it waits, and how long one org's batch
 * may take. A hand-back is not a failure: the mail is sent to the queue again, so it does not use
 * up a receive toward the dead-letter queue.
 */

/**
 * Why an org's records were handed back:
 * - `deferred-org-busy`: the org already has as many batches being written as its
 *   `salesforce.maxConcurrency` allows (across every sync invocation);
 * - `deferred-org-slow`: the org's batch ran past its time budget, so the rest of the invocation
 *   could finish; the next try gets twice the time;
 * - `deferred-api-budget`: the org has used `salesforce.apiBudgetPercent` of its daily API
 *   requests; its mail waits for the allowance to recover instead of using up the rest.
 */
export const DeferralReasons = ['deferred-org-busy', 'deferred-org-slow', 'deferred-api-budget'] as const;
export type DeferralReason = (typeof DeferralReasons)[number];

export interface FairnessSettings {
  /** Time budget of an org's batch on its first try, in milliseconds. */
  orgBudgetMs: number;
  /** The budget never grows past this (the function timeout, less time to hand back and answer). */
  orgBudgetMaxMs: number;
  /** Seconds before handed-back mail is delivered again: [min, max] (random, so retries spread). */
  handBackDelaySeconds: Record<DeferralReason, readonly [number, number]>;
  /**
   * An org past its API budget: how old its last usage figures may be before they are asked of
   * Salesforce again (one request), since its waiting mail makes no request that would show them fall.
   */
  apiUsageMaxAgeMs: number;
}

/**
 * The time budget of an org batch whose mail was already handed back `slowHandBacks` times for
 * running over it: doubled each time, so a slow org still makes progress, up to the maximum.
 */
export function orgBudgetMs(settings: FairnessSettings, slowHandBacks: number): number {
  const doubled = settings.orgBudgetMs * 2 ** Math.min(Math.max(0, slowHandBacks), 20);
  return Math.min(settings.orgBudgetMaxMs, doubled);
}

/** Whole seconds before handed-back mail comes back (SQS DelaySeconds: 0 to 900). */
export function handBackDelaySeconds(
  settings: FairnessSettings,
  reason: DeferralReason,
  random: () => number = Math.random,
): number {
  const [min, max] = settings.handBackDelaySeconds[reason];
  const seconds = Math.round(min + (max - min) * random());
  return Math.min(900, Math.max(0, seconds));
}

/** Whether the org has used its share of the daily API allowance (`used` of `max` requests). */
export function overApiBudget(usage: { used: number; max: number } | null, budgetPercent: number): boolean {
  if (!usage || !(usage.max > 0)) return false;
  return (usage.used / usage.max) * 100 >= budgetPercent;
}
