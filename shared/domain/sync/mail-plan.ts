/**
 * Each mail of an org batch as a plan: what to write for it, or its result when nothing is to be
 * written. The sync stage's steps (shared/usecases/salesforce-writes.ts) take the plans, write,
 * and hand back new plans, until every mail is `settled`. Pure.
 */
import type { Org } from '../../config/registry.ts';
import type { CapturedEmail } from '../captured-email.ts';
import { captureIdOf } from './capture-id.ts';
import type { CrmCapabilities, LookupResult } from './crm-records.ts';
import { decideEvents, type EventDecision } from './event-mapping.ts';
import { failed, type MailResult } from './mail-result.ts';
import { decide, type TaskCreate, type TaskDecision, type TaskPieces } from './task-mapping.ts';

/** A Task that exists now: its relations and files to add, then its result. */
export interface AttachPlan extends TaskPieces {
  kind: 'attach';
  captureId: string;
  taskId: string;
  /** The Task was there before this try: add only what it lacks, and say so if anything was. */
  existing: boolean;
  /** The mail's result once its pieces are in. */
  result: MailResult;
}

/** A meeting invite's Event to write. */
export interface EventPlan {
  kind: 'event';
  captureId: string;
  decision: Extract<EventDecision, { kind: 'upsert' | 'cancel' }>;
}

export type MailPlan =
  | { kind: 'settled'; result: MailResult }
  /** The same message earlier in the batch: it gets that one's Task, or its failure. */
  | { kind: 'copy'; captureId: string; of: number }
  | TaskCreate
  | AttachPlan
  | EventPlan;

export interface PlanOptions {
  caps: Pick<CrmCapabilities, 'orderNumbersField' | 'sharedActivities' | 'taskStatus'>;
  /** Per mail: logged as its meeting's Event (a REQUEST or CANCEL, in a CRM that takes Events). */
  invites: readonly boolean[];
  onCancel: 'delete' | 'mark';
  today: () => string;
}

/** One plan per email, same order. */
export function planMails(
  org: Org,
  emails: readonly CapturedEmail[],
  found: LookupResult,
  options: PlanOptions,
): MailPlan[] {
  const inviteMails = emails.filter((_, i) => options.invites[i]);
  const decisions = decideEvents(org, inviteMails, found, options);
  const events: (EventDecision | null)[] = [];
  let next = 0;
  for (const isInvite of options.invites.slice(0, emails.length))
    events.push(isInvite ? (decisions[next++] ?? null) : null);
  // An invite whose sender may not change its Event is mail like any other: a Task says so.
  const notes = events.map((d) => (d?.kind === 'refused' ? [`meeting invite not applied: ${d.reason}`] : []));
  const tasks = decide(org, [...emails], found, { ...options.caps, today: options.today }, notes);
  return emails.map((email, i) => {
    const event = events[i];
    const task = tasks[i];
    if (event && event.kind !== 'refused' && event.kind !== 'no-invite')
      return eventPlan(captureIdOf(org.id, email), event);
    return task
      ? taskPlan(task)
      : settled(failed(captureIdOf(org.id, email), 'NO_DECISION', 'no decision', true));
  });
}

const settled = (result: MailResult): MailPlan => ({ kind: 'settled', result });

function taskPlan(d: TaskDecision): MailPlan {
  switch (d.kind) {
    case 'excluded':
    case 'unmatched':
      return settled({ captureId: d.captureId, outcome: d.kind, reason: d.reason });
    case 'owner-missing':
      return settled(failed(d.captureId, 'NO_ACTIVE_OWNER', d.reason, false));
    case 'copy':
    case 'create':
      return d;
    case 'existing': {
      const result: MailResult = {
        captureId: d.captureId,
        outcome: 'duplicate',
        taskId: d.taskId,
        reason: 'already-in-salesforce',
      };
      // Another stored message with this Message-ID wrote the Task: this one touches nothing.
      if (!d.sameMessage) return settled({ ...result, reason: 'another-copy-already-logged' });
      const { captureId, taskId, relations, files } = d;
      return { kind: 'attach', captureId, taskId, relations, files, existing: true, result };
    }
  }
}

function eventPlan(
  captureId: string,
  d: Exclude<EventDecision, { kind: 'refused' | 'no-invite' }>,
): MailPlan {
  switch (d.kind) {
    case 'upsert':
    case 'cancel':
      return { kind: 'event', captureId, decision: d };
    case 'ignored':
    case 'excluded':
      return settled({ captureId, outcome: 'excluded', reason: d.reason });
    case 'unmatched':
      return settled({ captureId, outcome: 'unmatched', reason: d.reason });
    case 'owner-missing':
      return settled(failed(captureId, 'NO_ACTIVE_OWNER', d.reason, false));
    case 'stale':
    case 'duplicate':
      return settled({
        captureId,
        outcome: 'duplicate',
        ...(d.eventId ? { taskId: d.eventId } : {}),
        reason: d.kind === 'stale' ? `stale-invite: ${d.reason}` : d.reason,
      });
  }
}

/** A copy's result from its first: the same Task, or the same failure (so both are tried again). */
export function copyResult(captureId: string, first: MailResult): MailResult {
  if (first.outcome === 'failed') return { ...first, captureId };
  const taskId = first.outcome === 'created' || first.outcome === 'duplicate' ? first.taskId : undefined;
  return { captureId, outcome: 'duplicate', ...(taskId ? { taskId } : {}), reason: 'same-message-in-batch' };
}
