/**
 * Enhanced Email writes. In an org with Enhanced Email, inserting an EmailMessage that is not on a
 * Case makes Salesforce create its Task and set ActivityId (Object Reference, "EmailMessage":
 * ActivityId "can only be specified for emails on cases. It's auto-created for other entities").
 * So Capture never creates that Task: it upserts the message on its own Capture_Id__c, reads the
 * ActivityId back, and updates that Task with Capture's fields.
 *
 * Two composites (more only past the per-call limits, limits.ts): (1) the messages upserted, then
 * read back (ActivityId, Capture_Source__c); (2) the missing relations inserted and the Tasks
 * updated. A message that exists already refuses a second body; the read-back finds it. It is
 * completed (its Task updated, its relations added) only when it was written from the same stored
 * message (Capture_Source__c); another message with the same Message-ID touches nothing.
 */
import type { EmailMessageWrite, WriteResult } from '../../ports/crm.ts';
import type { Requester, Subrequest, Subresponse } from './composite.ts';
import {
  captureIdUpserts,
  collectionResults,
  collectionWrites,
  isQueryOrCollection,
  okBody,
  sendComposites,
} from './composite.ts';
import { packedQueries } from './soql.ts';

interface Found {
  id: string;
  activityId: string | null;
  source: string | null;
  relations: Set<string>;
}

/** Which of Capture's source fields the org has (Activity and EmailMessage Capture_Source__c). */
export interface SourceFields {
  activity: boolean;
  message: boolean;
}

type Item = { index: number; record: Record<string, unknown> };

export async function logEmails(
  sf: Requester,
  base: string,
  messages: EmailMessageWrite[],
  fields: SourceFields,
): Promise<WriteResult[]> {
  if (messages.length === 0) return [];
  const first = await upsertAndRead(sf, base, messages, fields);
  const results = messages.map((m, i) => resultOf(m, first.found.get(m.captureId), first.upserts[i]));
  const tasks: Item[] = [];
  const relations: Item[] = [];
  for (const [i, m] of messages.entries()) {
    const r = results[i];
    const found = first.found.get(m.captureId);
    // Another message with this Message-ID wrote it: its Task and relations are not this mail's.
    const own = r?.ok === true && (r.created || (m.source !== null && r.source === m.source));
    if (!r?.ok || !found || !own) continue;
    const { Capture_Source__c, ...task } = m.task;
    tasks.push({
      index: i,
      record: {
        attributes: { type: 'Task' },
        Id: r.id,
        ...task,
        ...(fields.activity ? { Capture_Source__c } : {}),
      },
    });
    for (const rel of m.relations) {
      const key = `${rel.RelationType}/${rel.RelationAddress}`;
      if (found.relations.has(key)) continue;
      found.relations.add(key);
      relations.push({
        index: i,
        record: {
          attributes: { type: 'EmailMessageRelation' },
          EmailMessageId: found.id,
          RelationAddress: rel.RelationAddress,
          RelationType: rel.RelationType,
          ...(rel.RelationId ? { RelationId: rel.RelationId } : {}),
        },
      });
    }
  }
  return updateTasksAndRelate(sf, base, tasks, relations, results);
}

/** A message's answer: its Task (created now, or there before with the stored message it came from). */
function resultOf(
  m: EmailMessageWrite,
  found: Found | undefined,
  upsert: WriteResult | undefined,
): WriteResult {
  const created = upsert?.ok === true && upsert.created;
  if (found?.activityId)
    return { ok: true, id: found.activityId, created, ...(created ? {} : { source: found.source }) };
  if (upsert && !upsert.ok) return upsert;
  return {
    ok: false,
    code: 'NO_ACTIVITY',
    message: `the EmailMessage of ${m.captureId} has no Task (ActivityId)`,
    retryable: true,
  };
}

