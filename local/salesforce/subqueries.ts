/**
 * Parent-to-child subqueries: `SELECT Id, (SELECT OpportunityId FROM OpportunityContactRoles) FROM
 * Contact`. The relationship is the child relationship name the schema gives a reference field
 * (childRelationshipName, also listed in describe's childRelationships). Rules from the SOQL and
 * SOSL Reference ("Using Relationship Queries", "Understanding Relationship Query Limitations"):
 * - the subquery's FROM names a child relationship of the outer object (optionally prefixed by
 *   the outer object's name); anything else is INVALID_TYPE "Didn't understand relationship";
 * - no more than 20 parent-to-child relationships in one query;
 * - the emulator allows one level only (Salesforce allows more levels from API 58.0): stricter.
 */
import { SalesforceError } from './errors.ts';
import { to18 } from './ids.ts';
import type { ObjectAccessOf } from './org.ts';
import type { FieldDef, ObjectDef } from './schema.ts';
import type { SubQuery } from './soql.ts';
import type { SfRecord, Store } from './store.ts';

export const MAX_CHILD_RELATIONSHIPS = 20;

export interface ResolvedSubquery {
  /** The relationship as the schema spells it: the key of the child rows in each parent record. */
  relationship: string;
  def: ObjectDef;
  field: FieldDef;
  query: SubQuery;
}

/** Every child relationship of an object: [child object, its reference field] by relationship name. */
export function childRelationshipsOf(
  store: Store,
  parent: ObjectDef,
  objects?: ObjectAccessOf,
): { childSObject: string; field: string; relationshipName: string }[] {
  const out: { childSObject: string; field: string; relationshipName: string }[] = [];
  for (const child of store.objects.values()) {
    // A child object the user may not read is no relationship of theirs (object-security.ts).
    if (!store.available(child) || (objects && !objects(child, 'read'))) continue;
    for (const f of child.fields.values()) {
      if (f.childRelationshipName && f.referenceTo?.includes(parent.name))
        out.push({ childSObject: child.name, field: f.name, relationshipName: f.childRelationshipName });
    }
  }
  return out;
}

export function resolveSubqueries(
  store: Store,
  parent: ObjectDef,
  subqueries: SubQuery[],
  soql: string,
  objects?: ObjectAccessOf,
): ResolvedSubquery[] {
  if (subqueries.length > MAX_CHILD_RELATIONSHIPS) {
    throw new SalesforceError(
      'MALFORMED_QUERY',
      `No more than ${MAX_CHILD_RELATIONSHIPS} parent-to-child relationships can be specified in a query (this one has ${subqueries.length})`,
    );
  }
  const relationships = childRelationshipsOf(store, parent, objects);
  return subqueries.map((query) => {
    const parts = query.relationship.split('.');
    const name = parts.at(-1)!.toLowerCase();
    const prefixOk =
      parts.length === 1 || (parts.length === 2 && parts[0]!.toLowerCase() === parent.name.toLowerCase());
    const found = prefixOk ? relationships.find((r) => r.relationshipName.toLowerCase() === name) : undefined;
    if (!found) {
      const pos = soql.indexOf(query.relationship, query.pos);
      throw new SalesforceError(
        'INVALID_TYPE',
        `\n${soql}\n${' '.repeat(Math.max(0, pos))}^\nERROR at Row:1:Column:${pos + 1}\nDidn't understand relationship '${query.relationship}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    const def = store.objects.get(found.childSObject.toLowerCase())!;
    return {
      relationship: found.relationshipName,
      def,
      field: def.fields.get(found.field.toLowerCase())!,
      query,
    };
  });
}

/** The child rows of each parent (by 18-character id), each parent's list shaped by `shape`. */
export function childRows(
  store: Store,
  sub: ResolvedSubquery,
  parents: SfRecord[],
  shape: (def: ObjectDef, rows: SfRecord[]) => Record<string, unknown>[],
): Map<string, Record<string, unknown>[]> {
  const wanted = new Set(parents.map((p) => p.Id));
  const grouped = new Map<string, SfRecord[]>();
  for (const row of store.all(sub.def.name)) {
    const value = row[sub.field.name];
    const parentId = typeof value === 'string' ? to18(value) : null;
    if (!parentId || !wanted.has(parentId)) continue;
    const list = grouped.get(parentId);
    if (list) list.push(row);
    else grouped.set(parentId, [row]);
  }
  const out = new Map<string, Record<string, unknown>[]>();
  for (const [parentId, rows] of grouped) out.set(parentId, shape(sub.def, rows));
  return out;
}
