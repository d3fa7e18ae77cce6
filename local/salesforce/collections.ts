/**
 * sObject Collections (/composite/sobjects[/<Type>/<extIdField>]): create, update, upsert and
 * delete up to 200 records in one call ("sObject Collections" in the REST API Developer Guide).
 * Per-record results; with allOrNone every record is rolled back once one fails. Upserts that
 * name the same external id twice in one request fail for those records (DUPLICATE_VALUE,
 * "Duplicate external id specified"); one matching several rows fails with DUPLICATE_EXTERNAL_ID.
 */

import type { RestContext, RestResult } from './context.ts';
import { HttpError, recordError, SalesforceError } from './errors.ts';

export const MAX_COLLECTION_RECORDS = 200;

type Row = Record<string, unknown>;
type Result = { id: string | null; success: boolean; errors: unknown[]; created?: boolean };

function attempt(fn: () => { id: string; created?: boolean }): Result {
  try {
    const r = fn();
    return {
      id: r.id,
      success: true,
      errors: [],
      ...(r.created === undefined ? {} : { created: r.created }),
    };
  } catch (error) {
    if (!(error instanceof SalesforceError)) throw error;
    return { id: null, success: false, errors: [recordError(error)] };
  }
}

const ROLLED_BACK = {
  id: null,
  success: false,
  errors: [
    {
      statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      message:
        'Record rolled back because not all records were valid and the request was using AllOrNone header',
      fields: [],
    },
  ],
};

export function runCollections(
  ctx: RestContext,
  method: string,
  p: string[],
  search: URLSearchParams,
  body: unknown,
): RestResult {
  const payload = (body ?? {}) as { allOrNone?: boolean; records?: Row[] };
  const records = payload.records ?? [];
  const ids = (search.get('ids') ?? '').split(',').filter(Boolean);
  const size = method === 'DELETE' ? ids.length : records.length;
  if (size > MAX_COLLECTION_RECORDS) {
    throw new HttpError(400, [
      {
        message: `Maximum number of records exceeded: ${MAX_COLLECTION_RECORDS}`,
        errorCode: 'EXCEEDED_ID_LIMIT',
      },
    ]);
  }
  const allOrNone = method === 'DELETE' ? search.get('allOrNone') === 'true' : payload.allOrNone === true;
  const snapshot = ctx.store.snapshot();
  const results = perRecord(ctx, method, p, records, ids);
  if (allOrNone && results.some((r) => !r.success)) {
    ctx.store.restore(snapshot);
    return { status: 200, body: results.map((r) => (r.success ? ROLLED_BACK : r)) };
  }
  return { status: 200, body: results };
}

function perRecord(ctx: RestContext, method: string, p: string[], records: Row[], ids: string[]): Result[] {
  const lock = () => {
    if (ctx.fault === 'UNABLE_TO_LOCK_ROW')
      throw new SalesforceError(
        'UNABLE_TO_LOCK_ROW',
        'unable to obtain exclusive access to this record or 1 records',
      );
  };
  const typeOf = (r: Row) => {
    const type = (r.attributes as { type?: string } | undefined)?.type;
    if (!type) throw new SalesforceError('INVALID_TYPE', 'Must send a concrete entity type.');
    const def = ctx.store.objects.get(type.toLowerCase());
    // An object the user may not read does not exist for them (object-security.ts).
    if (!def || !ctx.store.available(def) || ctx.write.objects?.(def, 'read') === false)
      throw new SalesforceError('INVALID_TYPE', `sObject type '${type}' is not supported.`);
    return def.name;
  };
  if (method === 'POST') {
    return records.map((r) =>
      attempt(() => {
        lock();
        const type = typeOf(r);
        if (r.Id !== undefined)
          throw new SalesforceError('INVALID_FIELD', 'cannot specify Id in an insert call', ['Id']);
        return { id: ctx.store.create(type, r, ctx.write).Id };
      }),
    );
  }
  if (method === 'PATCH' && p.length === 4) return upsertAll(ctx, p[2]!, p[3]!, records, lock);
  if (method === 'PATCH') {
    return records.map((r) =>
      attempt(() => {
        lock();
        const { Id, ...rest } = r;
        return { id: ctx.store.update(typeOf(r), String(Id ?? ''), rest, ctx.write).Id };
      }),
    );
  }
  if (method === 'DELETE') {
    return ids.map((id) =>
      attempt(() => {
        const record = ctx.store.findById(id);
        if (!record) throw new SalesforceError('ENTITY_IS_DELETED', 'entity is deleted');
        ctx.store.delete(ctx.store.typeOfId(record.Id)!.name, record.Id, ctx.write);
        return { id: record.Id };
      }),
    );
  }
  throw new HttpError(405, [
    { message: `HTTP Method '${method}' not allowed`, errorCode: 'METHOD_NOT_ALLOWED' },
  ]);
}

function upsertAll(
  ctx: RestContext,
  type: string,
  extField: string,
  records: Row[],
  lock: () => void,
): Result[] {
  const extValue = (r: Row) =>
    r[extField] ?? Object.entries(r).find(([k]) => k.toLowerCase() === extField.toLowerCase())?.[1];
  const seen = new Map<string, number>();
  for (const r of records) {
    const v = extValue(r);
    if (typeof v === 'string') seen.set(v.toLowerCase(), (seen.get(v.toLowerCase()) ?? 0) + 1);
  }
  return records.map((r) =>
    attempt(() => {
      lock();
      const value = extValue(r);
      if (typeof value !== 'string' || value === '')
        throw new SalesforceError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${extField}]`, [
          extField,
        ]);
      if ((seen.get(value.toLowerCase()) ?? 0) > 1)
        throw new SalesforceError('DUPLICATE_VALUE', `Duplicate external id specified: ${value}`, [extField]);
      try {
        const { record, created } = ctx.store.upsert(type, extField, value, r, ctx.write);
        return { id: record.Id, created };
      } catch (error) {
        // Several existing rows with this value: Collections report it per record.
        if (error instanceof SalesforceError && error.errorCode === 'MULTIPLE_CHOICES')
          throw new SalesforceError('DUPLICATE_EXTERNAL_ID', error.message, [extField]);
        throw error;
      }
    }),
  );
}
