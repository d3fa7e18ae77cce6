/**
 * Meeting invites in the sync stage: a message whose calendar part is a REQUEST or a CANCEL is
 * logged as the meeting's Event, not as a Task (as calendar-aware CRMs log invites: the meeting is
 * the activity; a Task for the invitation mail would log the same meeting twice, and a Task could
 * not follow a reschedule or a cancellation). Its .ics part is never uploaded as a File. Other
 * calendar messages (REPLY, PUBLISH…, a changed single occurrence of a series) are mail like any
 * other and keep their Task.
 *
 * The outcome of an invite names the Event in `taskId` (the activity) and says what happened in
 * `reason`: event-created, event-updated, event-deleted, event-marked-cancelled.
 */
import type { Org } from '../config/registry.ts';
import type { Attachment, CapturedEmail } from '../domain/captured-email.ts';
import {
  decideEvents,
  type EventDecision,
  type EventMappingOptions,
  planEventLookups,
} from '../domain/sync/event-mapping.ts';
import type { SyncDecision } from '../domain/sync/task-mapping.ts';
import { describeError, isRetryable } from '../errors.ts';
import type { LogSink } from '../observability.ts';
import type {
  CrmPort,
  EventCancel,
  EventWrite,
  EventWriteResults,
  FoundEvent,
  LookupPlan,
  LookupResult,
} from '../ports/crm.ts';
import type { EmailSyncResult as SyncResult } from './salesforce-writes.ts';

type Retry = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

const CALENDAR_TYPES = /^(text\/calendar|application\/ics|text\/x-vcalendar|application\/x-ics)\b/i;

/** A calendar part: never uploaded as a File (the Event carries what it says). */
export function isCalendarFile(a: Attachment): boolean {
  return CALENDAR_TYPES.test(a.contentType) || /\.(ics|vcs)$/i.test(a.filename ?? '');
}

/** Calendar parts left out of the Files of every Task decision. */
export function withoutCalendarFiles(decisions: SyncDecision[]): void {
  for (const d of decisions)
    if (d.kind === 'create' || d.kind === 'duplicate') d.files = d.files.filter((f) => !isCalendarFile(f));
}

/** The messages logged as Events: a REQUEST or CANCEL, in a CRM that can write Events. */
export async function inviteIndexes(emails: CapturedEmail[], crm: CrmPort, retry: Retry): Promise<number[]> {
  // A changed single occurrence of a series is not written as an Event: its mail keeps its Task.
  const indexes = emails.flatMap((e, i) =>
    e.invite && e.invite.action !== 'ignore' && !e.invite.recurrenceId && !e.excluded ? [i] : [],
  );
  if (indexes.length === 0 || !crm.writeEvents) return [];
  const caps = await retry('capabilities', () => crm.capabilities());
  return caps.eventFields ? indexes : [];
}

/** The Task plan with the invites' people and Events added: one lookup for both. */
export function withEventLookups(
  org: Org,
  emails: CapturedEmail[],
  indexes: number[],
  plan: LookupPlan,
): LookupPlan {
  if (indexes.length === 0) return plan;
  const events = planEventLookups(
    org,
    indexes.map((i) => emails[i]!),
  );
  const union = (a: string[], b: string[]) => [...new Set([...a, ...b])];
  return {
    ...plan,
    userEmails: union(plan.userEmails, events.userEmails),
    personEmails: union(plan.personEmails, events.personEmails),
    orderNumbers: union(plan.orderNumbers, events.orderNumbers),
    recordIds: union(plan.recordIds, events.recordIds),
    captureIds: union(plan.captureIds, events.captureIds),
    eventCaptureIds: events.eventCaptureIds,
  };
}

/** Task decisions for invites stand aside: syncEvents gives those messages their results. */
export function setInvitesAside(decisions: SyncDecision[], indexes: number[]): void {
  for (const i of indexes)
    decisions[i] = { kind: 'excluded', captureId: decisions[i]!.captureId, reason: 'meeting-invite' };
}

