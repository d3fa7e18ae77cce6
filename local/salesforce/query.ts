/**
 * SOQL evaluation over the store: field checks against the describe, WHERE, ORDER BY, LIMIT,
 * OFFSET, COUNT(), parent fields nested like Salesforce's JSON, and parent-to-child subqueries
 * (subqueries.ts). Parsing is in soql.ts.
 * Salesforce refuses statements over 100,000 characters and WHERE string literals over 4,000
 * ("SOQL and SOSL Limits for Search Queries").
 */
import { lastActivityDates } from './activity-dates.ts';
import { SalesforceError } from './errors.ts';
import { ID_PATTERN, to18 } from './ids.ts';
import type { FieldAccess, ObjectAccessOf } from './org.ts';
import type { FieldDef, ObjectDef } from './schema.ts';
import { type Condition, likeToRegExp, parseSoql, SoqlError, type SubQuery, type Value } from './soql.ts';
import type { SfRecord, Store } from './store.ts';
import { childRows, resolveSubqueries } from './subqueries.ts';

export const MAX_SOQL_LENGTH = 100_000;
/** Each string literal in a WHERE clause: at most 4,000 characters (same source). */
export const MAX_WHERE_STRING = 4_000;

export function runQuery(
  store: Store,
  soql: string,
  options: { tooling?: boolean; all?: boolean; access?: FieldAccessOf; objects?: ObjectAccessOf } = {},
): { totalSize: number; records: Record<string, unknown>[] } {
  if (soql.length > MAX_SOQL_LENGTH) {
    throw new SalesforceError(
      'MALFORMED_QUERY',
      `SOQL statements cannot be longer than ${MAX_SOQL_LENGTH} characters (this one has ${soql.length})`,
    );
  }
  let q: ReturnType<typeof parseSoql>;
  try {
    q = parseSoql(soql);
  } catch (error) {
    if (error instanceof SoqlError) throw new SalesforceError(error.errorCode, error.message);
    throw error;
  }
  const long = conditionStrings(q.where).find((v) => v.length > MAX_WHERE_STRING);
  if (long !== undefined) {
    throw new SalesforceError(
      'MALFORMED_QUERY',
      `String literals in a WHERE clause are limited to ${MAX_WHERE_STRING} characters (one has ${long.length})`,
    );
  }
  const { objects } = options;
  const def = store.objectForQuery(q.object, options.tooling ?? false, objects);
  const fields = options.access ?? (() => 'edit');
  const access: SessionAccess = { fields, objects: objects ?? (() => true) };
  checkPaths(store, def, q, soql, access);
  const subqueries = resolveSubqueries(store, def, q.subqueries, soql, objects);
  for (const sub of subqueries) checkPaths(store, sub.def, sub.query, soql, access);
  // Derived fields are computed once per query, from the store as it is now.
  derivedOf.set(store, { activityDates: null });
  let rows = store.all(def.name);
  if (options.all) rows = [...rows, ...store.deletedOf(def.name)];
  rows = filterSortLimit(store, def, rows, q.where, q.orderBy, null);
  const total = rows.length;
  rows = rows.slice(q.offset, q.limit === null ? undefined : q.offset + q.limit);
  if (q.count) return { totalSize: q.limit === null ? total - q.offset : rows.length, records: [] };
  const children = subqueries.map((sub) => ({
    key: sub.relationship,
    byParent: childRows(store, sub, rows, (def, list) =>
      filterSortLimit(store, def, list, sub.query.where, sub.query.orderBy, sub.query.limit).map((r) =>
        project(store, def, r, sub.query.fields),
      ),
    ),
  }));
  const records = rows.map((r) => {
    const out = project(store, def, r, q.fields);
    // Salesforce gives null for a relationship without rows, else a query result of its own.
    for (const child of children) {
      const list = child.byParent.get(r.Id) ?? [];
      out[child.key] = list.length === 0 ? null : { totalSize: list.length, done: true, records: list };
    }
    return out;
  });
  return { totalSize: rows.length, records };
}

/** The session's access to a field; a field it may not read is no column of the query's. */
type FieldAccessOf = (def: ObjectDef, field: FieldDef) => FieldAccess;

/** The session's field access, and its object rights: an object it may not read is no relationship's. */
interface SessionAccess {
  fields: FieldAccessOf;
  objects: ObjectAccessOf;
}

function checkPaths(
  store: Store,
  def: ObjectDef,
  q: Pick<SubQuery, 'fields' | 'orderBy' | 'where'>,
  soql: string,
  access: SessionAccess,
): void {
  for (const f of [...q.fields, ...q.orderBy.map((o) => o.field), ...conditionFields(q.where)])
    checkPath(store, def, f, soql, access);
}

