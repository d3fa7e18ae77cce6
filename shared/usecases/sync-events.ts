/**
 * Meeting invites in the sync stage: a message whose calendar part is a REQUEST or a CANCEL is
 * logged as the meeting's Event, not as a Task (as calendar-aware CRMs log invites: the meeting is
 * the activity; a Task for the invitation mail would log the same meeting twice, and a Task could
 * not follow a reschedule or a cancellation). Other calendar messages (REPLY, PUBLISH…, a changed
 * single occurrence of a series), and invites whose sender may not change the meeting's Event
 * (shared/domain/sync/invite-authority.ts), are mail like any other and keep their Task.
 *
 * The outcome of an invite names the Event in `taskId` (the activity) and says what happened in
 * `reason`: event-created, event-updated, event-deleted, event-marked-cancelled.
 */
import type { Org } from '../config/registry.ts';
import type { CapturedEmail } from '../domain/captured-email.ts';
import type { EventCancel, EventWrite, EventWriteResults, LookupPlan } from '../domain/sync/crm-records.ts';
import { planEventLookups } from '../domain/sync/event-mapping.ts';
import type { EventPlan, MailPlan } from '../domain/sync/mail-plan.ts';
import { failed, failedBy, type MailResult } from '../domain/sync/mail-result.ts';
import { describeError } from '../errors.ts';
import type { SyncContext } from './sync-context.ts';

/** Per mail: logged as its meeting's Event (a REQUEST or CANCEL, in a CRM that can write Events). */
export async function inviteFlags(ctx: SyncContext, emails: readonly CapturedEmail[]): Promise<boolean[]> {
  // A changed single occurrence of a series is not written as an Event: its mail keeps its Task.
  const flags = emails.map(
    (e) => !!e.invite && e.invite.action !== 'ignore' && !e.invite.recurrenceId && !e.excluded,
  );
  if (!flags.includes(true) || !ctx.crm.writeEvents) return flags.map(() => false);
  const caps = await ctx.retry('capabilities', () => ctx.crm.capabilities());
  return caps.eventFields ? flags : flags.map(() => false);
}

/** The Task plan with the invites' people and Events added: one lookup for both. */
export function withEventLookups(
  org: Org,
  emails: readonly CapturedEmail[],
  invites: readonly boolean[],
  plan: LookupPlan,
): LookupPlan {
  const inviteMails = emails.filter((_, i) => invites[i]);
  if (inviteMails.length === 0) return plan;
  const events = planEventLookups(org, inviteMails);
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

/** The Events of the batch in one write (two composites); each invite settled by its Event's answer. */
export async function writeEvents(ctx: SyncContext, plans: MailPlan[]): Promise<MailPlan[]> {
  const events = plans.flatMap((p, i) => (p.kind === 'event' ? [{ i, plan: p }] : []));
  const write = ctx.crm.writeEvents?.bind(ctx.crm);
  if (events.length === 0 || !write) return plans;
  const upserts = events.filter((e) => e.plan.decision.kind === 'upsert');
  const cancels = events.filter((e) => e.plan.decision.kind === 'cancel');
  let out: EventWriteResults;
  try {
    out = await ctx.retry('write events', () =>
      write(
        upserts.map((u) => eventWrite(u.plan)),
        cancels.map((c) => eventCancel(c.plan)),
      ),
    );
  } catch (error) {
    ctx.logger?.warn('meeting invites not written', { orgId: ctx.org.id, reason: describeError(error) });
    const failures = new Map(events.map((e) => [e.i, failedBy(e.plan.captureId, error)]));
    return plans.map((p, i) => {
      const f = failures.get(i);
      return f ? { kind: 'settled', result: f } : p;
    });
  }
  const results = new Map<number, MailResult>();
  upsertResults(ctx, upserts, out, results);
  for (const [n, { i, plan }] of cancels.entries()) results.set(i, cancelResult(plan, out.cancels[n]));
  return plans.map((p, i) => {
    const r = results.get(i);
    return r ? { kind: 'settled', result: r } : p;
  });
}

function eventWrite(plan: EventPlan): EventWrite {
  const d = plan.decision;
  if (d.kind !== 'upsert') throw new Error('not an upsert');
  // An Event that exists keeps its owner, unless this invite is the first that may set it.
  const { OwnerId, ...rest } = d.event;
  return {
    captureId: d.eventCaptureId,
    eventId: d.eventId,
    fields: d.setOwner ? { ...rest, OwnerId } : rest,
    relations: d.relations,
  };
}

function eventCancel(plan: EventPlan): EventCancel {
  const d = plan.decision;
  if (d.kind !== 'cancel') throw new Error('not a cancel');
  return {
    captureId: d.eventCaptureId,
    eventId: d.eventId,
    action: d.action,
    sequence: d.sequence,
    update: d.update ? { Subject: d.update.Subject, ShowAs: d.update.ShowAs } : null,
  };
}

function upsertResults(
  ctx: SyncContext,
  upserts: { i: number; plan: EventPlan }[],
  out: EventWriteResults,
  results: Map<number, MailResult>,
): void {
  const written = new Set<string>();
  for (const [n, { i, plan }] of upserts.entries()) {
    const d = plan.decision;
    if (d.kind !== 'upsert') continue;
    const { captureId } = plan;
    // A later SEQUENCE of a meeting created earlier in the same batch updated it.
    const earlier = written.has(d.eventCaptureId);
    written.add(d.eventCaptureId);
    const r = out.upserts[n];
    if (!r) results.set(i, failed(captureId, 'NO_RESULT', 'no answer for this Event', true));
    else if (!r.ok) results.set(i, failed(captureId, r.code, r.message, r.retryable));
    else
      results.set(
        i,
        relationsOutcome(ctx, plan, r.id, out.relationFailures[n] ?? null, { earlier, created: r.created }),
      );
  }
}

/** An Event written: its relations' failures decide between retry, a note, and done. */
function relationsOutcome(
  ctx: SyncContext,
  plan: EventPlan,
  eventId: string,
  failure: { code: string; message: string; retryable: boolean } | null,
  how: { earlier: boolean; created: boolean },
): MailResult {
  const d = plan.decision;
  const { captureId } = plan;
  if (failure?.retryable)
    return failed(captureId, failure.code, `event relations: ${failure.message}`, true, eventId);
  const notes = failure ? [`event relations refused by Salesforce: ${failure.code}`] : [];
  if (failure) ctx.logger?.warn('an event relation was refused', { orgId: ctx.org.id, reason: failure.code });
  const withNotes = notes.length > 0 ? { notes } : {};
  if (d.kind === 'upsert' && d.again)
    return { captureId, outcome: 'duplicate', reason: 'same-sequence', taskId: eventId, ...withNotes };
  const updated = (d.kind === 'upsert' && d.eventId !== null) || how.earlier || !how.created;
  return {
    captureId,
    outcome: 'created',
    reason: updated ? 'event-updated' : 'event-created',
    taskId: eventId,
    ...withNotes,
  };
}

function cancelResult(plan: EventPlan, r: EventWriteResults['cancels'][number] | undefined): MailResult {
  const d = plan.decision;
  if (!r) return failed(plan.captureId, 'NO_RESULT', 'no answer for this cancel', true);
  if (!r.ok) return failed(plan.captureId, r.code, r.message, r.retryable);
  const reason = d.kind === 'cancel' && d.action === 'delete' ? 'event-deleted' : 'event-marked-cancelled';
  return { captureId: plan.captureId, outcome: 'created', reason, taskId: r.id };
}
