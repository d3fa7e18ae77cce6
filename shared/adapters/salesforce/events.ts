/**
 * Meeting invites as Salesforce Events: the Event lookup that rides the batch's lookup composite,
 * and the writes in two composites (Events upserted on Capture_Id__c with their existing
 * relations read back; then EventRelations, marks and deletes together).
 *
 * Salesforce's rules kept here (Object Reference, "Event" and "EventRelation"): a deleted Event
 * stays in the recycle bin, where queryAll sees it (IsDeleted) — Capture reads it as a tombstone
 * so a late REQUEST does not bring the meeting back; one EventRelation per person (the WhoId's
 * row is Salesforce's own); without Shared Activities rows are invitees only.
 */
import type {
  EventCancel,
  EventWrite,
  EventWriteResults,
  FoundEvent,
  LookupPlan,
  WriteResult,
} from '../../ports/crm.ts';
import type { Requester, Subrequest, Subresponse } from './composite.ts';
import {
  captureIdUpserts,
  collectionDeletes,
  collectionResults,
  collectionWrites,
  isQueryOrCollection,
  okBody,
  sendComposites,
} from './composite.ts';
import { packedQueries } from './soql.ts';

const EVENT_LOOKUP_PREFIX = 'ev';
const CANCELLED = /^cancel+ed:/i;

/** The Event queries of a lookup (queryAll: deleted Events are the tombstones of cancelled meetings). */
export function eventLookupSubrequests(base: string, plan: LookupPlan): Subrequest[] {
  const ids = plan.eventCaptureIds ?? [];
  if (ids.length === 0) return [];
  return packedQueries(
    'SELECT Id, Capture_Id__c, Capture_Sequence__c, Subject, ShowAs, IsDeleted, OwnerId FROM Event',
    'Capture_Id__c',
    ids,
  ).map((soql, i) => ({
    method: 'GET',
    url: `${base}/queryAll?q=${encodeURIComponent(soql)}`,
    referenceId: `${EVENT_LOOKUP_PREFIX}${i}`,
  }));
}

export const isEventLookup = (s: Subrequest) => s.referenceId.startsWith(EVENT_LOOKUP_PREFIX);

/**
 * The Events the lookup found. An Event deleted and created again has two records: the live one
 * wins, else the newest sequence.
 */
export function readEventLookup(answers: Map<string, Subresponse>, sent: Subrequest[]): FoundEvent[] {
  const byId = new Map<string, FoundEvent>();
  for (const s of sent.filter(isEventLookup)) {
    const body = okBody(answers.get(s.referenceId), 'lookup events');
    for (const r of (body as { records: Record<string, unknown>[] }).records) {
      const found: FoundEvent = {
        id: String(r.Id),
        captureId: String(r.Capture_Id__c),
        sequence: typeof r.Capture_Sequence__c === 'number' ? r.Capture_Sequence__c : null,
        cancelled: r.ShowAs === 'Free' && CANCELLED.test(String(r.Subject ?? '')),
        deleted: r.IsDeleted === true,
        ownerId: typeof r.OwnerId === 'string' ? r.OwnerId : null,
      };
      const known = byId.get(found.captureId);
      if (
        !known ||
        (known.deleted && !found.deleted) ||
        (known.deleted && (found.sequence ?? -1) > (known.sequence ?? -1))
      )
        byId.set(found.captureId, found);
    }
  }
  return [...byId.values()];
}

/**
 * Writes a batch's Events. The last upsert of an Event in the batch is the one sent (an earlier
 * SEQUENCE in the same batch would only be overwritten); cancels follow the upserts.
 */
export async function writeEvents(
  sf: Requester,
  base: string,
  sharedActivities: boolean,
  upserts: EventWrite[],
  cancels: EventCancel[],
): Promise<EventWriteResults> {
  const last = new Map<string, EventWrite>();
  for (const u of upserts) last.set(u.captureId, u);
  const sent = [...last.values()];
  const first = await upsertAndReadRelations(sf, base, sent, sharedActivities);
  const byCaptureId = new Map(sent.map((u, j) => [u.captureId, first.results[j] ?? NO_RESULT]));
  const results = upserts.map((u) => byCaptureId.get(u.captureId) ?? NO_RESULT);
  const relationWrites = planRelations(sent, first, sharedActivities);
  const cancelIds = cancels.map((c) => {
    const written = byCaptureId.get(c.captureId);
    return c.eventId ?? (written?.ok ? written.id : null);
  });
  const second = await relationsAndCancels(sf, base, relationWrites, cancels, cancelIds);
  const relationFailures = upserts.map((u) => second.relationFailures.get(u.captureId) ?? null);
  return { upserts: results, relationFailures, cancels: second.cancels };
}

