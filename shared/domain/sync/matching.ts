/**
 * Which of several Contacts (or Leads) sharing one address a Task is "with": the one whose
 * Account owns the record the mail names, else the org's duplicate policy. Pure.
 */
import type { DuplicatePolicy } from '../../config/registry.ts';

export interface Person {
  id: string;
  accountId?: string | null;
  createdDate?: string | null;
  lastActivityDate?: string | null;
}

/** What the mail names: the Accounts of its records, and People a thread's earlier Task was with. */
export interface MatchContext {
  accountIds: Set<string>;
  whoIds: Set<string>;
}

/** The rule that decided: one candidate only, the mail's context, or the org's policy. */
export type WhoRule = 'single' | 'context' | `policy:${DuplicatePolicy}`;

export interface Choice<T extends Person> {
  chosen: T;
  /** With the policy `all`: the others with the address, to relate to the Task. */
  also: T[];
  decidedBy: WhoRule;
}

const key15 = (id: string) => id.slice(0, 15);

/** Oldest first: CreatedDate, then Id (a missing date sorts last). */
function byAge(a: Person, b: Person): number {
  const ca = a.createdDate ?? '\uffff';
  const cb = b.createdDate ?? '\uffff';
  return ca.localeCompare(cb) || a.id.localeCompare(b.id);
}

/** Most recent LastActivityDate first (none sorts last), then the oldest. */
function byActivity(a: Person, b: Person): number {
  return (b.lastActivityDate ?? '').localeCompare(a.lastActivityDate ?? '') || byAge(a, b);
}

export function choosePerson<T extends Person>(
  people: readonly T[],
  context: MatchContext,
  policy: DuplicatePolicy,
): Choice<T> | null {
  const [only, ...rest] = people;
  if (!only) return null;
  const others = (chosen: T) => (policy === 'all' ? people.filter((p) => p !== chosen) : []);
  if (rest.length === 0) return { chosen: only, also: [], decidedBy: 'single' };
  const named = people.filter((p) => {
    const accountId = p.accountId;
    return (
      [...context.whoIds].some((w) => key15(w) === key15(p.id)) ||
      (accountId != null && [...context.accountIds].some((a) => key15(a) === key15(accountId)))
    );
  });
  const [namedOne] = named;
  if (namedOne && named.length === 1)
    return { chosen: namedOne, also: others(namedOne), decidedBy: 'context' };
  const [first = only] = [...(named.length > 1 ? named : people)].sort(
    policy === 'most-recent-activity' ? byActivity : byAge,
  );
  return { chosen: first, also: others(first), decidedBy: `policy:${policy}` };
}
