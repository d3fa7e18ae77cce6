/**
 * Composite requests the way Salesforce accepts them (their limits and chunking: limits.ts).
 * Salesforce refuses a whole composite with one entry that carries no referenceId of ours (or
 * with an HTTP 400 that jsforce throws): that is an error for the whole request, never "nothing
 * found". Every write asks for per-record results (`allOrNone: false`), so one record's refusal
 * is that record's answer alone.
 */
import { PermanentError, TransientError } from '../../errors.ts';
import type { WriteResult } from '../../ports/crm.ts';
import { isTransientCode } from './errors.ts';
import { collectionChunks, compositeGroups } from './limits.ts';

export { compositeGroups, QUERY_OR_COLLECTION_LIMIT, SUBREQUEST_LIMIT } from './limits.ts';

export interface Subrequest {
  method: string;
  url: string;
  referenceId: string;
  body?: unknown;
}

export interface Subresponse {
  body: unknown;
  httpStatusCode: number;
  referenceId: string | null;
}

/** What the adapters need of a Salesforce connection: one REST call. */
export interface Requester {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

/** One record's answer in an sObject Collections or single-record write. */
export interface SfWriteResult {
  id?: string | null;
  success: boolean;
  created?: boolean;
  errors?: { statusCode?: string; message?: string }[];
}

/**
 * sObject Collections upserts on Capture_Id__c, at most 200 records each, each record failing on
 * its own (allOrNone false); referenceIds `<prefix>0`, `<prefix>1`…
 */
export function captureIdUpserts(
  base: string,
  type: string,
  prefix: string,
  records: readonly Record<string, unknown>[],
): Subrequest[] {
  return collectionChunks(records).map((chunk, k) => ({
    method: 'PATCH',
    url: `${base}/composite/sobjects/${type}/Capture_Id__c`,
    referenceId: `${prefix}${k}`,
    body: { allOrNone: false, records: chunk.map((r) => ({ attributes: { type }, ...r })) },
  }));
}

/**
 * Records to create (POST) or update (PATCH by Id) as Collections subrequests of at most 200,
 * each carrying the owners of its records; referenceIds `<prefix>0`, `<prefix>1`…
 */
export function collectionWrites<O>(
  base: string,
  method: 'POST' | 'PATCH',
  prefix: string,
  items: readonly { owner: O; record: Record<string, unknown> }[],
): { sub: Subrequest; owners: O[] }[] {
  return collectionChunks(items).map((chunk, k) => ({
    sub: {
      method,
      url: `${base}/composite/sobjects`,
      referenceId: `${prefix}${k}`,
      body: { allOrNone: false, records: chunk.map((c) => c.record) },
    },
    owners: chunk.map((c) => c.owner),
  }));
}

/** Records to delete as Collections subrequests of at most 200 ids each. */
export function collectionDeletes<O>(
  base: string,
  prefix: string,
  items: readonly { owner: O; id: string }[],
): { sub: Subrequest; owners: O[] }[] {
  return collectionChunks(items).map((chunk, k) => ({
    sub: {
      method: 'DELETE',
      url: `${base}/composite/sobjects?ids=${chunk.map((c) => c.id).join(',')}&allOrNone=false`,
      referenceId: `${prefix}${k}`,
    },
    owners: chunk.map((c) => c.owner),
  }));
}

/** The subrequests in as few composites as Salesforce takes; every answer by referenceId. */
export async function sendComposites(
  sf: Requester,
  subrequests: readonly Subrequest[],
  limited: (s: Subrequest) => boolean,
  what: string,
): Promise<Map<string, Subresponse>> {
  const answers = new Map<string, Subresponse>();
  for (const group of compositeGroups(subrequests, limited)) {
    const response = await sf.request<unknown>('POST', '/composite', {
      allOrNone: false,
      compositeRequest: group,
    });
    for (const [ref, sub] of readComposite(response, group, what)) answers.set(ref, sub);
  }
  return answers;
}

/** Queries and Collections count against a composite's 5; describes and single-record calls do not. */
export const isQueryOrCollection = (s: Subrequest) =>
  s.url.includes('/query?') || s.url.includes('/queryAll?') || s.url.includes('/composite/sobjects');

/** The first error of a subresponse body (Salesforce sends an array of { errorCode, message }). */
export function firstError(sub: Subresponse): { code: string; message: string } {
  const body = sub.body as { errorCode?: string; message?: string }[] | { errorCode?: string } | undefined;
  const err = Array.isArray(body) ? body[0] : body;
  const code = err?.errorCode ?? `ERROR_HTTP_${sub.httpStatusCode}`;
  return { code, message: (err as { message?: string } | undefined)?.message ?? code };
}

/**
 * The subresponses of one composite by referenceId. Throws a classified error when Salesforce
 * answered for the request as a whole, or left a subrequest unanswered.
 */
export function readComposite(
  response: unknown,
  sent: readonly Subrequest[],
  what: string,
): Map<string, Subresponse> {
  const entries = (response as { compositeResponse?: unknown } | null)?.compositeResponse;
  if (!Array.isArray(entries)) {
    throw new TransientError(
      'COMPOSITE_UNREADABLE',
      `${what}: the composite response has no compositeResponse`,
    );
  }
  const ours = new Set(sent.map((s) => s.referenceId));
  const byReference = new Map<string, Subresponse>();
  for (const entry of entries as Subresponse[]) {
    if (entry.referenceId !== null && ours.has(entry.referenceId)) {
      byReference.set(entry.referenceId, entry);
      continue;
    }
    const { code, message } = firstError(entry);
    throw errorFor(code, `${what}: Salesforce refused the composite request: ${message}`);
  }
  for (const s of sent) {
    if (!byReference.has(s.referenceId)) {
      throw new TransientError('COMPOSITE_INCOMPLETE', `${what}: no answer for subrequest ${s.referenceId}`);
    }
  }
  return byReference;
}

export function errorFor(code: string, message: string): TransientError | PermanentError {
  return isTransientCode(code) ? new TransientError(code, message) : new PermanentError(code, message);
}

/** The body of a subresponse that succeeded; a failed one is thrown as a classified error. */
export function okBody(sub: Subresponse | undefined, what: string): unknown {
  // Salesforce answers every subrequest; a missing answer is a broken response, worth a retry.
  if (!sub) throw new TransientError('NO_RESULT', `${what}: no answer in the composite response`);
  if (sub.httpStatusCode >= 400) {
    const { code, message } = firstError(sub);
    throw errorFor(code, `${what}: ${message}`);
  }
  return sub.body;
}

/** Each record's result; `created` defaults to what the method implies when Salesforce leaves it out. */
export function writeResults(response: readonly SfWriteResult[], createdByDefault = false): WriteResult[] {
  return response.map((r): WriteResult => {
    if (r.success && r.id) return { ok: true, id: r.id, created: r.created ?? createdByDefault };
    const e = r.errors?.[0];
    const code = e?.statusCode ?? 'UNKNOWN';
    return { ok: false, code, message: e?.message ?? 'failed', retryable: isTransientCode(code) };
  });
}

/**
 * The results of the `count` records a Collections subrequest sent: refused as a whole, every
 * record fails with that error; a record left unanswered fails as retryable.
 */
export function collectionResults(sub: Subresponse, count: number, createdByDefault = false): WriteResult[] {
  const whole = sub.httpStatusCode >= 400 ? firstError(sub) : null;
  const answers = whole ? [] : writeResults(sub.body as SfWriteResult[], createdByDefault);
  return Array.from(
    { length: count },
    (_, k): WriteResult =>
      whole
        ? { ok: false, ...whole, retryable: isTransientCode(whole.code) }
        : (answers[k] ?? { ok: false, code: 'NO_RESULT', message: 'no result', retryable: true }),
  );
}
