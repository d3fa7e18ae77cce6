/**
 * Contact and Lead LastActivityDate, as Salesforce derives it (Object Reference, Contact and Lead):
 * the latest due date (ActivityDate) among the person's events and closed tasks. A person is the
 * activity's WhoId or, with Shared Activities, one of its TaskRelation/EventRelation rows.
 */
import { to18 } from './ids.ts';
import { orgValues } from './org-values.ts';
import type { Store } from './store.ts';

/** Latest activity date per person (18-character id), built from the store once per query. */
export function lastActivityDates(store: Store): Map<string, string> {
  const closed = new Set(
    orgValues(store, 'TaskStatus')
      .filter((s) => (s as { IsClosed?: boolean }).IsClosed === true)
      .map((s) => String(s.ApiName ?? s.MasterLabel)),
  );
  const latest = new Map<string, string>();
  const note = (person: unknown, date: string) => {
    const id = typeof person === 'string' ? to18(person) : null;
    if (!id) return;
    const current = latest.get(id);
    if (current === undefined || date > current) latest.set(id, date);
  };
  for (const [activity, relation, parentField] of [
    ['Task', 'TaskRelation', 'TaskId'],
    ['Event', 'EventRelation', 'EventId'],
  ] as const) {
    const dates = new Map<string, string>();
    for (const row of store.all(activity)) {
      if (typeof row.ActivityDate !== 'string' || row.ActivityDate === '') continue;
      // Open tasks do not count; every event does.
      if (activity === 'Task' && !closed.has(String(row.Status))) continue;
      dates.set(row.Id, row.ActivityDate.slice(0, 10));
      note(row.WhoId, row.ActivityDate.slice(0, 10));
    }
    const def = store.objects.get(relation.toLowerCase());
    if (!def || !store.available(def)) continue;
    for (const rel of store.all(relation)) {
      const date = dates.get(String(rel[parentField]));
      if (date) note(rel.RelationId, date);
    }
  }
  return latest;
}
