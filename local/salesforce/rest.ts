/**
 * REST resources below /services/data/vXX.X: the version's resource list, limits, query and
 * queryAll (with query locators), sObject describe and rows, rows by external id, Tooling
 * CustomField, and hand-off to composite and sObject Collections. Used for top-level calls and
 * for composite subrequests alike.
 */

import { lastActivityDates } from './activity-dates.ts';
import { runCollections } from './collections.ts';
import { runComposite } from './composite.ts';
import type { RestContext, RestResult } from './context.ts';
import { notFound, SalesforceError } from './errors.ts';
import type { ApiUsage } from './faults.ts';
import type { ObjectAccessOf } from './org.ts';
import { orgValues } from './org-values.ts';
import { runQuery } from './query.ts';
import { describeField, type ObjectDef } from './schema.ts';
import { childRelationshipsOf } from './subqueries.ts';
import { createCustomField } from './tooling.ts';

export type { RestContext, RestResult } from './context.ts';

const PAGE_SIZE = 2000;

export function rest(
  ctx: RestContext,
  method: string,
  path: string,
  search: URLSearchParams,
  body: unknown,
): RestResult {
  const parts = path.split('/').filter(Boolean);
  const tooling = parts[0] === 'tooling';
  const p = tooling ? parts.slice(1) : parts;
  if (ctx.fault === 'UNABLE_TO_LOCK_ROW' && method !== 'GET' && p[0] !== 'composite') {
    throw new SalesforceError(
      'UNABLE_TO_LOCK_ROW',
      'unable to obtain exclusive access to this record or 1 records',
    );
  }
  if (p.length === 0) return resourceList(ctx.version);
  if (p[0] === 'limits' && !tooling) return limits(ctx.usage);
  if (p[0] === 'query' || p[0] === 'queryAll') return query(ctx, p, search, tooling);
  if (p[0] === 'composite' && !tooling) {
    if (p[1] === 'sobjects') return runCollections(ctx, method, p, search, body);
    if (p.length === 1 && method === 'POST')
      return runComposite(ctx, body, (sub, m, subPath, s, b) => rest(sub, m, subPath, s, b));
  }
  if (p[0] === 'sobjects') {
    if (p.length === 1) return sobjectList(ctx, tooling);
    const def = ctx.store.object(p[1]!, ctx.write.objects);
    if ((def.tooling ?? false) !== tooling) throw notFound();
    return sobject(ctx, def, method, p, search, body, tooling);
  }
  throw notFound();
}

function resourceList(version: string): RestResult {
  const base = `/services/data/v${version}`;
  const names = ['sobjects', 'query', 'queryAll', 'composite', 'limits', 'tooling'];
  return { status: 200, body: Object.fromEntries(names.map((r) => [r, `${base}/${r}`])) };
}

function limits(usage: ApiUsage): RestResult {
  return {
    status: 200,
    body: {
      DailyApiRequests: { Max: usage.limit, Remaining: Math.max(0, usage.limit - usage.used()) },
      DataStorageMB: { Max: 5, Remaining: 5 },
    },
  };
}

function query(ctx: RestContext, p: string[], search: URLSearchParams, tooling: boolean): RestResult {
  if (p[1]) {
    // Locators read "<cursor>-<offset>", as Salesforce's do.
    const cursor = ctx.cursors.get(p[1].split('-')[0]!);
    if (!cursor) throw new SalesforceError('INVALID_QUERY_LOCATOR', 'invalid query locator', [], 400);
    return { status: 200, body: page(ctx.version, p[1], cursor) };
  }
  const q = search.get('q');
  if (!q) throw new SalesforceError('MALFORMED_QUERY', 'A query string has to be specified');
  const result = runQuery(ctx.store, q, {
    tooling,
    all: p[0] === 'queryAll',
    ...(ctx.write.access ? { access: ctx.write.access } : {}),
    ...(ctx.write.objects ? { objects: ctx.write.objects } : {}),
  });
  const locator = `01g5g00000Emul${ctx.cursors.size}`;
  ctx.cursors.set(locator, result);
  return { status: 200, body: page(ctx.version, `${locator}-0`, result) };
}

