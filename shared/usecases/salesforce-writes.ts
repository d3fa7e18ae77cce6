/**
 * Salesforce writes, the last layer of the sync flow (sync stage → org batch → Salesforce
 * writes): one org's CapturedEmails → one lookup, one Task write, then relations and files. One result per email, same order. Transient CRM failures are retried here with
 * backoff a few times; what still fails is reported per email as retryable or not.
 */
import type { Org } from '../config/registry.ts';
import type { Attachment, CapturedEmail } from '../domain/captured-email.ts';
import { captureIdOf } from '../domain/sync/capture-id.ts';
import { fileNames } from '../domain/sync/sanitize.ts';
import { decide, type MatchedBy, planLookups, type SyncDecision } from '../domain/sync/task-mapping.ts';
import { describeError, isRetryable, TransientError } from '../errors.ts';
import type { LogSink } from '../observability.ts';
import type { AttachmentSource } from '../ports/attachment-source.ts';
import type { CrmPort, FileDraft, TaskDraft, WriteResult } from '../ports/crm.ts';
import type { DedupeLedger } from '../ports/dedupe-ledger.ts';
import { usesEnhancedEmail, writeEmailTasks } from './sync-email-messages.ts';
import {
  inviteIndexes,
  setInvitesAside,
  syncEvents,
  withEventLookups,
  withoutCalendarFiles,
} from './sync-events.ts';

export interface EmailSyncResult {
  captureId: string;
  outcome: 'created' | 'duplicate' | 'unmatched' | 'excluded' | 'failed';
  taskId?: string;
  reason?: string;
  retryable?: boolean;
  apiCalls?: number;
  /** Which rules chose the Task's Who and What (new Tasks only). */
  matchedBy?: MatchedBy;
}

export interface SalesforceWritesInput {
  org: Org;
  emails: CapturedEmail[];
  crm: CrmPort;
  attachments?: AttachmentSource;
  ledger?: DedupeLedger;
  logger?: LogSink;
  /** Retries of a transient CRM failure inside the batch (default 3) and the base backoff. */
  retries?: number;
  backoffMs?: number;
  today?: () => string;
  /** Raw file bytes read and sent at a time (default FILE_BYTES_IN_FLIGHT). */
  fileBytesInFlight?: number;
}

type Retry = <T>(what: string, fn: () => Promise<T>) => Promise<T>;
type Creation = { index: number; decision: Extract<SyncDecision, { kind: 'create' }> };

/** What one batch's steps share. */
interface Batch {
  input: SalesforceWritesInput;
  results: EmailSyncResult[];
  /** Ledger claims not yet completed or released: released if the batch fails, so a retry can claim them. */
  claims: Set<string>;
  /** Tasks that get relations and files: new ones, and existing ones an earlier try may have left short. */
  followUps: FollowUp[];
  useLedger: boolean;
  retry: Retry;
}

export async function writeToSalesforce(input: SalesforceWritesInput): Promise<EmailSyncResult[]> {
  const { org, emails, crm } = input;
  const callsBefore = crm.apiCalls();
  const retry: Retry = (what, fn) =>
    withRetry(fn, input.retries ?? 3, input.backoffMs ?? 250, (error, attempt) =>
      input.logger?.warn('Salesforce call failed; retrying', {
        orgId: org.id,
        what,
        attempt,
        reason: describeError(error),
      }),
    );
  const batch: Batch = {
    input,
    results: new Array(emails.length),
    claims: new Set(),
    followUps: [],
    useLedger: false,
    retry,
  };
  try {
    // Meeting invites become Events; their people and Events ride the same lookup.
    const invites = await inviteIndexes(emails, crm, retry);
    const plan = withEventLookups(org, emails, invites, planLookups(org, emails));
    const found = await retry('lookup', () => crm.lookup(plan));
    const capabilities = await retry('capabilities', () => crm.capabilities());
    const decisions = decide(org, emails, found, {
      orderNumbersField: capabilities.orderNumbersField,
      sharedActivities: capabilities.sharedActivities,
      taskStatus: capabilities.taskStatus,
      today: input.today ?? (() => new Date().toISOString()),
    });
    withoutCalendarFiles(decisions);
    setInvitesAside(decisions, invites);
    batch.useLedger = !capabilities.captureIdField && input.ledger !== undefined;
    const toWrite = await triage(batch, decisions);
    const writable = await createLeadsFirst(batch, toWrite);
    const enhanced = usesEnhancedEmail(org, crm, capabilities, input.logger);
    const taskResults =
      writable.length > 0 && enhanced
        ? await writeEmailTasks(
            crm,
            writable.map((w) => ({ task: w.decision.task, email: emails[w.index]! })),
            found,
            capabilities,
            retry,
          )
        : writable.length > 0
          ? await writeTasks(
              crm,
              writable.map((w) => w.decision.task),
              retry,
              input.backoffMs ?? 250,
              writable.map((w) => w.decision.fallbackOwnerId),
            )
          : [];
    await recordTaskResults(batch, writable, taskResults);
    shareFateOfFirstCopies(decisions, batch.results);
    await addRelationsAndFiles(input, batch.followUps, batch.results, retry);
    await syncEvents({
      org,
      emails,
      crm,
      found,
      indexes: invites,
      results: batch.results,
      retry,
      today: input.today ?? (() => new Date().toISOString()),
      logger: input.logger,
    });
  } catch (error) {
    await failUndecided(batch, error);
  }
  const apiCalls = crm.apiCalls() - callsBefore;
  input.logger?.info('Salesforce batch synced', { orgId: org.id, emails: emails.length, apiCalls });
  return batch.results.map((r) => ({ ...r, apiCalls }));
}

