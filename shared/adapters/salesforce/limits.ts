/**
 * Salesforce's per-call limits Capture relies on, each with its source, and the chunking every
 * request of the adapter goes through (one place: no write path cuts its own lists).
 *
 * - sObject Collections (REST API Developer Guide, "sObject Collections": create, update, upsert,
 *   delete): at most 200 records per request, whatever the object: Task, Lead, Event, TaskRelation,
 *   EventRelation, EmailMessage, EmailMessageRelation, ContentVersion. More is refused as a whole
 *   (EXCEEDED_ID_LIMIT).
 * - Composite ("Composite", limits): at most 25 subrequests, of which at most 5 are queries or
 *   sObject Collections.
 * - Blob data in a JSON request ("Insert or Update Blob Data"): at most 37.5 MB of base64; Capture
 *   keeps each request's files under FILE_REQUEST_BYTES.
 */
import { inGroups } from '../../grouping.ts';

export const COLLECTION_RECORDS = 200;
export const SUBREQUEST_LIMIT = 25;
/** Queries and sObject Collections subrequests per composite. */
export const QUERY_OR_COLLECTION_LIMIT = 5;
/**
 * Base64 file data per HTTP request: Salesforce takes at most 37.5 MB of base64 blob data in a
 * JSON request; this keeps one request well under it (a single larger file goes alone).
 */
export const FILE_REQUEST_BYTES = 20 * 1024 * 1024;

/** Records in Collections requests of at most 200, and at most FILE_REQUEST_BYTES of `bytes` when given. */
export function collectionChunks<T>(records: readonly T[], bytes?: (record: T) => number): T[][] {
  return inGroups(records, {
    maxItems: COLLECTION_RECORDS,
    ...(bytes ? { maxWeight: FILE_REQUEST_BYTES, weight: bytes } : {}),
  });
}

/**
 * Subrequests in composites: at most 25 each, at most 5 of them `limited` (queries, Collections),
 * and at most FILE_REQUEST_BYTES of `bytes` when given.
 */
export function compositeGroups<T>(
  items: readonly T[],
  limited: (item: T) => boolean,
  bytes?: (item: T) => number,
): T[][] {
  return inGroups(items, {
    maxItems: SUBREQUEST_LIMIT,
    budgets: [
      { max: QUERY_OR_COLLECTION_LIMIT, weight: (item) => (limited(item) ? 1 : 0) },
      ...(bytes ? [{ max: FILE_REQUEST_BYTES, weight: bytes }] : []),
    ],
  });
}
