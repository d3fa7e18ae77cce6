/**
 * The one chunker: items in order, cut into the groups one request can take. A group holds at
 * most `maxItems` items, and for each budget the items' weights add up to at most its `max` (an
 * item heavier than a budget alone goes in a group of its own: the caller decides whether such an
 * item can be sent). Used for every per-call limit: Salesforce Collections and composites
 * (shared/adapters/salesforce/limits.ts), file bytes in flight, SQS batches.
 */
export interface Budget<T> {
  max: number;
  weight: (item: T) => number;
}

export interface GroupLimits<T> {
  maxItems: number;
  /** One budget (shorthand for `budgets: [{ max: maxWeight, weight }]`). */
  maxWeight?: number;
  weight?: (item: T) => number;
  budgets?: readonly Budget<T>[];
}

export function inGroups<T>(items: readonly T[], limits: GroupLimits<T>): T[][] {
  const budgets: Budget<T>[] = [...(limits.budgets ?? [])];
  if (limits.maxWeight !== undefined && limits.weight)
    budgets.push({ max: limits.maxWeight, weight: limits.weight });
  const groups: T[][] = [];
  let current: T[] = [];
  let totals = budgets.map(() => 0);
  for (const item of items) {
    const weights = budgets.map((b) => b.weight(item));
    const over = weights.some((w, k) => (totals[k] ?? 0) + w > (budgets[k]?.max ?? Number.POSITIVE_INFINITY));
    if (current.length > 0 && (current.length >= limits.maxItems || over)) {
      groups.push(current);
      current = [];
      totals = budgets.map(() => 0);
    }
    current.push(item);
    totals = totals.map((t, k) => t + (weights[k] ?? 0));
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
