/**
 * Composite (/composite): up to 25 subrequests, at most 5 of them queries (query, queryAll) or
 * sObject Collections ("Composite" in the REST API Developer Guide), with @{ref.path} references
 * and allOrNone rollback. A request over either limit is refused as a whole before anything runs:
 * by default as a compositeResponse with one entry (referenceId null, HTTP status 400,
 * LIMIT_EXCEEDED), or with `compositeLimitShape: 'http400'` as an HTTP 400 error array.
 */

import type { RestContext, RestResult } from './context.ts';
import { errorBody, HttpError, notFound, SalesforceError } from './errors.ts';

export const MAX_SUBREQUESTS = 25;
export const MAX_QUERY_OR_COLLECTION_SUBREQUESTS = 5;

export type { CompositeShape } from './context.ts';

type Dispatch = (
  ctx: RestContext,
  method: string,
  path: string,
  search: URLSearchParams,
  body: unknown,
) => RestResult;

interface Subrequest {
  method: string;
  url: string;
  referenceId: string;
  body?: unknown;
}

interface SubResponse {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string | null;
}

const HALTED = [
  {
    errorCode: 'PROCESSING_HALTED',
    message: 'The transaction was rolled back since another operation in the same transaction failed.',
  },
];

/** Whether a subrequest URL is a query or sObject Collections call (the ones limited to 5). */
export function isQueryOrCollection(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return (
    /^\/services\/data\/v\d+\.\d\/(?:tooling\/)?(?:query|queryAll)(?:\/|$)/.test(path) ||
    /^\/services\/data\/v\d+\.\d\/composite\/sobjects(?:\/|$)/.test(path)
  );
}

function refuse(ctx: RestContext, message: string): RestResult {
  const error = [{ errorCode: 'LIMIT_EXCEEDED', message }];
  if (ctx.compositeShape === 'http400') throw new HttpError(400, error);
  const only: SubResponse = { body: error, httpHeaders: {}, httpStatusCode: 400, referenceId: null };
  return { status: 200, body: { compositeResponse: [only] } };
}

export function runComposite(ctx: RestContext, body: unknown, dispatch: Dispatch): RestResult {
  const input = (body ?? {}) as { allOrNone?: boolean; compositeRequest?: Subrequest[] };
  const requests = input.compositeRequest ?? [];
  if (requests.length > MAX_SUBREQUESTS)
    return refuse(
      ctx,
      `Composite request can contain at most ${MAX_SUBREQUESTS} subrequests (got ${requests.length})`,
    );
  const heavy = requests.filter((r) => isQueryOrCollection(String(r.url ?? ''))).length;
  if (heavy > MAX_QUERY_OR_COLLECTION_SUBREQUESTS)
    return refuse(
      ctx,
      `Composite request can contain at most ${MAX_QUERY_OR_COLLECTION_SUBREQUESTS} query or sObject Collections subrequests (got ${heavy})`,
    );
  const snapshot = ctx.store.snapshot();
  const results = new Map<string, unknown>();
  const responses: SubResponse[] = [];
  let failed = false;
  for (const sub of requests) {
    if (failed && input.allOrNone) {
      responses.push({ body: HALTED, httpHeaders: {}, httpStatusCode: 400, referenceId: sub.referenceId });
      continue;
    }
    const response = runOne(ctx, sub, results, dispatch);
    responses.push(response);
    if (response.httpStatusCode >= 400) failed = true;
  }
  if (failed && input.allOrNone) {
    ctx.store.restore(snapshot);
    for (const r of responses) {
      if (r.httpStatusCode < 400) {
        r.httpStatusCode = 400;
        r.body = HALTED;
      }
    }
  }
  return { status: 200, body: { compositeResponse: responses } };
}

function runOne(
  ctx: RestContext,
  sub: Subrequest,
  results: Map<string, unknown>,
  dispatch: Dispatch,
): SubResponse {
  try {
    const target = new URL(String(substitute(sub.url, results)), 'http://x');
    const m = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(target.pathname);
    if (!m) throw notFound();
    const r = dispatch(
      { ...ctx, fault: null, version: m[1]! },
      String(sub.method).toUpperCase(),
      decodeURIComponent(m[2] ?? ''),
      target.searchParams,
      substitute(sub.body, results),
    );
    if (r.body !== undefined) results.set(sub.referenceId, r.body);
    return { body: r.body ?? null, httpHeaders: {}, httpStatusCode: r.status, referenceId: sub.referenceId };
  } catch (error) {
    const e =
      error instanceof SalesforceError
        ? { status: error.status, body: errorBody(error) }
        : error instanceof HttpError
          ? { status: error.status, body: error.body }
          : null;
    if (!e) throw error;
    return { body: e.body, httpHeaders: {}, httpStatusCode: e.status, referenceId: sub.referenceId };
  }
}

/** Replaces @{ref.path[0].field} with values from earlier subresponses. */
function substitute(value: unknown, results: Map<string, unknown>): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g,
      (_m, ref: string, path: string) => {
        let current = results.get(ref);
        if (current === undefined)
          throw new HttpError(400, [
            {
              message: `Invalid reference specified. No value for ${ref} found in ${ref}`,
              errorCode: 'INVALID_FIELD',
            },
          ]);
        for (const part of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
          current = part.startsWith('[')
            ? (current as unknown[])?.[Number(part.slice(1, -1))]
            : (current as Record<string, unknown>)?.[part.slice(1)];
        }
        return String(current);
      },
    );
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, results));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, results)]));
  return value;
}