function filterSortLimit(
  store: Store,
  def: ObjectDef,
  list: SfRecord[],
  where: Condition | null,
  orderBy: SubQuery['orderBy'],
  limit: number | null,
): SfRecord[] {
  const rows = where ? list.filter((r) => matches(store, def, r, where)) : [...list];
  sortRows(store, def, rows, orderBy);
  return limit === null ? rows : rows.slice(0, limit);
}

/** Per store, the derived values of the query being run (queries run synchronously, one at a time). */
const derivedOf = new WeakMap<Store, { activityDates: Map<string, string> | null }>();

/** A field's value; derived fields (LastActivityDate) are computed from other records. */
function read(store: Store, f: FieldDef, record: SfRecord): unknown {
  if (f.derived !== 'lastActivityDate') return record[f.name];
  let derived = derivedOf.get(store);
  if (!derived) {
    derived = { activityDates: null };
    derivedOf.set(store, derived);
  }
  derived.activityDates ??= lastActivityDates(store);
  return derived.activityDates.get(record.Id) ?? null;
}

function sortRows(
  store: Store,
  def: ObjectDef,
  rows: SfRecord[],
  orderBy: { field: string; desc: boolean; nullsLast: boolean }[],
): void {
  for (const order of [...orderBy].reverse()) {
    rows.sort((a, b) => {
      const va = value(store, def, a, order.field);
      const vb = value(store, def, b, order.field);
      if (va === null || va === undefined)
        return vb === null || vb === undefined ? 0 : order.nullsLast ? 1 : -1;
      if (vb === null || vb === undefined) return order.nullsLast ? -1 : 1;
      const cmp =
        typeof va === 'number' && typeof vb === 'number'
          ? va - vb
          : String(va).localeCompare(String(vb), 'en', { sensitivity: 'base' });
      return order.desc ? -cmp : cmp;
    });
  }
}
function project(store: Store, def: ObjectDef, record: SfRecord, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: store.attributes(def, record.Id, store.apiVersion) };
  for (const path of fields) {
    const parts = path.split('.');
    if (parts.length === 1) {
      const f = def.fields.get(path.toLowerCase())!;
      out[f.name] = read(store, f, record) ?? null;
      continue;
    }
    // Parent field: nest like Salesforce ({ Account: { attributes, Name } }, null when unset).
    let target = out;
    let current: SfRecord | null = record;
    let currentDef = def;
    let polymorphic = false;
    for (let i = 0; i < parts.length - 1; i++) {
      const rel = relationshipField(currentDef, parts[i]!)!;
      polymorphic = (rel.referenceTo?.length ?? 0) > 1;
      const parent: SfRecord | null = current ? store.findById(String(current[rel.name] ?? '')) : null;
      const parentDef = parent ? store.typeOfId(parent.Id)! : null;
      const key = rel.relationshipName!;
      if (!parent || !parentDef) {
        if (!(key in target)) target[key] = null;
        current = null;
        break;
      }
      if (!target[key])
        target[key] = { attributes: store.attributes(parentDef, parent.Id, store.apiVersion) };
      target = target[key] as Record<string, unknown>;
      current = parent;
      currentDef = parentDef;
    }
    if (current) {
      const last = parts.at(-1)!;
      const f = currentDef.fields.get(last.toLowerCase());
      target[f?.name ?? last] = polymorphic
        ? polymorphicField(store, currentDef, current, last)
        : f
          ? (read(store, f, current) ?? null)
          : null;
    }
  }
  return out;
}

/** Objects whose record name is not their Name field (the describe's nameField). */
const NAME_FIELDS = new Map([
  ['Order', 'OrderNumber'],
  ['Case', 'CaseNumber'],
  ['Contract', 'ContractNumber'],
]);

/**
 * A polymorphic relationship (Who, What, Owner) reads the parent through Salesforce's Name
 * object: `What.Type` is the parent's object name and `What.Name` its record name, which for an
 * Order is the OrderNumber; other fields as the parent has them.
 */
function polymorphicField(store: Store, def: ObjectDef, record: SfRecord, field: string): unknown {
  const lower = field.toLowerCase();
  if (lower === 'type') return def.name;
  const name = lower === 'name' ? NAME_FIELDS.get(def.name) : undefined;
  const f = def.fields.get((name ?? field).toLowerCase());
  return f ? (read(store, f, record) ?? null) : null;
}