/** Results for the decisions that need no write; the Tasks to write. */
async function triage(batch: Batch, decisions: SyncDecision[]): Promise<Creation[]> {
  const { results } = batch;
  const toWrite: Creation[] = [];
  for (const [index, decision] of decisions.entries()) {
    const { captureId } = decision;
    switch (decision.kind) {
      case 'excluded':
      case 'unmatched':
        results[index] = { captureId, outcome: decision.kind, reason: decision.reason };
        break;
      case 'duplicate':
        results[index] = {
          captureId,
          outcome: 'duplicate',
          taskId: decision.taskId,
          reason: decision.reason,
        };
        if (decision.taskId) batch.followUps.push({ index, ...decision, existing: true });
        break;
      case 'owner-missing':
        results[index] = { captureId, outcome: 'failed', reason: decision.reason, retryable: false };
        break;
      case 'create':
        if (!batch.useLedger || (await claimInLedger(batch, index, decision)))
          toWrite.push({ index, decision });
    }
  }
  return toWrite;
}

/** Without Capture_Id__c the ledger decides who writes a message; false when this delivery must not. */
async function claimInLedger(batch: Batch, index: number, decision: Creation['decision']): Promise<boolean> {
  const { org, ledger } = batch.input;
  const { captureId } = decision;
  const known = await ledger!.get(org.id, captureId);
  // A pending claim is still worth a try: the ledger hands over claims left by a crash once stale.
  const claimed = (known === null || known === 'pending') && (await ledger!.claim(org.id, captureId));
  if (claimed) {
    batch.claims.add(captureId);
    return true;
  }
  const taskId = known !== null && known !== 'pending' ? known : await ledger!.get(org.id, captureId);
  if (taskId && taskId !== 'pending') {
    batch.results[index] = { captureId, outcome: 'duplicate', taskId, reason: 'already-in-ledger' };
    batch.followUps.push({ index, taskId, ...decision, existing: true });
  } else {
    // Claimed but not completed: another delivery is writing it right now. Calling it a
    // duplicate could lose the message; a redelivery finds the Task id or the claim gone.
    batch.results[index] = {
      captureId,
      outcome: 'failed',
      reason: 'LEDGER_CLAIMED: another delivery of this message is being written',
      retryable: true,
    };
  }
  return false;
}

/** Leads first (unmatched policy create-lead), so their Tasks can point at them; the Tasks still writable. */
async function createLeadsFirst(batch: Batch, toWrite: Creation[]): Promise<Creation[]> {
  const { crm } = batch.input;
  const needLead = toWrite.filter((w) => w.decision.lead);
  if (needLead.length > 0) {
    const leads = await batch.retry('create leads', () =>
      crm.createLeads(needLead.map((w) => w.decision.lead!)),
    );
    for (const [i, w] of needLead.entries()) {
      const r = leads[i];
      if (r?.ok) w.decision.task.WhoId = r.id;
      else {
        batch.results[w.index] = {
          captureId: w.decision.captureId,
          outcome: 'failed',
          reason: `lead could not be created: ${r ? `${r.code}: ${r.message}` : 'no result'}`,
          retryable: r?.retryable ?? true,
        };
      }
    }
  }
  const writable = toWrite.filter((w) => w.decision.task.WhoId !== null || !w.decision.lead);
  for (const w of toWrite) {
    if (!writable.includes(w) && batch.useLedger) await release(batch, w.decision.captureId);
  }
  return writable;
}

