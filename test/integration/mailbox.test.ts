/**
 * The labelled mailbox: realistic mails (test/fixtures/mailbox) sent over SMTP through the local
 * stack, Tasks read back over REST, compared field by field with the labels. Prints per-field
 * accuracy and every wrong mail; fails when fewer than 99% of the mails are fully right.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import type { OutcomeRecord } from '#shared/domain/outcome.ts';
import type { Expected, Label } from '../fixtures/mailbox/scenarios.ts';
import { buildMailbox } from '../fixtures/mailbox/scenarios.ts';
import { ids, registry, seed } from '../fixtures/mailbox/world.ts';
import { useE2e } from '../support/e2e.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/mailbox/${name}`, import.meta.url));
const readJson = (name: string) => JSON.parse(readFileSync(fixture(name), 'utf8'));
const labels: Label[] = readFileSync(fixture('labels.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Label);
const names: Record<string, string> = readJson('names.json');
const nameOf = new Map(Object.entries(names).map(([name, id]) => [id.slice(0, 15), name]));
const symbolic = (id: unknown) =>
  typeof id === 'string' && id !== '' ? (nameOf.get(id.slice(0, 15)) ?? `unknown ${id}`) : null;

interface Actual {
  outcome: string;
  reason: string | null;
  owner?: string | null;
  who?: string | null;
  what?: string | null;
}

const PARALLEL = 6;
const e2e = useE2e({
  configPath: fixture('orgs.json'),
  seedPath: fixture('seed.json'),
  allowTestVerdicts: true,
  smtpConnections: PARALLEL,
});

it('the committed mails, labels, registry and seed are what the generator writes', () => {
  const { mails } = buildMailbox();
  expect(mails.map((m) => m.label)).toEqual(labels);
  for (const m of mails) expect(readFileSync(fixture(`mails/${m.label.file}`), 'utf8')).toBe(m.raw);
  expect(readJson('orgs.json')).toEqual(registry);
  expect(readJson('seed.json')).toEqual(seed);
  expect(names).toEqual(ids);
  expect(labels.length).toBeGreaterThanOrEqual(150);
});

it('loads the seed as a sandbox data load would, contact roles and closed Opportunities included', async () => {
  const roles = await e2e.sf.query<{ OpportunityId: string; ContactId: string }>(
    'SELECT OpportunityId, ContactId FROM OpportunityContactRole',
  );
  expect(roles.records.map((r) => [symbolic(r.OpportunityId), symbolic(r.ContactId)])).toContainEqual([
    'opportunity.vandelay-latex',
    'contact.art',
  ]);
  const closed = await e2e.sf.query<{ Id: string }>('SELECT Id FROM Opportunity WHERE IsClosed = true');
  expect(closed.records.map((r) => symbolic(r.Id))).toEqual(['opportunity.vandelay-2025']);
  const inactive = await e2e.sf.query<{ Id: string }>('SELECT Id FROM User WHERE IsActive = false');
  expect(inactive.records.map((r) => symbolic(r.Id))).toEqual(['user.olaf']);
});

/** Sends in waves: a mail goes once every mail it waits for (thread parent, first copy) is done. */
function waves(all: Label[]): Label[][] {
  const depth = new Map<string, number>();
  const byFile = new Map(all.map((l) => [l.file, l]));
  const depthOf = (l: Label): number => {
    const known = depth.get(l.file);
    if (known !== undefined) return known;
    const d = Math.max(-1, ...(l.after ?? []).map((f) => depthOf(byFile.get(f)!))) + 1;
    depth.set(l.file, d);
    return d;
  };
  const result: Label[][] = [];
  for (const l of all) {
    const d = depthOf(l);
    result[d] = [...(result[d] ?? []), l];
  }
  return result;
}

/** Sends one mail; the SMTP reply carries the receipt id its outcome is recorded under. */
async function send(label: Label): Promise<{ sesMessageId: string } | { refused: string }> {
  const raw = readFileSync(fixture(`mails/${label.file}`));
  try {
    const info = await e2e.send({ envelope: { from: label.mailFrom, to: label.rcpt }, raw });
    const id = /queued as (\S+)/.exec(String(info.response))?.[1];
    if (!id) throw new Error(`no receipt id in "${info.response}"`);
    return { sesMessageId: id };
  } catch (error) {
    const code = (error as { responseCode?: number }).responseCode;
    if (code && code >= 500) return { refused: `smtp ${code}` };
    throw error;
  }
}

async function sendAll(): Promise<Map<string, Awaited<ReturnType<typeof send>>>> {
  const sent = new Map<string, Awaited<ReturnType<typeof send>>>();
  for (const wave of waves(labels)) {
    const queue = [...wave];
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) sent.set(next.file, await send(next));
      }),
    );
    await e2e.stack.idle();
  }
  return sent;
}