export interface EventSyncInput {
  org: Org;
  emails: CapturedEmail[];
  crm: CrmPort;
  found: LookupResult;
  indexes: number[];
  results: SyncResult[];
  retry: Retry;
  today: () => string;
  logger?: LogSink | undefined;
}

export async function syncEvents(input: EventSyncInput): Promise<void> {
  const { org, emails, indexes, results } = input;
  if (indexes.length === 0) return;
  const batch = indexes.map((i) => emails[i]!);
  const options = { onCancel: org.calendar.onCancel, today: input.today };
  const found = { ...input.found, events: input.found.events ?? [] };
  const decisions = decideEvents(org, batch, found, options);
  const redo = redoDuplicates(org, batch, found, decisions, options);
  try {
    const failed = await createLeads(input, decisions);
    await writeAll(input, decisions, { redo, failed });
  } catch (error) {
    input.logger?.warn('meeting invites not written', { orgId: org.id, reason: describeError(error) });
    for (const i of indexes)
      if (results[i]?.reason === 'meeting-invite')
        results[i] = {
          captureId: results[i]!.captureId,
          outcome: 'failed',
          reason: describeError(error),
          retryable: isRetryable(error),
        };
  }
}

/**
 * A second copy of an invite already written (a redelivery, another rep's copy) is written again
 * with the same values, so relations an earlier try could not add are added now. The decisions
 * so turned into upserts, by position.
 */
function redoDuplicates(
  org: Org,
  batch: CapturedEmail[],
  found: LookupResult & { events: FoundEvent[] },
  decisions: EventDecision[],
  options: EventMappingOptions,
): Set<number> {
  const redo = new Set<number>();
  const seen = new Set<string>();
  for (const [k, d] of decisions.entries()) {
    if (d.kind !== 'duplicate' || !d.eventId || d.reason !== 'same-sequence' || seen.has(d.eventCaptureId))
      continue;
    seen.add(d.eventCaptureId);
    const others = found.events.filter((e) => e.captureId !== d.eventCaptureId);
    const [again] = decideEvents(org, [batch[k]!], { ...found, events: others }, options);
    if (again?.kind === 'upsert') {
      decisions[k] = { ...again, eventId: d.eventId };
      redo.add(k);
    }
  }
  return redo;
}

/**
 * The org's policy may create a Lead for an unknown organizer first; the Event points at it. An
 * invite whose Lead could not be created fails alone (its position is returned).
 */
async function createLeads(input: EventSyncInput, decisions: EventDecision[]): Promise<Set<number>> {
  const failed = new Set<number>();
  const need = decisions.flatMap((d, k) => (d.kind === 'upsert' && d.lead ? [{ d, k }] : []));
  if (need.length === 0) return failed;
  const leads = await input.retry('create leads', () => input.crm.createLeads(need.map((n) => n.d.lead!)));
  for (const [n, { d, k }] of need.entries()) {
    const r = leads[n];
    if (r?.ok && d.kind === 'upsert') {
      d.event.WhoId = r.id;
      continue;
    }
    failed.add(k);
    const i = input.indexes[k]!;
    input.results[i] = {
      captureId: input.results[i]!.captureId,
      outcome: 'failed',
      reason: `lead could not be created: ${r?.ok === false ? `${r.code}: ${r.message}` : 'no result'}`,
      retryable: r?.ok === false ? r.retryable : true,
    };
  }
  return failed;
}

interface Planned {
  upserts: { k: number; write: EventWrite; update: boolean; redo: boolean }[];
  cancels: { k: number; cancel: EventCancel }[];
}

async function writeAll(
  input: EventSyncInput,
  decisions: EventDecision[],
  marks: { redo: Set<number>; failed: Set<number> },
): Promise<void> {
  const planned = planWrites(input, decisions, marks);
  if (planned.upserts.length === 0 && planned.cancels.length === 0) return;
  const out = await input.retry('write events', () =>
    input.crm.writeEvents!(
      planned.upserts.map((u) => u.write),
      planned.cancels.map((c) => c.cancel),
    ),
  );
  applyUpserts(input, planned.upserts, out);
  applyCancels(input, planned.cancels, out);
}