async function upsertAndRead(
  sf: Requester,
  base: string,
  messages: EmailMessageWrite[],
  fields: SourceFields,
): Promise<{ upserts: WriteResult[]; found: Map<string, Found> }> {
  const writes = captureIdUpserts(
    base,
    'EmailMessage',
    'messages',
    messages.map((m) => (fields.message ? { ...m.message, Capture_Source__c: m.source } : m.message)),
  );
  const select = `SELECT Id, ActivityId, Capture_Id__c${fields.message ? ', Capture_Source__c' : ''} FROM EmailMessage`;
  const reads = queries(
    base,
    'm',
    packedQueries(
      select,
      'Capture_Id__c',
      messages.map((m) => m.captureId),
    ),
  );
  const answers = await sendComposites(
    sf,
    [...writes, ...reads],
    isQueryOrCollection,
    'write email messages',
  );
  const upserts = writes.flatMap((w) =>
    collectionResults(answerOf(answers, w), (w.body as { records: unknown[] }).records.length),
  );
  const found = new Map<string, Found>();
  for (const s of reads)
    for (const r of records(okBody(answerOf(answers, s), 'read email messages'))) {
      found.set(String(r.Capture_Id__c), {
        id: String(r.Id),
        activityId: typeof r.ActivityId === 'string' ? r.ActivityId : null,
        source: typeof r.Capture_Source__c === 'string' ? r.Capture_Source__c : null,
        relations: new Set(),
      });
    }
  // Messages that were there already and are this mail's own (a redelivery): their relations.
  const own = messages.flatMap((m, i) => {
    const f = found.get(m.captureId);
    const u = upserts[i];
    return f && !(u?.ok && u.created) && f.source !== null && f.source === m.source ? [f] : [];
  });
  await readRelations(sf, base, own);
  return { upserts, found };
}

async function readRelations(sf: Requester, base: string, messages: Found[]): Promise<void> {
  if (messages.length === 0) return;
  const byMessage = new Map(messages.map((f) => [f.id.slice(0, 15), f]));
  const reads = queries(
    base,
    'e',
    packedQueries(
      'SELECT EmailMessageId, RelationAddress, RelationType FROM EmailMessageRelation',
      'EmailMessageId',
      [...new Set(messages.map((f) => f.id))],
    ),
  );
  const answers = await sendComposites(sf, reads, isQueryOrCollection, 'read email message relations');
  for (const s of reads)
    for (const r of records(okBody(answerOf(answers, s), 'read email message relations')))
      byMessage
        .get(String(r.EmailMessageId).slice(0, 15))
        ?.relations.add(`${r.RelationType}/${String(r.RelationAddress ?? '').toLowerCase()}`);
}

const queries = (base: string, prefix: string, soqls: string[]): Subrequest[] =>
  soqls.map((soql, i) => ({
    method: 'GET',
    url: `${base}/query?q=${encodeURIComponent(soql)}`,
    referenceId: `${prefix}${i}`,
  }));

const records = (body: unknown) => (body as { records: Record<string, unknown>[] }).records;

function answerOf(answers: Map<string, Subresponse>, s: Subrequest): Subresponse {
  return (
    answers.get(s.referenceId) ?? {
      body: [{ errorCode: 'COMPOSITE_INCOMPLETE', message: `no answer for ${s.referenceId}` }],
      httpStatusCode: 500,
      referenceId: s.referenceId,
    }
  );
}

/**
 * Composite 2: the missing EmailMessageRelations inserted, then the Tasks get Capture's fields
 * (last: a Task carrying Capture_Id__c tells a redelivery the message is complete).
 */
async function updateTasksAndRelate(
  sf: Requester,
  base: string,
  tasks: Item[],
  relations: Item[],
  results: WriteResult[],
): Promise<WriteResult[]> {
  const owned = (items: Item[]) => items.map((x) => ({ owner: x.index, record: x.record }));
  const parts = [
    ...collectionWrites(base, 'POST', 'rel', owned(relations)).map((p) => ({ ...p, tasks: false })),
    ...collectionWrites(base, 'PATCH', 'task', owned(tasks)).map((p) => ({ ...p, tasks: true })),
  ];
  if (parts.length === 0) return results;
  const answers = await sendComposites(
    sf,
    parts.map((p) => p.sub),
    isQueryOrCollection,
    'email message tasks',
  );
  const out = [...results];
  const refused = new Map<number, string[]>();
  for (const part of parts) {
    const answer = collectionResults(answerOf(answers, part.sub), part.owners.length);
    for (const [k, index] of part.owners.entries()) {
      const r = answer[k];
      const now = out[index];
      if (!r || r.ok || !now?.ok) continue;
      // A relation refused for good is said in the outcome (one already there is what was wanted);
      // one a retry may add fails the message as retryable, as a refused Task update does.
      if (!part.tasks && !r.retryable) {
        if (r.code !== 'DUPLICATE_VALUE') refused.set(index, [...(refused.get(index) ?? []), r.code]);
        continue;
      }
      out[index] = r;
    }
  }
  return out.map((r, i) => {
    const codes = refused.get(i);
    return r.ok && codes ? { ...r, refused: codes.map((c) => `email message relation: ${c}`) } : r;
  });
}