async function actuals(sent: Map<string, Awaited<ReturnType<typeof send>>>): Promise<Map<string, Actual>> {
  const outcomes = new Map<string, OutcomeRecord>();
  for (const o of await e2e.stack.outcomes.list()) outcomes.set(o.sesMessageId, o);
  const tasks = await e2e.sf.query<{
    Id: string;
    OwnerId: string;
    WhoId: string | null;
    WhatId: string | null;
  }>('SELECT Id, OwnerId, WhoId, WhatId FROM Task');
  const taskById = new Map(tasks.records.map((t) => [t.Id, t]));
  const result = new Map<string, Actual>();
  for (const [file, s] of sent) {
    if ('refused' in s) {
      result.set(file, { outcome: 'rejected', reason: s.refused });
      continue;
    }
    const o = outcomes.get(s.sesMessageId);
    if (!o) {
      result.set(file, { outcome: 'missing', reason: 'no outcome recorded' });
      continue;
    }
    const task = o.outcome === 'created' && o.taskId ? taskById.get(o.taskId) : undefined;
    result.set(file, {
      outcome: o.outcome,
      reason: o.reason,
      ...(task
        ? { owner: symbolic(task.OwnerId), who: symbolic(task.WhoId), what: symbolic(task.WhatId) }
        : {}),
    });
  }
  return result;
}

const FIELDS = ['task', 'outcome', 'owner', 'who', 'what'] as const;
type Field = (typeof FIELDS)[number];

/** Which fields apply to a mail and whether each is right. */
function score(expected: Expected, actual: Actual): Partial<Record<Field, boolean>> {
  const wantsTask = expected.outcome === 'created';
  const fields: Partial<Record<Field, boolean>> = {
    task: wantsTask === (actual.outcome === 'created'),
    outcome: expected.outcome === actual.outcome,
  };
  if (wantsTask) {
    fields.owner = actual.owner === expected.owner;
    fields.who = actual.who === expected.who;
    fields.what = (actual.what ?? null) === (expected.what ?? null);
  }
  return fields;
}

const show = (v: Expected | Actual) =>
  v.outcome === 'created'
    ? `owner=${v.owner} who=${v.who} what=${v.what}`
    : `${v.outcome} (${v.reason ?? ''})`;

function report(
  results: { label: Label; actual: Actual; fields: Partial<Record<Field, boolean>> }[],
): number {
  const lines: string[] = [];
  for (const field of FIELDS) {
    const scored = results.filter((r) => r.fields[field] !== undefined);
    const right = scored.filter((r) => r.fields[field]).length;
    lines.push(
      `  ${field.padEnd(8)} ${right}/${scored.length} (${((100 * right) / scored.length).toFixed(1)}%)`,
    );
  }
  const wrong = results.filter((r) => Object.values(r.fields).includes(false));
  const fully = results.length - wrong.length;
  const rate = fully / results.length;
  lines.unshift(`Labelled mailbox: ${fully}/${results.length} fully right (${(100 * rate).toFixed(1)}%)`);
  for (const r of wrong) {
    const bad = FIELDS.filter((f) => r.fields[f] === false).join(',');
    lines.push(
      `  ✗ ${r.label.file} [${bad}] tags=${r.label.tags.join(',')}`,
      `      expected ${show(r.label.expect)}`,
      `      actual   ${show(r.actual)}`,
      ...(r.label.why ? [`      why: ${r.label.why}`] : []),
    );
  }
  const tags = [...new Set(results.flatMap((r) => r.label.tags))].sort();
  const byTag = tags
    .map((tag) => {
      const tagged = results.filter((r) => r.label.tags.includes(tag));
      return { tag, wrong: tagged.filter((r) => wrong.includes(r)).length, total: tagged.length };
    })
    .filter((t) => t.wrong > 0);
  lines.push(`  wrong by tag: ${byTag.map((t) => `${t.tag} ${t.wrong}/${t.total}`).join(', ')}`);
  console.log(lines.join('\n'));
  return rate;
}

it('logs at least 99% of the labelled mailbox fully right', { timeout: 240_000 }, async () => {
  const sent = await sendAll();
  const found = await actuals(sent);
  const results = labels.map((label) => {
    const actual = found.get(label.file) ?? { outcome: 'missing', reason: 'not sent' };
    return { label, actual, fields: score(label.expect, actual) };
  });
  // MAILBOX_REPORT=<file> keeps the per-mail results for a closer look.
  if (process.env.MAILBOX_REPORT) writeFileSync(process.env.MAILBOX_REPORT, JSON.stringify(results, null, 2));
  expect(report(results)).toBeGreaterThanOrEqual(0.99);
});