function page(
  version: string,
  locator: string,
  result: { records: Record<string, unknown>[]; totalSize: number },
) {
  const [base, from] = locator.split('-') as [string, string | undefined];
  const start = Number(from ?? 0);
  const end = pageEnd(result.records, start);
  const records = result.records.slice(start, end);
  const done = end >= result.records.length;
  return {
    totalSize: result.totalSize,
    done,
    ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${base}-${end}` }),
    records,
  };
}

/**
 * Where a page starting at `start` ends: at most 2,000 records, child rows of subqueries counted
 * too (REST API Developer Guide, "Query Options Header": child objects count toward the batch
 * size); always at least one parent.
 */
function pageEnd(records: Record<string, unknown>[], start: number): number {
  let end = start;
  let count = 0;
  while (end < records.length) {
    const weight = 1 + childCount(records[end]!);
    if (end > start && count + weight > PAGE_SIZE) break;
    count += weight;
    end++;
  }
  return end;
}

function childCount(record: Record<string, unknown>): number {
  let n = 0;
  for (const value of Object.values(record)) {
    const child = value as { records?: unknown } | null;
    if (child && typeof child === 'object' && Array.isArray(child.records)) n += child.records.length;
  }
  return n;
}

function sobjectList(ctx: RestContext, tooling: boolean): RestResult {
  const may = rightsOf(ctx);
  const defs = [...ctx.store.objects.values()].filter(
    (d) => (d.tooling ?? false) === tooling && ctx.store.available(d) && may(d, 'read'),
  );
  return {
    status: 200,
    body: {
      encoding: 'UTF-8',
      maxBatchSize: 200,
      sobjects: defs.map((d) => ({
        name: d.name,
        label: d.label,
        keyPrefix: d.keyPrefix,
        ...objectFlags(d, may),
        custom: false,
        urls: { sobject: `/services/data/v${ctx.version}/sobjects/${d.name}` },
      })),
    },
  };
}

/** The session's object rights; every right when it carries none. */
const rightsOf = (ctx: RestContext): ObjectAccessOf => ctx.write.objects ?? (() => true);

/** What a describe says the user may do with the object: setup data is never written through the API. */
function objectFlags(def: ObjectDef, may: ObjectAccessOf) {
  return {
    queryable: may(def, 'read'),
    createable: !def.readOnly && may(def, 'create'),
    updateable: !def.readOnly && may(def, 'edit'),
    deletable: !def.readOnly && may(def, 'delete'),
  };
}

function describe(ctx: RestContext, def: ObjectDef): RestResult {
  // A field the session may not read is absent; one it may only read is neither createable nor updateable.
  const access = ctx.write.access ?? (() => 'edit');
  const visible = [...def.fields.values()].filter((f) => access(def, f) !== 'hidden');
  const fields = visible.map((f) => {
    const d = describeField(f);
    if (access(def, f) === 'read') {
      d.createable = false;
      d.updateable = false;
    }
    if (!f.valuesFrom) return d;
    // Task Status and Priority list the org's own values, as Salesforce's describe does.
    d.restrictedPicklist = true;
    d.picklistValues = orgValues(ctx.store, f.valuesFrom).map((v) => ({
      active: true,
      defaultValue: v.IsDefault === true,
      label: v.MasterLabel,
      value: v.ApiName ?? v.MasterLabel,
    }));
    return d;
  });
  return {
    status: 200,
    body: {
      name: def.name,
      label: def.label,
      keyPrefix: def.keyPrefix,
      ...objectFlags(def, rightsOf(ctx)),
      custom: false,
      fields,
      childRelationships: childRelationshipsOf(ctx.store, def, ctx.write.objects).map((r) => ({
        ...r,
        cascadeDelete: false,
        deprecatedAndHidden: false,
        restrictedDelete: false,
      })),
      urls: { sobject: `/services/data/v${ctx.version}/sobjects/${def.name}` },
    },
  };
}

function sobject(
  ctx: RestContext,
  def: ObjectDef,
  method: string,
  p: string[],
  search: URLSearchParams,
  body: unknown,
  tooling: boolean,
): RestResult {
  const input = (body ?? {}) as Record<string, unknown>;
  if (p.length === 2) {
    if (method === 'POST') {
      if (tooling && def.name === 'CustomField')
        return { status: 201, body: createCustomField(ctx.store, body) };
      const record = ctx.store.create(def.name, input, ctx.write);
      return { status: 201, body: { id: record.Id, success: true, errors: [] } };
    }
    return {
      status: 200,
      body: {
        objectDescribe: { name: def.name, keyPrefix: def.keyPrefix, label: def.label },
        recentItems: [],
      },
    };
  }
  if (p[2] === 'describe') return describe(ctx, def);
  if (p.length === 4 && method === 'PATCH') {
    // sobjects/Type/ExtField/value: upsert by external id
    const { record, created } = ctx.store.upsert(
      def.name,
      p[2]!,
      decodeURIComponent(p[3]!),
      input,
      ctx.write,
    );
    return { status: created ? 201 : 200, body: { id: record.Id, success: true, errors: [], created } };
  }
  const id = decodeURIComponent(p[2]!);
  if (method === 'GET') return { status: 200, body: readRow(ctx, def, id, search) };
  if (method === 'PATCH') {
    ctx.store.update(def.name, id, input, ctx.write);
    return { status: 204 };
  }
  if (method === 'DELETE') {
    ctx.store.delete(def.name, id, ctx.write);
    return { status: 204 };
  }
  throw notFound();
}

function readRow(ctx: RestContext, def: ObjectDef, id: string, search: URLSearchParams) {
  const record = ctx.store.get(def.name, id);
  const fields = search
    .get('fields')
    ?.split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const out: Record<string, unknown> = { attributes: ctx.store.attributes(def, record.Id, ctx.version) };
  // Derived fields (LastActivityDate) are part of the row, as in a real org.
  const derived = [...def.fields.values()].some((f) => f.derived === 'lastActivityDate')
    ? { LastActivityDate: lastActivityDates(ctx.store).get(record.Id) ?? null }
    : {};
  const access = ctx.write.access ?? (() => 'edit');
  for (const [k, v] of Object.entries({ ...record, ...derived })) {
    const f = def.fields.get(k.toLowerCase());
    if (k === 'VersionData' || f?.queryable === false || (f && access(def, f) === 'hidden')) continue;
    if (!fields || fields.some((f) => f.toLowerCase() === k.toLowerCase())) out[k] = v;
  }
  return out;
}