async function recordTaskResults(
  batch: Batch,
  writable: Creation[],
  taskResults: WriteResult[],
): Promise<void> {
  const { org, ledger } = batch.input;
  for (const [i, w] of writable.entries()) {
    const r = taskResults[i]!;
    const { captureId } = w.decision;
    if (r.ok) {
      batch.results[w.index] = {
        captureId,
        outcome: r.created ? 'created' : 'duplicate',
        taskId: r.id,
        ...(r.created ? { matchedBy: w.decision.matchedBy } : { reason: 'already-in-salesforce' }),
      };
      if (batch.useLedger) {
        await ledger!.complete(org.id, captureId, r.id);
        batch.claims.delete(captureId);
      }
      batch.followUps.push({ index: w.index, taskId: r.id, ...w.decision, existing: !r.created });
    } else {
      batch.results[w.index] = {
        captureId,
        outcome: 'failed',
        reason: `${r.code}: ${r.message}`,
        retryable: r.retryable,
      };
      if (batch.useLedger) await release(batch, captureId);
    }
  }
}

/** Duplicates within the batch share the fate of their first copy: its Task, or its failure. */
function shareFateOfFirstCopies(decisions: SyncDecision[], results: EmailSyncResult[]): void {
  for (const [index, decision] of decisions.entries()) {
    if (decision.kind !== 'duplicate' || decision.taskId) continue;
    const first = results.find((r, i) => i !== index && r?.captureId === decision.captureId);
    if (first?.taskId) results[index] = { ...results[index]!, taskId: first.taskId };
    else if (first?.outcome === 'failed') results[index] = { ...first };
  }
}

async function release(batch: Batch, captureId: string): Promise<void> {
  batch.claims.delete(captureId);
  await batch.input.ledger?.release(batch.input.org.id, captureId);
}

/** A whole call failed after retries (lookup, leads, Task write): every email not yet decided gets this. */
async function failUndecided(batch: Batch, error: unknown): Promise<void> {
  const { org, emails, logger } = batch.input;
  const retryable = isRetryable(error);
  logger?.warn('Salesforce batch failed', { orgId: org.id, reason: describeError(error), retryable });
  for (const captureId of [...batch.claims]) await release(batch, captureId).catch(() => {});
  // Decisions already made (excluded, unmatched, done, failed for their own reason) stand.
  for (let i = 0; i < emails.length; i++) {
    const done = batch.results[i];
    // An invite set aside for its Event is not decided until the Event is written.
    if (!done || (done.outcome === 'duplicate' && !done.taskId) || done.reason === 'meeting-invite') {
      batch.results[i] = {
        captureId: done?.captureId ?? captureIdOf(org.id, emails[i]!),
        outcome: 'failed',
        reason: describeError(error),
        retryable,
      };
    }
  }
}

/**
 * Upsert failures that mean "this Task exists already": TaskSubtype can be set on create only, so
 * Salesforce refuses the update half of an upsert that finds a Task (written by a concurrent
 * delivery, or by an earlier attempt whose response was lost); unique-field clashes likewise.
 */
const EXISTS_CODES = new Set(['INVALID_FIELD_FOR_INSERT_UPDATE', 'DUPLICATE_VALUE', 'DUPLICATE_EXTERNAL_ID']);

