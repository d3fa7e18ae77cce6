/**
 * Composite requests the way Salesforce accepts them: at most 25 subrequests, of which at most 5
 * are queries or sObject Collections. Salesforce refuses a whole composite with one entry that
 * carries no referenceId of ours (or with an HTTP 400 that jsforce throws): that is an error for
 * the whole request, never "nothing found".
 */
import { PermanentError, TransientError } from '../../errors.ts';
import { isTransientCode } from './errors.ts';

export const SUBREQUEST_LIMIT = 25;
/** Queries and sObject Collections subrequests per composite. */
export const QUERY_OR_COLLECTION_LIMIT = 5;

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

/** Groups subrequests into composites; `limited` marks the queries and Collections among them. */
/** An sObject Collections upsert on Capture_Id__c, each record failing on its own (allOrNone false). */
export function captureIdUpsert(
  base: string,
  type: string,
  referenceId: string,
  records: readonly Record<string, unknown>[],
): Subrequest {
  return {
    method: 'PATCH',
    url: `${base}/composite/sobjects/${type}/Capture_Id__c`,
    referenceId,
    body: { allOrNone: false, records: records.map((r) => ({ attributes: { type }, ...r })) },
  };
}

export function compositeGroups<T>(items: readonly T[], limited: (item: T) => boolean): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let counted = 0;
  for (const item of items) {
    const weight = limited(item) ? 1 : 0;
    if (current.length >= SUBREQUEST_LIMIT || counted + weight > QUERY_OR_COLLECTION_LIMIT) {
      groups.push(current);
      current = [];
      counted = 0;
    }
    current.push(item);
    counted += weight;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

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
