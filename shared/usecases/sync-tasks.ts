/**
 * The Task steps of an org batch: ledger claims (orgs without Capture_Id__c), Leads for unknown
 * senders, then the Tasks themselves (or, with Enhanced Email, the messages whose Tasks Salesforce
 * creates). Each takes plans and hands back new ones; each record's answer settles its own mail.
 */
import type { CapturedEmail } from '../domain/captured-email.ts';
import type {
  CrmCapabilities,
  LeadDraft,
  LookupResult,
  TaskDraft,
  WriteResult,
} from '../domain/sync/crm-records.ts';
import type { MailPlan } from '../domain/sync/mail-plan.ts';
import { failed, failedBy, type MailResult } from '../domain/sync/mail-result.ts';
import type { TaskCreate } from '../domain/sync/task-mapping.ts';
import { isSameStoredMessage } from '../domain/sync/write-rights.ts';
import { describeError } from '../errors.ts';
import type { DedupeLedger, LedgerEntry } from '../ports/dedupe-ledger.ts';
import { sleep } from './retry.ts';
import type { SyncContext } from './sync-context.ts';
import { usesEnhancedEmail, writeEmailTasks } from './sync-email-messages.ts';

const settled = (result: MailResult): MailPlan => ({ kind: 'settled', result });

/**
 * Without Capture_Id__c the ledger decides who writes a message: a new Task's mail claims its
 * capture id first. A claimed id is completed or released by writeTasks.
 */
export async function claimInLedger(
  ctx: SyncContext,
  emails: readonly CapturedEmail[],
  plans: MailPlan[],
): Promise<MailPlan[]> {
  const { ledger } = ctx;
  if (!ledger) return plans;
  return Promise.all(
    plans.map(async (plan, i) => {
      const email = emails[i];
      if (plan.kind !== 'create' || !email) return plan;
      try {
        return await claimOne(ctx.org.id, ledger, email, plan);
      } catch (error) {
        return settled(failedBy(plan.captureId, error));
      }
    }),
  );
}

async function claimOne(
  orgId: string,
  ledger: DedupeLedger,
  email: CapturedEmail,
  plan: TaskCreate,
): Promise<MailPlan> {
  const { captureId } = plan;
  const known = await ledger.get(orgId, captureId);
  if (known?.state === 'done') return fromLedger(email, plan, known);
  // A pending claim is still worth a try: the ledger hands over claims left by a crash once stale.
  if (await ledger.claim(orgId, captureId)) return plan;
  const now = await ledger.get(orgId, captureId);
  if (now?.state === 'done') return fromLedger(email, plan, now);
  // Claimed but not completed: another delivery is writing it right now. Calling it a duplicate
  // could lose the message; a redelivery finds the Task id or the claim gone.
  return settled(
    failed(captureId, 'LEDGER_CLAIMED', 'another delivery of this message is being written', true),
  );
}

/** A Task the ledger knows: completed by a redelivery of its own message, untouched by any other. */
function fromLedger(
  email: CapturedEmail,
  plan: TaskCreate,
  entry: Extract<LedgerEntry, { state: 'done' }>,
): MailPlan {
  const { captureId, relations, files } = plan;
  const result: MailResult = {
    captureId,
    outcome: 'duplicate',
    taskId: entry.taskId,
    reason: 'already-in-ledger',
  };
  if (!isSameStoredMessage(email, entry.source))
    return settled({ ...result, reason: 'another-copy-already-logged' });
  return { kind: 'attach', captureId, taskId: entry.taskId, relations, files, existing: true, result };
}

/** The Lead a plan needs first (unmatched policy create-lead), for a Task or an Event. */
function leadOf(plan: MailPlan): LeadDraft | null {
  if (plan.kind === 'create') return plan.lead;
  if (plan.kind === 'event' && plan.decision.kind === 'upsert') return plan.decision.lead;
  return null;
}