async function writeTasks(
  crm: CrmPort,
  tasks: TaskDraft[],
  retry: Retry,
  backoffMs: number,
  fallbackOwners: (string | null)[] = [],
): Promise<WriteResult[]> {
  let attempts = 0;
  let results = await retry('write tasks', () => {
    attempts++;
    return crm.upsertTasks(tasks);
  });
  // A rep deactivated since the lookup: the default owner takes the Task.
  for (const [i, r] of results.entries()) {
    const fallback = fallbackOwners[i];
    if (!r.ok && r.code === 'INACTIVE_OWNER_OR_USER' && fallback) {
      tasks[i]!.OwnerId = fallback;
      results[i] = { ...r, retryable: true };
    }
  }
  // Record-level transient errors (UNABLE_TO_LOCK_ROW) are retried once more for those records only.
  const again = results.map((r, i) => (!r.ok && r.retryable ? i : -1)).filter((i) => i >= 0);
  if (again.length > 0) {
    await sleep(backoffMs * (0.5 + Math.random()));
    const second = await retry('write tasks', () => crm.upsertTasks(again.map((i) => tasks[i]!)));
    results = results.map((r, i) => {
      const j = again.indexOf(i);
      return j === -1 ? r : second[j]!;
    });
  }
  const clashed = results.map((r, i) => (!r.ok && EXISTS_CODES.has(r.code) ? i : -1)).filter((i) => i >= 0);
  if (clashed.length > 0 && (await crm.capabilities()).captureIdField) {
    const found = await retry('find existing tasks', () =>
      crm.lookup({
        userEmails: [],
        personEmails: [],
        orderNumbers: [],
        orderLookup: { object: 'Order', field: 'OrderNumber' },
        recordIds: [],
        captureIds: clashed.map((i) => tasks[i]!.Capture_Id__c),
      }),
    );
    const byCaptureId = new Map(found.tasks.map((t) => [t.captureId, t.id]));
    results = results.map((r, i) => {
      const id = clashed.includes(i) ? byCaptureId.get(tasks[i]!.Capture_Id__c) : undefined;
      return id ? { ok: true, id, created: false } : r;
    });
  }
  if (attempts > 1) {
    // The lookup found none of these Tasks, so a Task that exists now was most likely written by an
    // earlier attempt whose response was lost (dropped connection): it is this delivery's Task,
    // and it still needs its relations and files.
    results = results.map((r) => (r.ok && !r.created ? { ...r, created: true } : r));
  }
  return results;
}

interface FollowUp {
  index: number;
  taskId: string;
  relations: string[];
  files: Attachment[];
  /** The Task was there before this try: add only what it lacks. */
  existing: boolean;
}

/** Raw file bytes read and encoded at a time (held twice: raw and base64). */
export const FILE_BYTES_IN_FLIGHT = 15 * 1024 * 1024;

/**
 * Relations and Files for Tasks that exist now, files read in groups of at most
 * FILE_BYTES_IN_FLIGHT so a batch of large attachments never sits in memory at once. A failure
 * a retry can fix fails the message as retryable: its redelivery finds the Task and adds what
 * is missing.
 */
async function addRelationsAndFiles(
  input: SalesforceWritesInput,
  followUps: FollowUp[],
  results: EmailSyncResult[],
  retry: Retry,
): Promise<void> {
  const work = followUps.filter((f) => f.relations.length > 0 || (input.attachments && f.files.length > 0));
  if (work.length === 0) return;
  const fail = (index: number, reason: string) => {
    const r = results[index]!;
    results[index] = { ...r, outcome: 'failed', reason, retryable: true };
  };
  let pending: Pending;
  try {
    pending = await missingPieces(input, work, retry);
  } catch (error) {
    for (const f of work.filter((w) => w.existing))
      fail(f.index, `checking relations and files: ${describeError(error)}`);
    pending = allPieces(
      work.filter((w) => !w.existing),
      input,
    );
  }
  const added = new Set<number>();
  const groups = fileGroups(pending.files, input.fileBytesInFlight ?? FILE_BYTES_IN_FLIGHT);
  for (const [g, group] of groups.entries()) {
    await sendGroup(input, g === 0 ? pending.relations : [], group, retry, { fail, added });
  }
  // An existing Task that needed pieces and got them was left unfinished by an earlier try of this message.
  for (const f of work) {
    const r = results[f.index]!;
    if (f.existing && added.has(f.index) && r.outcome === 'duplicate')
      results[f.index] = {
        captureId: r.captureId,
        outcome: 'created',
        taskId: f.taskId,
        reason: 'completed-on-retry',
      };
  }
}