/** Results for the decisions that write nothing; the Event writes for the others. */
function planWrites(
  input: EventSyncInput,
  decisions: EventDecision[],
  marks: { redo: Set<number>; failed: Set<number> },
): Planned {
  const { indexes, results } = input;
  const planned: Planned = { upserts: [], cancels: [] };
  for (const [k, d] of decisions.entries()) {
    if (marks.failed.has(k)) continue;
    const i = indexes[k]!;
    const captureId = results[i]!.captureId;
    const set = (outcome: SyncResult['outcome'], reason: string, eventId?: string | null) => {
      results[i] = { captureId, outcome, reason, ...(eventId ? { taskId: eventId } : {}) };
    };
    switch (d.kind) {
      case 'no-invite':
        break;
      case 'ignored':
      case 'excluded':
        set('excluded', d.reason);
        break;
      case 'unmatched':
        set('unmatched', d.reason);
        break;
      case 'owner-missing':
        results[i] = { captureId, outcome: 'failed', reason: d.reason, retryable: false };
        break;
      case 'stale':
      case 'duplicate':
        set('duplicate', d.kind === 'stale' ? `stale-invite: ${d.reason}` : d.reason, d.eventId);
        break;
      case 'upsert':
        planned.upserts.push({
          k,
          write: {
            captureId: d.eventCaptureId,
            eventId: d.eventId,
            fields: { ...d.event },
            relations: d.relations,
          },
          update: d.eventId !== null,
          redo: marks.redo.has(k),
        });
        break;
      case 'cancel':
        planned.cancels.push({
          k,
          cancel: {
            captureId: d.eventCaptureId,
            eventId: d.eventId,
            action: d.action,
            sequence: input.emails[i]!.invite?.sequence ?? 0,
            update: d.update ? { Subject: d.update.Subject, ShowAs: d.update.ShowAs } : null,
          },
        });
    }
  }
  return planned;
}

function applyUpserts(input: EventSyncInput, upserts: Planned['upserts'], out: EventWriteResults): void {
  const { indexes, results } = input;
  const written = new Set<string>();
  for (const [n, u] of upserts.entries()) {
    const i = indexes[u.k]!;
    // A later SEQUENCE of a meeting created earlier in the same batch updated it.
    const earlier = written.has(u.write.captureId);
    written.add(u.write.captureId);
    const r = out.upserts[n]!;
    const captureId = results[i]!.captureId;
    const failure = out.relationFailures[n];
    if (!r.ok) {
      results[i] = {
        captureId,
        outcome: 'failed',
        reason: `${r.code}: ${r.message}`,
        retryable: r.retryable,
      };
      continue;
    }
    if (failure?.retryable) {
      results[i] = {
        captureId,
        outcome: 'failed',
        reason: `event relations: ${failure.code}`,
        retryable: true,
        taskId: r.id,
      };
      continue;
    }
    if (failure)
      input.logger?.warn('an event relation was refused', { orgId: input.org.id, reason: failure.code });
    results[i] = u.redo
      ? { captureId, outcome: 'duplicate', reason: 'same-sequence', taskId: r.id }
      : {
          captureId,
          outcome: 'created',
          reason: u.update || earlier || !r.created ? 'event-updated' : 'event-created',
          taskId: r.id,
        };
  }
}

function applyCancels(input: EventSyncInput, cancels: Planned['cancels'], out: EventWriteResults): void {
  for (const [n, c] of cancels.entries()) {
    const i = input.indexes[c.k]!;
    const r = out.cancels[n]!;
    const captureId = input.results[i]!.captureId;
    input.results[i] = r.ok
      ? {
          captureId,
          outcome: 'created',
          reason: c.cancel.action === 'delete' ? 'event-deleted' : 'event-marked-cancelled',
          taskId: r.id,
        }
      : { captureId, outcome: 'failed', reason: `${r.code}: ${r.message}`, retryable: r.retryable };
  }
}