const NO_RESULT: WriteResult = { ok: false, code: 'NO_RESULT', message: 'no answer', retryable: true };

interface FirstAnswer {
  results: WriteResult[];
  /** Existing EventRelations of the upserted Events (by EventId), WhoId and IsWhat rows left out. */
  existing: Map<
    string,
    { id: string; relationId: string; isParent: boolean; isInvitee: boolean; status: string }[]
  >;
}

/** Composite 1: the Events upserted on Capture_Id__c (200 a Collection), then their relations read back. */
async function upsertAndReadRelations(
  sf: Requester,
  base: string,
  upserts: EventWrite[],
  sharedActivities: boolean,
): Promise<FirstAnswer> {
  if (upserts.length === 0) return { results: [], existing: new Map() };
  const writes = captureIdUpserts(
    base,
    'Event',
    'events',
    upserts.map((u) => dropNullDate(u.fields)),
  );
  const reads: Subrequest[] = packedQueries(
    // IsParent, IsWhat and IsInvitee exist only with Shared Activities ("IsInvitee is visible when
    // Shared Activities is enabled"): without, every row is an invitee and they are not named.
    `SELECT Id, EventId, RelationId, ${sharedActivities ? 'IsParent, IsInvitee, IsWhat, ' : ''}Status, Event.WhoId FROM EventRelation`,
    'EventId',
    [...new Set(upserts.flatMap((u) => (u.eventId ? [u.eventId] : [])))],
  ).map((soql, i) => ({
    method: 'GET',
    url: `${base}/query?q=${encodeURIComponent(soql)}`,
    referenceId: `r${i}`,
  }));
  const answers = await sendComposites(sf, [...writes, ...reads], isQueryOrCollection, 'write events');
  const results = writes.flatMap((w) => {
    const sub = answers.get(w.referenceId);
    const count = (w.body as { records: unknown[] }).records.length;
    return sub ? collectionResults(sub, count) : [];
  });
  const existing: FirstAnswer['existing'] = new Map();
  for (const s of reads) {
    const body = okBody(answers.get(s.referenceId) ?? missing(s), 'read event relations');
    for (const r of (body as { records: Record<string, unknown>[] }).records) {
      const whoId = (r.Event as { WhoId?: string } | null)?.WhoId ?? null;
      if (r.IsWhat === true || (whoId && r.RelationId === whoId)) continue;
      const list = existing.get(String(r.EventId)) ?? [];
      list.push({
        id: String(r.Id),
        relationId: String(r.RelationId),
        isParent: r.IsParent === true,
        isInvitee: sharedActivities ? r.IsInvitee === true : true,
        status: String(r.Status ?? ''),
      });
      existing.set(String(r.EventId), list);
    }
  }
  return { results, existing };
}

const missing = (s: Subrequest): Subresponse => ({
  body: [{ errorCode: 'COMPOSITE_INCOMPLETE', message: `no answer for ${s.referenceId}` }],
  httpStatusCode: 500,
  referenceId: s.referenceId,
});

/** A timed Event has no ActivityDate of its own to send: Salesforce derives it from the start. */
function dropNullDate(fields: EventWrite['fields']): EventWrite['fields'] {
  const { ActivityDate, ...rest } = fields;
  return ActivityDate === null || ActivityDate === undefined ? rest : { ...rest, ActivityDate };
}

interface RelationWrites {
  inserts: { captureId: string; record: Record<string, unknown> }[];
  updates: { captureId: string; record: Record<string, unknown> }[];
  deletes: { captureId: string; id: string }[];
}

