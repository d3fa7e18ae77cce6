/**
 * Enhanced Email writes. In an org with Enhanced Email, inserting an EmailMessage that is not on a
 * Case makes Salesforce create its Task and set ActivityId (Object Reference, "EmailMessage":
 * ActivityId "can only be specified for emails on cases. It's auto-created for other entities").
 * So Capture never creates that Task: it upserts the message on its own Capture_Id__c, reads the
 * ActivityId back, and updates that Task with Capture's fields.
 *
 * Two composites: (1) the messages upserted, then read back (ActivityId); (2) the Tasks updated and
 * the relations inserted. Messages that existed already have their relations read first. A message
 * that exists already (a redelivery, a second rep's copy) refuses a second body; the read-back
 * finds it, and the update of its Task is the same as the first.
 */
import type { EmailMessageWrite, WriteResult } from '../../ports/crm.ts';
import type { Requester, SfWriteResult, Subrequest, Subresponse } from './composite.ts';
import { captureIdUpsert, collectionResults, okBody, readComposite, writeResults } from './composite.ts';
import { packedQueries } from './soql.ts';

interface Found {
  id: string;
  activityId: string | null;
  relations: Set<string>;
}

export async function logEmails(
  sf: Requester,
  base: string,
  messages: EmailMessageWrite[],
): Promise<WriteResult[]> {
  if (messages.length === 0) return [];
  const first = await upsertAndRead(sf, base, messages);
  const results: WriteResult[] = messages.map((m, i) => {
    const found = first.found.get(m.captureId);
    const upsert = first.upserts[i]!;
    if (found?.activityId) return { ok: true, id: found.activityId, created: upsert.ok && upsert.created };
    if (!upsert.ok) return upsert;
    return {
      ok: false,
      code: 'NO_ACTIVITY',
      message: 'the EmailMessage has no Task (ActivityId)',
      retryable: true,
    };
  });
  const tasks: { index: number; record: Record<string, unknown> }[] = [];
  const relations: { index: number; record: Record<string, unknown> }[] = [];
  for (const [i, m] of messages.entries()) {
    const r = results[i]!;
    const found = first.found.get(m.captureId);
    if (!r.ok || !found) continue;
    tasks.push({ index: i, record: { attributes: { type: 'Task' }, Id: r.id, ...m.task } });
    for (const rel of m.relations) {
      if (found.relations.has(`${rel.RelationType}/${rel.RelationAddress}`)) continue;
      found.relations.add(`${rel.RelationType}/${rel.RelationAddress}`);
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
  await updateTasksAndRelate(sf, base, tasks, relations, results);
  return results;
}

async function upsertAndRead(
  sf: Requester,
  base: string,
  messages: EmailMessageWrite[],
): Promise<{ upserts: WriteResult[]; found: Map<string, Found> }> {
  const ids = messages.map((m) => m.captureId);
  const query = (soql: string, ref: string): Subrequest => ({
    method: 'GET',
    url: `${base}/query?q=${encodeURIComponent(soql)}`,
    referenceId: ref,
  });
  const sent: Subrequest[] = [
    captureIdUpsert(
      base,
      'EmailMessage',
      'messages',
      messages.map((m) => m.message),
    ),
    ...packedQueries('SELECT Id, ActivityId, Capture_Id__c FROM EmailMessage', 'Capture_Id__c', ids)
      .slice(0, 4)
      .map((soql, i) => query(soql, `m${i}`)),
  ];
  const answers = readComposite(
    await sf.request<unknown>('POST', '/composite', { allOrNone: false, compositeRequest: sent }),
    sent,
    'write email messages',
  );
  const body = (ref: string) => okBody(answers.get(ref)!, 'write email messages');
  const upserts = writeResults(body('messages') as SfWriteResult[]);
  const found = new Map<string, Found>();
  const byMessage = new Map<string, Found>();
  for (const s of sent.filter((x) => x.referenceId.startsWith('m') && x.referenceId !== 'messages'))
    for (const r of records(body(s.referenceId))) {
      const f: Found = {
        id: String(r.Id),
        activityId: (r.ActivityId as string | null) ?? null,
        relations: new Set(),
      };
      found.set(String(r.Capture_Id__c), f);
      byMessage.set(f.id.slice(0, 15), f);
    }
  // Messages that were there already (a redelivery, a second rep's copy) may have their relations.
  const existing = messages.flatMap((m, i) => {
    const f = found.get(m.captureId);
    const u = upserts[i];
    return f && !(u?.ok && u.created) ? [f.id] : [];
  });
  for (const soql of packedQueries(
    'SELECT EmailMessageId, RelationAddress, RelationType FROM EmailMessageRelation',
    'EmailMessageId',
    [...new Set(existing)],
  )) {
    const rows = await sf.request<{ records: Record<string, unknown>[] }>(
      'GET',
      `/query?q=${encodeURIComponent(soql)}`,
    );
    for (const r of rows.records)
      byMessage
        .get(String(r.EmailMessageId).slice(0, 15))
        ?.relations.add(`${r.RelationType}/${String(r.RelationAddress ?? '').toLowerCase()}`);
  }
  return { upserts, found };
}

const records = (body: unknown) => (body as { records: Record<string, unknown>[] }).records;

/** Composite 2: the Tasks get Capture's fields; the missing EmailMessageRelations are inserted. */
async function updateTasksAndRelate(
  sf: Requester,
  base: string,
  tasks: { index: number; record: Record<string, unknown> }[],
  relations: { index: number; record: Record<string, unknown> }[],
  results: WriteResult[],
): Promise<void> {
  const parts: { sub: Subrequest; owners: number[]; tasks: boolean }[] = [];
  for (let i = 0; i < relations.length && parts.length < 3; i += 200) {
    const chunk = relations.slice(i, i + 200);
    parts.push({
      sub: collection(base, `rel${i}`, 'POST', chunk),
      owners: chunk.map((c) => c.index),
      tasks: false,
    });
  }
  // The Tasks last: a Task carrying Capture_Id__c tells a redelivery the message is complete.
  for (let i = 0; i < tasks.length; i += 200) {
    const chunk = tasks.slice(i, i + 200);
    parts.push({
      sub: collection(base, `task${i}`, 'PATCH', chunk),
      owners: chunk.map((c) => c.index),
      tasks: true,
    });
  }
  if (parts.length === 0) return;
  for (let g = 0; g < parts.length; g += 5) {
    const group = parts.slice(g, g + 5);
    const sent = group.map((p) => p.sub);
    const answers = readComposite(
      await sf.request<unknown>('POST', '/composite', { allOrNone: false, compositeRequest: sent }),
      sent,
      'email message tasks',
    );
    for (const part of group) applyAnswers(answers.get(part.sub.referenceId)!, part, results);
  }
}

function collection(
  base: string,
  ref: string,
  method: string,
  items: { record: Record<string, unknown> }[],
): Subrequest {
  return {
    method,
    url: `${base}/composite/sobjects`,
    referenceId: ref,
    body: { allOrNone: false, records: items.map((x) => x.record) },
  };
}

function applyAnswers(
  sub: Subresponse,
  part: { owners: number[]; tasks: boolean },
  results: WriteResult[],
): void {
  const answers = collectionResults(sub, part.owners.length);
  for (const [k, index] of part.owners.entries()) {
    const r = answers[k]!;
    if (r.ok || !results[index]!.ok) continue;
    // A relation refused for good (or there already) leaves the message logged, as a refused
    // TaskRelation does; one a retry may add fails the message as retryable.
    if (!part.tasks && !r.retryable) continue;
    results[index] = r;
  }
}