/** One group: its files read now (and dropped after), sent with the relations in one attach call. */
async function sendGroup(
  input: SalesforceWritesInput,
  relations: Pending['relations'],
  group: Pending['files'],
  retry: Retry,
  track: { fail: (index: number, reason: string) => void; added: Set<number> },
): Promise<void> {
  const { fail, added } = track;
  const drafts: FileDraft[] = [];
  const owners: number[] = [];
  for (const f of group) {
    try {
      const content = await input.attachments!.read(f.attachment.storageKey!);
      drafts.push({ taskId: f.taskId, ...fileNames(f.attachment.filename), content });
      owners.push(f.index);
    } catch (error) {
      // A store outage is worth a retry of the message; a file that is gone is listed in the Description only.
      if (error instanceof TransientError)
        fail(f.index, `attachment could not be read: ${describeError(error)}`);
      input.logger?.warn('attachment could not be read', {
        orgId: input.org.id,
        reason: describeError(error),
      });
    }
  }
  if (relations.length === 0 && drafts.length === 0) return;
  try {
    const out = await retry('relations and files', () =>
      input.crm.attach(
        relations.map((r) => ({ taskId: r.taskId, relationId: r.relationId })),
        drafts,
      ),
    );
    const outcomes = [
      ...out.relations.map((r, i) => ({ r, index: relations[i]!.index })),
      ...out.files.map((r, i) => ({ r, index: owners[i]! })),
    ];
    for (const { r, index } of outcomes) {
      if (r.ok) added.add(index);
      else if (r.retryable) fail(index, `relations or files not added: ${r.code}: ${r.message}`);
      // DUPLICATE_VALUE: the relation is there already, which is what was wanted.
      else if (r.code !== 'DUPLICATE_VALUE')
        input.logger?.warn('a relation or file was refused', { orgId: input.org.id, reason: r.code });
    }
  } catch (error) {
    if (!isRetryable(error)) {
      input.logger?.warn('relations and files refused', {
        orgId: input.org.id,
        reason: describeError(error),
      });
      return;
    }
    for (const index of new Set([...relations.map((r) => r.index), ...owners]))
      fail(index, `relations or files not added: ${describeError(error)}`);
  }
}

interface Pending {
  relations: { index: number; taskId: string; relationId: string }[];
  files: { index: number; taskId: string; attachment: Attachment }[];
}

/** What the Tasks still lack: everything for new Tasks; for existing ones, what Salesforce does not have yet. */
async function missingPieces(input: SalesforceWritesInput, work: FollowUp[], retry: Retry): Promise<Pending> {
  const existingIds = [...new Set(work.filter((w) => w.existing).map((w) => w.taskId))];
  const have =
    existingIds.length > 0
      ? await retry('existing relations and files', () => input.crm.existingAttachments(existingIds))
      : { relations: [], files: [] };
  const relationKeys = new Set(have.relations.map((r) => `${r.taskId}/${r.relationId.slice(0, 15)}`));
  const fileCounts = new Map<string, number>();
  for (const f of have.files)
    fileCounts.set(
      `${f.taskId}/${f.pathOnClient}`,
      (fileCounts.get(`${f.taskId}/${f.pathOnClient}`) ?? 0) + 1,
    );
  const pending: Pending = { relations: [], files: [] };
  const seen = new Set<string>();
  for (const w of work) {
    // Two deliveries of one message in a batch point at one Task: its pieces once.
    if (seen.has(w.taskId)) continue;
    seen.add(w.taskId);
    for (const relationId of w.relations) {
      if (!relationKeys.has(`${w.taskId}/${relationId.slice(0, 15)}`))
        pending.relations.push({ index: w.index, taskId: w.taskId, relationId });
    }
    for (const attachment of input.attachments ? w.files : []) {
      const key = `${w.taskId}/${fileNames(attachment.filename).pathOnClient}`;
      const count = fileCounts.get(key) ?? 0;
      if (count > 0) fileCounts.set(key, count - 1);
      else pending.files.push({ index: w.index, taskId: w.taskId, attachment });
    }
  }
  return pending;
}
function allPieces(work: FollowUp[], input: SalesforceWritesInput): Pending {
  return {
    relations: work.flatMap((w) =>
      w.relations.map((relationId) => ({ index: w.index, taskId: w.taskId, relationId })),
    ),
    files: input.attachments
      ? work.flatMap((w) => w.files.map((attachment) => ({ index: w.index, taskId: w.taskId, attachment })))
      : [],
  };
}

/** Files in groups of at most `budget` bytes (by the size the parse stage recorded); at least one group. */
function fileGroups<T extends { attachment: Attachment }>(files: T[], budget: number): T[][] {
  const groups: T[][] = [[]];
  let bytes = 0;
  for (const f of files) {
    const current = groups.at(-1)!;
    if (current.length > 0 && bytes + f.attachment.size > budget) {
      groups.push([f]);
      bytes = f.attachment.size;
    } else {
      current.push(f);
      bytes += f.attachment.size;
    }
  }
  return groups;
}

async function withRetry<T>(
  fn: () => Promise<T>,
  retries: number,
  backoffMs: number,
  onRetry: (error: unknown, attempt: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof TransientError) || attempt > retries) throw error;
      onRetry(error, attempt);
      await sleep(backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