/** What each Event's relations lack, what changed (status, flags), and invitees no longer invited. */
function planRelations(upserts: EventWrite[], first: FirstAnswer, sharedActivities: boolean): RelationWrites {
  const out: RelationWrites = { inserts: [], updates: [], deletes: [] };
  for (const [i, u] of upserts.entries()) {
    const r = first.results[i];
    if (!r?.ok) continue;
    const have = new Map((first.existing.get(r.id) ?? []).map((e) => [e.relationId.slice(0, 15), e]));
    const wanted = new Set<string>();
    for (const rel of u.relations) {
      // Without Shared Activities an EventRelation is an invitee and nothing else.
      const isParent = sharedActivities && rel.IsParent;
      if (!isParent && !rel.IsInvitee) continue;
      const key = rel.RelationId.slice(0, 15);
      wanted.add(key);
      const fields = {
        ...(sharedActivities ? { IsParent: isParent, IsInvitee: rel.IsInvitee } : {}),
        ...(rel.Status ? { Status: rel.Status } : {}),
      };
      const known = have.get(key);
      if (!known)
        out.inserts.push({
          captureId: u.captureId,
          record: {
            attributes: { type: 'EventRelation' },
            EventId: r.id,
            RelationId: rel.RelationId,
            ...fields,
          },
        });
      else if (
        known.isParent !== isParent ||
        known.isInvitee !== rel.IsInvitee ||
        (rel.Status && known.status !== rel.Status)
      )
        out.updates.push({
          captureId: u.captureId,
          record: { attributes: { type: 'EventRelation' }, Id: known.id, ...fields },
        });
    }
    for (const [key, e] of have) if (!wanted.has(key)) out.deletes.push({ captureId: u.captureId, id: e.id });
  }
  return out;
}

type RelationFailure = { code: string; message: string; retryable: boolean };
type Owner = { captureId?: string; index?: number };

/** The cancels' writes: a stamp of the cancel's SEQUENCE on each Event, then a delete (onCancel delete). */
function cancelWrites(cancels: EventCancel[], cancelIds: (string | null)[]) {
  // The Event keeps the cancel's SEQUENCE before it goes to the recycle bin: the tombstone is that new.
  const stamps = cancels.flatMap((c, i) => {
    const id = cancelIds[i];
    if (!id) return [];
    const record = {
      attributes: { type: 'Event' },
      Id: id,
      Capture_Sequence__c: c.sequence,
      ...(c.action === 'mark' ? c.update : {}),
    };
    return [{ owner: { index: i } as Owner, record }];
  });
  const deletes = cancels.flatMap((c, i) => {
    const id = cancelIds[i];
    return c.action === 'delete' && id ? [{ owner: { index: i } as Owner, id }] : [];
  });
  return { stamps, deletes };
}

/**
 * Composite 2 (more when over the limits): relations inserted, updated and removed; cancelled
 * Events marked, or stamped and deleted. Each record's answer goes to its own invite.
 */
async function relationsAndCancels(
  sf: Requester,
  base: string,
  rel: RelationWrites,
  cancels: EventCancel[],
  cancelIds: (string | null)[],
): Promise<{ relationFailures: Map<string, RelationFailure>; cancels: WriteResult[] }> {
  const failures = new Map<string, RelationFailure>();
  const cancelResults: WriteResult[] = cancels.map((c, i) => {
    const id = cancelIds[i];
    return id
      ? { ok: true, id, created: false }
      : { ok: false, code: 'EVENT_NOT_WRITTEN', message: `no Event for ${c.captureId}`, retryable: true };
  });
  const { stamps, deletes } = cancelWrites(cancels, cancelIds);
  const owned = (list: { captureId: string; record: Record<string, unknown> }[]) =>
    list.map((x) => ({ owner: { captureId: x.captureId } as Owner, record: x.record }));
  const parts = [
    ...collectionWrites(base, 'POST', 'ins', owned(rel.inserts)),
    ...collectionWrites(base, 'PATCH', 'upd', owned(rel.updates)),
    ...collectionWrites(base, 'PATCH', 'stamp', stamps),
    ...collectionDeletes(base, 'del', [
      ...rel.deletes.map((d) => ({ owner: { captureId: d.captureId } as Owner, id: d.id })),
      ...deletes,
    ]),
  ];
  if (parts.length === 0) return { relationFailures: failures, cancels: cancelResults };
  const answers = await sendComposites(
    sf,
    parts.map((p) => p.sub),
    isQueryOrCollection,
    'event relations',
  );
  for (const part of parts) {
    const sub = answers.get(part.sub.referenceId) ?? missing(part.sub);
    const results = collectionResults(sub, part.owners.length);
    for (const [k, owner] of part.owners.entries()) {
      const r = results[k];
      if (!r || r.ok) continue;
      if (owner.index !== undefined) cancelResults[owner.index] = r;
      else if (owner.captureId && r.code !== 'DUPLICATE_VALUE' && !failures.has(owner.captureId))
        failures.set(owner.captureId, { code: r.code, message: r.message, retryable: r.retryable });
    }
  }
  return { relationFailures: failures, cancels: cancelResults };
}
