/**
 * The relations and files step of an org batch: TaskRelations for more contacts and Files for
 * attachments, for every Task that exists now (new ones, and a redelivery's own Task that an
 * earlier try left short). Files are read in groups of at most FILE_BYTES_IN_FLIGHT so a batch
 * of large attachments never sits in memory at once. Each record's answer goes to its own mail:
 * a failure a retry can fix fails that mail as retryable (its redelivery adds what is missing);
 * a refusal for good is said in its outcome.
 */
import type { Attachment } from '../domain/captured-email.ts';
import type { AttachPlan, MailPlan } from '../domain/sync/mail-plan.ts';
import { failed, type MailResult, withNotes } from '../domain/sync/mail-result.ts';
import { fileNames } from '../domain/sync/sanitize.ts';
import { CaptureError, describeError, isRetryable, TransientError } from '../errors.ts';
import { inGroups } from '../grouping.ts';
import type { FileDraft } from '../ports/crm.ts';
import type { SyncContext } from './sync-context.ts';

/** Raw file bytes read and encoded at a time (held twice: raw and base64). */
export const FILE_BYTES_IN_FLIGHT = 15 * 1024 * 1024;

/** What became of one mail's pieces. */
interface Tally {
  added: number;
  /** The first failure a retry may fix. */
  retry: { code: string; message: string } | null;
  /** Pieces Salesforce refused for good, by kind and code. */
  refused: Map<string, number>;
  notes: string[];
}

type Tallies = Map<number, Tally>;

function tallyOf(tallies: Tallies, i: number): Tally {
  let t = tallies.get(i);
  if (!t) {
    t = { added: 0, retry: null, refused: new Map(), notes: [] };
    tallies.set(i, t);
  }
  return t;
}

interface Pending {
  relations: { i: number; taskId: string; relationId: string }[];
  files: { i: number; taskId: string; attachment: Attachment }[];
}

export async function addRelationsAndFiles(ctx: SyncContext, plans: MailPlan[]): Promise<MailPlan[]> {
  const work = plans.flatMap((p, i) =>
    p.kind === 'attach' && (p.relations.length > 0 || (ctx.attachments && p.files.length > 0))
      ? [{ i, plan: p }]
      : [],
  );
  const tallies: Tallies = new Map();
  if (work.length > 0) {
    const pending = await missingPieces(ctx, work, tallies);
    const groups = inGroups(pending.files, {
      maxItems: Number.POSITIVE_INFINITY,
      maxWeight: ctx.fileBytesInFlight,
      weight: (f) => f.attachment.size,
    });
    if (groups.length === 0) groups.push([]);
    for (const [g, group] of groups.entries())
      await sendGroup(ctx, g === 0 ? pending.relations : [], group, tallies);
  }
  return plans.map((p, i) =>
    p.kind === 'attach' ? { kind: 'settled', result: settleAttach(p, tallies.get(i)) } : p,
  );
}

/** The mail's result once its pieces were sent. */
function settleAttach(plan: AttachPlan, tally: Tally | undefined): MailResult {
  const { captureId, taskId } = plan;
  if (tally?.retry)
    return failed(
      captureId,
      tally.retry.code,
      `relations or files not added: ${tally.retry.message}`,
      true,
      taskId,
    );
  const notes = [...(tally?.notes ?? [])];
  for (const [what, count] of tally?.refused ?? []) notes.push(`${count} ${what} refused by Salesforce`);
  // An existing Task that needed pieces and got them was left unfinished by an earlier try of this message.
  if (plan.existing && (tally?.added ?? 0) > 0 && plan.result.outcome === 'duplicate')
    return withNotes({ captureId, outcome: 'created', taskId, reason: 'completed-on-retry' }, notes);
  return withNotes(plan.result, notes);
}