function withWho(plan: MailPlan, whoId: string): MailPlan {
  if (plan.kind === 'create') return { ...plan, lead: null, task: { ...plan.task, WhoId: whoId } };
  if (plan.kind === 'event' && plan.decision.kind === 'upsert') {
    const d = plan.decision;
    return { ...plan, decision: { ...d, lead: null, event: { ...d.event, WhoId: whoId } } };
  }
  return plan;
}

/** Leads first, in one call for Tasks and Events, so their activities can point at them. */
export async function createLeads(ctx: SyncContext, plans: MailPlan[]): Promise<MailPlan[]> {
  const need = plans.flatMap((plan, i) => {
    const lead = leadOf(plan);
    return lead && plan.kind !== 'settled' && plan.kind !== 'copy'
      ? [{ i, lead, captureId: plan.captureId }]
      : [];
  });
  if (need.length === 0) return plans;
  let answers: WriteResult[];
  try {
    answers = await ctx.retry('create leads', () => ctx.crm.createLeads(need.map((n) => n.lead)));
  } catch (error) {
    const failedAt = new Map(need.map((n) => [n.i, failedBy(n.captureId, error)]));
    return plans.map((p, i) => {
      const f = failedAt.get(i);
      return f ? settled(f) : p;
    });
  }
  const byIndex = new Map(need.map((n, k) => [n.i, { n, r: answers[k] }]));
  return plans.map((plan, i) => {
    const hit = byIndex.get(i);
    if (!hit) return plan;
    const { n, r } = hit;
    if (r?.ok) return withWho(plan, r.id);
    const why = r ? `lead could not be created: ${r.message}` : 'lead could not be created: no result';
    return settled(failed(n.captureId, r?.code ?? 'NO_RESULT', why, r?.retryable ?? true));
  });
}

/**
 * Upsert failures that mean "this Task exists already": TaskSubtype can be set on create only, so
 * Salesforce refuses the update half of an upsert that finds a Task (written by a concurrent
 * delivery, or by an earlier attempt whose response was lost); unique-field clashes likewise.
 */
const EXISTS_CODES = new Set(['INVALID_FIELD_FOR_INSERT_UPDATE', 'DUPLICATE_VALUE', 'DUPLICATE_EXTERNAL_ID']);

/** One Task write's answer: written (now or before), or refused. */
type TaskWrite =
  | {
      kind: 'written';
      taskId: string;
      created: boolean;
      source: string | null | undefined;
      /** Parts Salesforce refused for good (Enhanced Email relations). */
      refused?: string[];
    }
  | { kind: 'exists' }
  | { kind: 'refused'; code: string; message: string; retryable: boolean };

export interface TaskStepInput {
  caps: CrmCapabilities;
  found: LookupResult;
  emails: readonly CapturedEmail[];
  /** Claims were taken in the ledger: complete them with the Task id, or release them. */
  useLedger: boolean;
}

/** The new Tasks, in one call (or one Enhanced Email write); each mail settled by its own record. */
export async function writeTasks(
  ctx: SyncContext,
  input: TaskStepInput,
  plans: MailPlan[],
): Promise<MailPlan[]> {
  const creates = plans.flatMap((p, i) => (p.kind === 'create' ? [{ i, plan: p }] : []));
  if (creates.length === 0) return plans;
  let written: { writes: TaskWrite[]; attempts: number };
  try {
    written = await sendTasks(ctx, input, creates);
  } catch (error) {
    const failures = new Map(creates.map((c) => [c.i, settled(failedBy(c.plan.captureId, error))]));
    await releaseClaims(
      ctx,
      input,
      creates.map((c) => c.plan.captureId),
    );
    return plans.map((p, i) => failures.get(i) ?? p);
  }
  const writes = await resolveExisting(ctx, input, creates, written.writes);
  const next = new Map<number, MailPlan>();
  for (const [k, { i, plan }] of creates.entries()) {
    const email = input.emails[i];
    const write = writes[k];
    next.set(
      i,
      taskPlanAfter(plan, write, email, { ...written, sourceField: input.caps.sourceField === true }),
    );
  }
  await recordInLedger(ctx, input, creates, next);
  return plans.map((p, i) => next.get(i) ?? p);
}