function checkPath(store: Store, def: ObjectDef, path: string, soql: string, access: SessionAccess): void {
  const parts = path.split('.');
  let current = def;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i === parts.length - 1) {
      const field = current.fields.get(part.toLowerCase());
      if (field && field.queryable !== false && access.fields(current, field) !== 'hidden') return;
      if (field) break;
      if (parts.length > 1 && ['name', 'email', 'id', 'type'].includes(part.toLowerCase())) return; // polymorphic Name
      break;
    }
    const rel = relationshipField(current, part);
    if (!rel || access.fields(current, rel) === 'hidden') break;
    const target = rel.referenceTo?.[0];
    const next = target ? store.objects.get(target.toLowerCase()) : undefined;
    if (!next || !access.objects(next, 'read')) break;
    current = next;
  }
  const pos = soql.indexOf(path);
  throw new SalesforceError(
    'INVALID_FIELD',
    `\n${soql}\n${' '.repeat(Math.max(0, pos))}^\nERROR at Row:1:Column:${pos + 1}\nNo such column '${parts.at(-1)}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}

function value(store: Store, def: ObjectDef, record: SfRecord, path: string): unknown {
  const parts = path.split('.');
  let current: SfRecord | null = record;
  let currentDef = def;
  for (let i = 0; i < parts.length - 1 && current; i++) {
    const rel = relationshipField(currentDef, parts[i]!);
    current = rel ? store.findById(String(current[rel.name] ?? '')) : null;
    if (current) currentDef = store.typeOfId(current.Id)!;
  }
  if (!current) return null;
  const f = currentDef.fields.get(parts.at(-1)!.toLowerCase());
  return f ? read(store, f, current) : null;
}

function matches(store: Store, def: ObjectDef, record: SfRecord, c: Condition): boolean {
  switch (c.type) {
    case 'and':
      return matches(store, def, record, c.left) && matches(store, def, record, c.right);
    case 'or':
      return matches(store, def, record, c.left) || matches(store, def, record, c.right);
    case 'not':
      return !matches(store, def, record, c.operand);
    case 'in': {
      const v = value(store, def, record, c.field);
      const hit = c.values.some((x) => equal(v, x));
      return c.negate ? !hit : hit;
    }
    case 'like': {
      const v = value(store, def, record, c.field);
      const hit = typeof v === 'string' && likeToRegExp(c.pattern).test(v);
      return c.negate ? !hit : hit;
    }
    case 'compare': {
      const v = value(store, def, record, c.field);
      if (c.op === '=') return equal(v, c.value);
      if (c.op === '!=') return !equal(v, c.value);
      if (v === null || v === undefined || c.value === null) return false;
      const a = typeof v === 'number' ? v : String(v).toLowerCase();
      const b = typeof c.value === 'number' ? c.value : String(c.value).toLowerCase();
      if (c.op === '<') return a < b;
      if (c.op === '>') return a > b;
      if (c.op === '<=') return a <= b;
      return a >= b;
    }
  }
}

export function relationshipField(def: ObjectDef, name: string): FieldDef | undefined {
  const lower = name.toLowerCase();
  for (const f of def.fields.values()) if (f.relationshipName?.toLowerCase() === lower) return f;
  return undefined;
}

function conditionStrings(c: Condition | null): string[] {
  if (!c) return [];
  switch (c.type) {
    case 'and':
    case 'or':
      return [...conditionStrings(c.left), ...conditionStrings(c.right)];
    case 'not':
      return conditionStrings(c.operand);
    case 'like':
      return [c.pattern];
    case 'in':
      return c.values.filter((v): v is string => typeof v === 'string');
    case 'compare':
      return typeof c.value === 'string' ? [c.value] : [];
  }
}

function conditionFields(c: Condition | null): string[] {
  if (!c) return [];
  if (c.type === 'and' || c.type === 'or') return [...conditionFields(c.left), ...conditionFields(c.right)];
  if (c.type === 'not') return conditionFields(c.operand);
  if (c.type === 'compare' || c.type === 'in' || c.type === 'like') return [c.field];
  return [];
}

function equal(v: unknown, x: Value): boolean {
  if (x === null) return v === null || v === undefined;
  if (v === null || v === undefined) return false;
  if (typeof x === 'string' && typeof v === 'string') {
    const a = to18(v);
    const b = to18(x);
    if (a && b && ID_PATTERN.test(v) && /^[a-zA-Z0-9]{3}/.test(v) && a === b) return true;
    return v.toLowerCase() === x.toLowerCase();
  }
  return v === x || String(v).toLowerCase() === String(x).toLowerCase();
}
