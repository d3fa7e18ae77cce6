/**
 * Wide and awkward mail through the whole local pipeline: SMTP in (nodemailer) to the local
 * stack, Salesforce REST out (jsforce against the strict emulator). Measures Salesforce API
 * calls per email for an ordinary batch of 25 and for 25 wide mails.
 */
import type { SendMailOptions } from 'nodemailer';
import { describe, expect, it } from 'vitest';
import type { OutcomeRecord } from '#shared/domain/outcome.ts';
import { useE2e } from '../support/e2e.ts';
import { MIXED_BATCH, wideMail, wideOrder, wideSeed } from '../support/salesforce.ts';

const BCC = 'acme-k7q2m9x4p8w3@capture.localhost';
const WIDE = 26; // mails 0–24 arrive together, mail 25 alone
const e2e = useE2e({
  seed: wideSeed(WIDE),
  allowTestVerdicts: true,
  // Long enough that a slow batch of wide mails is not handed out twice.
  visibilityTimeoutSeconds: { intake: 30, sync: 30 },
  smtpConnections: 5,
});

const send = (message: SendMailOptions) =>
  e2e.send({ envelope: { from: 'alice@acme.example', to: [BCC] }, ...message });

function sendWide(m: number) {
  const w = wideMail(m, 'e2e-wide');
  return send({
    from: 'Alice Rep <alice@acme.example>',
    to: w.to,
    cc: w.cc,
    subject: w.subject,
    messageId: w.messageId,
    references: w.references,
    text: w.text,
  });
}

async function outcomesOf(messageIds: string[]): Promise<OutcomeRecord[]> {
  await e2e.stack.idle();
  const all = await e2e.stack.outcomes.list();
  // A message's outcome; a redelivery may add a later "duplicate" beside its "created".
  return messageIds.map(
    (id) =>
      all.find((o) => o.messageId === id && o.outcome === 'created') ?? all.find((o) => o.messageId === id)!,
  );
}

const one = e2e.idOf.bind(e2e);

async function expectWideTask(m: number, outcome: OutcomeRecord | undefined) {
  expect(outcome).toMatchObject({ outcome: 'created' });
  const task = (
    await e2e.sf.query<{ Id: string; WhoId: string; WhatId: string; OwnerId: string }>(
      `SELECT Id, WhoId, WhatId, OwnerId FROM Task WHERE Id = '${outcome?.taskId}'`,
    )
  ).records[0];
  expect(task?.WhoId).toBe(await one(`SELECT Id FROM Contact WHERE Email = 'w${m}.c0@globex.example'`));
  expect(task?.WhatId).toBe(await one(`SELECT Id FROM Order WHERE OrderNumber = '${wideOrder(m, 1)}'`));
  const people = (
    await e2e.sf.query<{ RelationId: string }>(
      `SELECT RelationId FROM TaskRelation WHERE TaskId = '${task?.Id}' AND IsWhat = false`,
    )
  ).records.map((r) => r.RelationId);
  expect(people).toHaveLength(50);
  expect(new Set(people).size).toBe(50);
}

describe('wide mail through the local pipeline', () => {
  it('makes one Task for a mail with 55 contacts, 7 order numbers and 30 References', async () => {
    await sendWide(25);
    const [outcome] = await outcomesOf(['<e2e-wide-25@acme.example>']);
    await expectWideTask(25, outcome);
  });

  it('makes one correct Task each for 25 wide mails arriving together', { timeout: 120_000 }, async () => {
    await e2e.stack.idle();
    const before = e2e.stack.emulator!.apiRequestCount();
    await Promise.all(Array.from({ length: 25 }, (_, m) => sendWide(m)));
    const outcomes = await outcomesOf(Array.from({ length: 25 }, (_, m) => `<e2e-wide-${m}@acme.example>`));
    const calls = e2e.stack.emulator!.apiRequestCount() - before;
    console.info(`Salesforce API calls through the stack for 25 wide mails: ${calls} (${calls / 25}/email)`);
    for (const [m, outcome] of outcomes.entries()) await expectWideTask(m, outcome);
    expect(new Set(outcomes.map((o) => o.taskId)).size).toBe(25);
  });

  it('measures an ordinary batch of 25 mails', async () => {
    await e2e.stack.idle();
    const before = e2e.stack.emulator!.apiRequestCount();
    const ids = Array.from({ length: 25 }, (_, i) => `<e2e-ordinary-${i}@acme.example>`);
    await e2e.together(() =>
      Promise.all(
        ids.map((messageId, i) => {
          const spec = MIXED_BATCH[i % MIXED_BATCH.length]!;
          const inbox = spec.mode === 'forward';
          return send({
            envelope: { from: spec.from, to: [inbox ? 'acme-inbox-3n8v5t2r6y1z@capture.localhost' : BCC] },
            from: spec.from,
            to: spec.to,
            ...(spec.cc ? { cc: spec.cc } : {}),
            subject: spec.subject,
            messageId,
          });
        }),
      ),
    );
    const outcomes = await outcomesOf(ids);
    const calls = e2e.stack.emulator!.apiRequestCount() - before;
    console.info(
      `Salesforce API calls through the stack for 25 ordinary mails: ${calls} (${calls / 25}/email)`,
    );
    const kinds = outcomes.map((o) => o?.outcome);
    console.info(`outcomes of the ordinary batch: ${JSON.stringify(kinds)}`);
    expect(kinds.filter((k) => k === 'created').length).toBeGreaterThanOrEqual(20);
  });

  it('writes a Task on the Lead, without the order, for mail to a Lead that names an order', async () => {
    await send({
      from: 'Alice Rep <alice@acme.example>',
      to: 'Lena Lead <lena.lead@initech.example>',
      subject: 'Your order ORD-10042 is ready',
      messageId: '<e2e-lead-order@acme.example>',
    });
    const [outcome] = await outcomesOf(['<e2e-lead-order@acme.example>']);
    expect(outcome).toMatchObject({ outcome: 'created' });
    const task = (
      await e2e.sf.query<{ WhoId: string; WhatId: string | null }>(
        `SELECT WhoId, WhatId FROM Task WHERE Id = '${outcome?.taskId}'`,
      )
    ).records[0];
    expect(task).toEqual(
      expect.objectContaining({
        WhoId: await one("SELECT Id FROM Lead WHERE Email = 'lena.lead@initech.example'"),
        WhatId: null,
      }),
    );
  });

  it('gives mail from an inactive rep to the default owner', async () => {
    await send({
      envelope: { from: 'former@acme.example', to: [BCC] },
      from: 'Former Employee <former@acme.example>',
      to: 'Jane Doe <jane.doe@globex.example>',
      subject: 'A last note from a former rep',
      messageId: '<e2e-inactive@acme.example>',
    });
    const [outcome] = await outcomesOf(['<e2e-inactive@acme.example>']);
    expect(outcome).toMatchObject({ outcome: 'created' });
    const task = (
      await e2e.sf.query<{ OwnerId: string }>(`SELECT OwnerId FROM Task WHERE Id = '${outcome?.taskId}'`)
    ).records[0];
    expect(task?.OwnerId).toBe(await one("SELECT Id FROM User WHERE Email = 'ops@acme.example'"));
  });
});