async function sendTasks(
  ctx: SyncContext,
  input: TaskStepInput,
  creates: { i: number; plan: TaskCreate }[],
): Promise<{ writes: TaskWrite[]; attempts: number }> {
  const { org, crm, logger } = ctx;
  if (usesEnhancedEmail(org, crm, input.caps, logger)) {
    const drafts = creates.flatMap(({ i, plan }) => {
      const email = input.emails[i];
      return email ? [{ task: plan.task, email }] : [];
    });
    const out = await writeEmailTasks(crm, drafts, input.found, input.caps, ctx.retry);
    return { writes: out.results.map(toTaskWrite), attempts: out.attempts };
  }
  return upsertTasks(
    ctx,
    creates.map((c) => c.plan.task),
    creates.map((c) => c.plan.fallbackOwnerId),
  );
}

function toTaskWrite(r: WriteResult | undefined): TaskWrite {
  if (!r) return { kind: 'refused', code: 'NO_RESULT', message: 'no result', retryable: true };
  if (r.ok)
    return {
      kind: 'written',
      taskId: r.id,
      created: r.created,
      source: r.source,
      ...(r.refused ? { refused: r.refused } : {}),
    };
  if (EXISTS_CODES.has(r.code)) return { kind: 'exists' };
  return { kind: 'refused', code: r.code, message: r.message, retryable: r.retryable };
}

/**
 * The Task upsert: a rep deactivated since the lookup gives the Task to the default owner, and
 * records refused for a moment (UNABLE_TO_LOCK_ROW) get one more try of their own.
 */
async function upsertTasks(
  ctx: SyncContext,
  drafts: readonly TaskDraft[],
  fallbackOwners: readonly (string | null)[],
): Promise<{ writes: TaskWrite[]; attempts: number }> {
  let attempts = 0;
  const first = await ctx.retry('write tasks', () => {
    attempts++;
    return ctx.crm.upsertTasks([...drafts]);
  });
  const again = drafts.flatMap((draft, k) => {
    const r = first[k];
    const fallback = fallbackOwners[k];
    if (r && !r.ok && r.code === 'INACTIVE_OWNER_OR_USER' && fallback)
      return [{ k, draft: { ...draft, OwnerId: fallback } }];
    return r && !r.ok && r.retryable ? [{ k, draft }] : [];
  });
  let results: (WriteResult | undefined)[] = first;
  if (again.length > 0) {
    await sleep(ctx.backoffMs * (0.5 + Math.random()));
    const second = await ctx.retry('write tasks', () => ctx.crm.upsertTasks(again.map((a) => a.draft)));
    const byK = new Map(again.map((a, j) => [a.k, second[j]]));
    results = drafts.map((_, k) => (byK.has(k) ? byK.get(k) : first[k]));
  }
  return { writes: drafts.map((_, k) => toTaskWrite(results[k])), attempts };
}

/**
 * Tasks that were there already (an upsert that met one, or refused as existing): who wrote
 * them, read by capture id in one lookup, so only the same stored message completes its own.
 */
async function resolveExisting(
  ctx: SyncContext,
  input: TaskStepInput,
  creates: { i: number; plan: TaskCreate }[],
  writes: TaskWrite[],
): Promise<TaskWrite[]> {
  const unknown = creates.flatMap(({ plan }, k) => {
    const w = writes[k];
    return w?.kind === 'exists' || (w?.kind === 'written' && !w.created && w.source === undefined)
      ? [plan.task.Capture_Id__c]
      : [];
  });
  if (unknown.length === 0 || !input.caps.captureIdField) return writes;
  const found = await ctx.retry('find existing tasks', () =>
    ctx.crm.lookup({
      userEmails: [],
      personEmails: [],
      orderNumbers: [],
      orderLookup: { object: 'Order', field: 'OrderNumber' },
      recordIds: [],
      captureIds: unknown,
    }),
  );
  const byCaptureId = new Map(found.tasks.map((t) => [t.captureId, t]));
  return creates.map(({ plan }, k): TaskWrite => {
    const w = writes[k] ?? { kind: 'exists' };
    const task = byCaptureId.get(plan.task.Capture_Id__c);
    if (w.kind === 'refused' || (w.kind === 'written' && (w.created || w.source !== undefined))) return w;
    if (!task) return w.kind === 'exists' ? existsUnfound() : w;
    return { kind: 'written', taskId: task.id, created: false, source: task.source ?? null };
  });
}