/** What the Tasks still lack: everything for new Tasks; for existing ones, what Salesforce does not have yet. */
async function missingPieces(
  ctx: SyncContext,
  work: { i: number; plan: AttachPlan }[],
  tallies: Tallies,
): Promise<Pending> {
  const existingIds = [...new Set(work.filter((w) => w.plan.existing).map((w) => w.plan.taskId))];
  let have = {
    relations: [] as { taskId: string; relationId: string }[],
    files: [] as { taskId: string; pathOnClient: string }[],
  };
  try {
    if (existingIds.length > 0)
      have = await ctx.retry('existing relations and files', () => ctx.crm.existingAttachments(existingIds));
  } catch (error) {
    // Not knowing what an existing Task has, its pieces wait for a retry; new Tasks get theirs.
    for (const w of work.filter((x) => x.plan.existing))
      tallyOf(tallies, w.i).retry = {
        code: codeOf(error),
        message: `checking relations and files: ${describeError(error)}`,
      };
    return allPieces(
      ctx,
      work.filter((w) => !w.plan.existing),
    );
  }
  const relationKeys = new Set(have.relations.map((r) => `${r.taskId}/${r.relationId.slice(0, 15)}`));
  const fileCounts = new Map<string, number>();
  for (const f of have.files) {
    const key = `${f.taskId}/${f.pathOnClient}`;
    fileCounts.set(key, (fileCounts.get(key) ?? 0) + 1);
  }
  const pending: Pending = { relations: [], files: [] };
  for (const { i, plan } of work) {
    for (const relationId of plan.relations)
      if (!relationKeys.has(`${plan.taskId}/${relationId.slice(0, 15)}`))
        pending.relations.push({ i, taskId: plan.taskId, relationId });
    for (const attachment of ctx.attachments ? plan.files : []) {
      const key = `${plan.taskId}/${fileNames(attachment.filename).pathOnClient}`;
      const count = fileCounts.get(key) ?? 0;
      if (count > 0) fileCounts.set(key, count - 1);
      else pending.files.push({ i, taskId: plan.taskId, attachment });
    }
  }
  return pending;
}

function allPieces(ctx: SyncContext, work: { i: number; plan: AttachPlan }[]): Pending {
  return {
    relations: work.flatMap(({ i, plan }) =>
      plan.relations.map((relationId) => ({ i, taskId: plan.taskId, relationId })),
    ),
    files: ctx.attachments
      ? work.flatMap(({ i, plan }) =>
          plan.files.map((attachment) => ({ i, taskId: plan.taskId, attachment })),
        )
      : [],
  };
}

const codeOf = (error: unknown) => (error instanceof CaptureError ? error.code : 'ERROR');

/** One group's files read now (and dropped after), sent with the relations in one attach call. */
async function readGroup(
  ctx: SyncContext,
  group: Pending['files'],
  tallies: Tallies,
): Promise<{ drafts: FileDraft[]; owners: number[] }> {
  const drafts: FileDraft[] = [];
  const owners: number[] = [];
  const source = ctx.attachments;
  if (!source) return { drafts, owners };
  for (const f of group) {
    try {
      const content = await source.read(f.attachment.storageKey ?? '');
      drafts.push({ taskId: f.taskId, ...fileNames(f.attachment.filename), content });
      owners.push(f.i);
    } catch (error) {
      // A store outage is worth a retry of the mail; a file that is gone is said in its outcome.
      const name = fileNames(f.attachment.filename).pathOnClient;
      if (error instanceof TransientError)
        tallyOf(tallies, f.i).retry ??= {
          code: error.code,
          message: `attachment could not be read: ${describeError(error)}`,
        };
      else tallyOf(tallies, f.i).notes.push(`attachment ${name} could not be read: not uploaded`);
      ctx.logger?.warn('attachment could not be read', { orgId: ctx.org.id, reason: describeError(error) });
    }
  }
  return { drafts, owners };
}

async function sendGroup(
  ctx: SyncContext,
  relations: Pending['relations'],
  group: Pending['files'],
  tallies: Tallies,
): Promise<void> {
  const { drafts, owners } = await readGroup(ctx, group, tallies);
  if (relations.length === 0 && drafts.length === 0) return;
  try {
    const out = await ctx.retry('relations and files', () =>
      ctx.crm.attach(
        relations.map((r) => ({ taskId: r.taskId, relationId: r.relationId })),
        drafts,
      ),
    );
    const answers = [
      ...relations.map((r, k) => ({ r: out.relations[k], i: r.i, what: 'relation(s)' })),
      ...owners.map((i, k) => ({ r: out.files[k], i, what: 'file(s)' })),
    ];
    for (const { r, i, what } of answers) {
      const tally = tallyOf(tallies, i);
      if (r?.ok) tally.added++;
      else if (!r || r.retryable)
        tally.retry ??= { code: r?.code ?? 'NO_RESULT', message: r?.message ?? 'no result' };
      // DUPLICATE_VALUE: the relation is there already, which is what was wanted.
      else if (r.code !== 'DUPLICATE_VALUE') {
        const key = `${what}: ${r.code}`;
        tally.refused.set(key, (tally.refused.get(key) ?? 0) + 1);
      }
    }
  } catch (error) {
    for (const i of new Set([...relations.map((r) => r.i), ...owners])) {
      const tally = tallyOf(tallies, i);
      if (isRetryable(error)) tally.retry ??= { code: codeOf(error), message: describeError(error) };
      else tally.notes.push(`relations and files refused by Salesforce: ${describeError(error)}`);
    }
  }
}
