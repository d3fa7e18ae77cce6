/**
 * Matching through the whole local pipeline: SMTP in (nodemailer) to the local stack, Salesforce
 * REST out (jsforce against the emulator). The registry the stack reads sets the org's duplicate
 * policy; outcomes say which rule decided.
 */
import type { SendMailOptions } from 'nodemailer';
import { describe, expect, it } from 'vitest';
import type { OutcomeRecord } from '#shared/domain/outcome.ts';
import { useE2e } from '../support/e2e.ts';

const BCC = 'acme-k7q2m9x4p8w3@capture.localhost';
const SHARED = 'orders@customer.example';
const e2e = useE2e({
  registry: (demo) => {
    demo.orgs[0]!.matching = { duplicates: 'all' };
    return demo;
  },
  seed: {
    Contact: [
      { LastName: 'Orders Globex', Email: SHARED, AccountId: '@Account:Globex Corporation' },
      { LastName: 'Orders Initech', Email: SHARED, AccountId: '@Account:Initech' },
    ],
  },
});

const send = (message: SendMailOptions) =>
  e2e.send({
    from: 'Alice Rep <alice@acme.example>',
    envelope: { from: 'alice@acme.example', to: [BCC] },
    ...message,
  });
const outcomeOf = e2e.outcomeOf.bind(e2e);
const one = e2e.idOf.bind(e2e);

async function taskOf(outcome: OutcomeRecord | undefined) {
  expect(outcome).toMatchObject({ outcome: 'created' });
  const task = (
    await e2e.sf.query<{ Id: string; WhoId: string; WhatId: string }>(
      `SELECT Id, WhoId, WhatId FROM Task WHERE Id = '${outcome?.taskId}'`,
    )
  ).records[0]!;
  const people = (
    await e2e.sf.query<{ RelationId: string }>(
      `SELECT RelationId FROM TaskRelation WHERE TaskId = '${task.Id}' AND IsWhat = false`,
    )
  ).records.map((r) => r.RelationId);
  return { ...task, people: people.sort() };
}

describe('matching through the local pipeline', () => {
  it('puts mail with no anchor on the contact’s only open opportunity', async () => {
    await send({ to: 'carl@globex.example', subject: 'Next steps', messageId: '<m-e2e-opp@acme.example>' });
    const outcome = await outcomeOf('<m-e2e-opp@acme.example>');
    expect(outcome?.matchedBy).toEqual({ who: 'single', what: 'opportunity' });
    const task = await taskOf(outcome);
    expect(task.WhatId).toBe(await one("SELECT Id FROM Opportunity WHERE Name = 'Globex renewal 2027'"));
  });

  it('takes the record a ref: id in the body names', async () => {
    const expansion = await one("SELECT Id FROM Opportunity WHERE Name = 'Initech expansion'");
    await send({
      to: 'peter@initech.example',
      subject: 'Expansion',
      text: `Hello Peter,\n\nref: ${expansion}\n`,
      messageId: '<m-e2e-ref@acme.example>',
    });
    const outcome = await outcomeOf('<m-e2e-ref@acme.example>');
    expect(outcome?.matchedBy).toEqual({ who: 'single', what: 'ref' });
    expect((await taskOf(outcome)).WhatId).toBe(expansion);
  });

  it('gives a shared address to the contact whose account owns the named order', async () => {
    await send({ to: SHARED, subject: 'SO-104233 shipped', messageId: '<m-e2e-shared@acme.example>' });
    const outcome = await outcomeOf('<m-e2e-shared@acme.example>');
    expect(outcome?.matchedBy).toEqual({ who: 'context', what: 'order-number' });
    const task = await taskOf(outcome);
    const initech = await one("SELECT Id FROM Contact WHERE LastName = 'Orders Initech'");
    const globex = await one("SELECT Id FROM Contact WHERE LastName = 'Orders Globex'");
    expect(task.WhoId).toBe(initech);
    expect(task.WhatId).toBe(await one("SELECT Id FROM Order WHERE OrderNumber = 'SO-104233'"));
    // The org's policy is `all`: the other contact with the address is related too.
    expect(task.people).toEqual([globex, initech].sort());
  });

  it('follows the org’s policy when the mail names nothing of either account', async () => {
    await send({ to: SHARED, subject: 'Question', messageId: '<m-e2e-policy@acme.example>' });
    const outcome = await outcomeOf('<m-e2e-policy@acme.example>');
    expect(outcome?.matchedBy).toEqual({ who: 'policy:all', what: 'account' });
    const task = await taskOf(outcome);
    const globex = await one("SELECT Id FROM Contact WHERE LastName = 'Orders Globex'");
    const initech = await one("SELECT Id FROM Contact WHERE LastName = 'Orders Initech'");
    expect(task.WhoId).toBe(globex);
    expect(task.people).toEqual([globex, initech].sort());
  });
});