const existsUnfound = (): TaskWrite => ({
  kind: 'refused',
  code: 'DUPLICATE_VALUE',
  message: 'the Task exists but was not found by its capture id',
  retryable: true,
});

/** A new Task's plan after its write: its pieces to add, or its result. */
function taskPlanAfter(
  plan: TaskCreate,
  write: TaskWrite | undefined,
  email: CapturedEmail | undefined,
  how: { attempts: number; sourceField: boolean },
): MailPlan {
  const { captureId, relations, files } = plan;
  if (!write || write.kind === 'exists')
    return settled(failed(captureId, 'NO_RESULT', 'no answer for this Task', true));
  if (write.kind === 'refused') return settled(failed(captureId, write.code, write.message, write.retryable));
  const { taskId } = write;
  const notes = [...plan.notes, ...(write.refused ?? []).map((r) => `${r} refused by Salesforce`)];
  const created: MailResult = {
    captureId,
    outcome: 'created',
    taskId,
    matchedBy: plan.matchedBy,
    ...(notes.length > 0 ? { notes } : {}),
  };
  if (write.created)
    return { kind: 'attach', captureId, taskId, relations, files, existing: false, result: created };
  // The lookup found no Task: one there now was written by an earlier attempt of this same
  // message (a lost response), or by another message with the same Message-ID.
  const ours =
    (email !== undefined && isSameStoredMessage(email, write.source)) ||
    (how.attempts > 1 && !how.sourceField);
  if (!ours)
    return settled({ captureId, outcome: 'duplicate', taskId, reason: 'another-copy-already-logged' });
  const result: MailResult =
    how.attempts > 1 ? created : { captureId, outcome: 'duplicate', taskId, reason: 'already-in-salesforce' };
  return { kind: 'attach', captureId, taskId, relations, files, existing: true, result };
}

/** Ledger claims completed with their Task (and stored message), released where no Task came. */
async function recordInLedger(
  ctx: SyncContext,
  input: TaskStepInput,
  creates: { i: number; plan: TaskCreate }[],
  next: Map<number, MailPlan>,
): Promise<void> {
  if (!input.useLedger || !ctx.ledger) return;
  const unwritten: string[] = [];
  for (const { i, plan } of creates) {
    const after = next.get(i);
    if (after?.kind === 'attach' && !after.existing) {
      const source = input.emails[i]?.origin?.sourceDigest ?? null;
      const { ledger } = ctx;
      await ctx
        .retry('ledger', () => ledger.complete(ctx.org.id, plan.captureId, after.taskId, source))
        .catch((error: unknown) =>
          // The Task is written; the claim stays pending until stale (a redelivery waits meanwhile).
          ctx.logger?.warn('ledger not completed', { orgId: ctx.org.id, reason: describeError(error) }),
        );
    } else unwritten.push(plan.captureId);
  }
  await releaseClaims(ctx, input, unwritten);
}

/** Claims of mails that got no Task: released, so a retry can claim them (a failed release waits for staleness). */
export async function releaseClaims(
  ctx: SyncContext,
  input: Pick<TaskStepInput, 'useLedger'>,
  captureIds: readonly string[],
): Promise<void> {
  if (!input.useLedger || !ctx.ledger) return;
  for (const captureId of captureIds) await ctx.ledger.release(ctx.org.id, captureId).catch(() => {});
}
