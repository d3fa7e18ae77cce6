/**
 * The local stack with an operator's own org registry and Salesforce seed (CAPTURE_CONFIG, CAPTURE_SF_SEED):
 * a seed written like a data load (explicit ids, a custom lookup field, missing optional data).
 */
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { useE2e } from '../support/e2e.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/own-org/${name}`, import.meta.url));
const e2e = useE2e({ configPath: fixture('orgs.json'), seedPath: fixture('seed.json') });

it('captures mail for the operator’s domain into the operator’s seeded org', async () => {
  await e2e.send({
    from: 'Rita <rep@zeta.io>',
    to: 'Cam <cam@customer.com>',
    bcc: 'zeta-q8w7e6r5t4y3@in.example.org',
    subject: 'Re: order Z123456',
    messageId: '<own1@zeta.io>',
    text: 'ok',
  });
  await e2e.send({
    envelope: { from: 'pat@prospect.net', to: ['zeta-shared-p0o9i8u7y6t5@in.example.org'] },
    from: 'Pat <pat@prospect.net>',
    to: 'sales@zeta.io',
    subject: 'Interested',
    messageId: '<own2@prospect.net>',
    text: 'hi',
  });
  await e2e.stack.idle();
  const tasks = await e2e.records<{
    Subject: string;
    Owner: { Email: string };
    Who: { Name: string };
    WhatId: string | null;
  }>('SELECT Subject, Owner.Email, Who.Name, WhatId FROM Task ORDER BY Subject');
  expect(tasks.map((r) => [r.Subject, r.Owner.Email, r.Who.Name, r.WhatId?.slice(0, 3) ?? null])).toEqual([
    ['Email: Interested', 'owner@zeta.io', 'Prospect', null],
    ['Email: Re: order Z123456', 'rep@zeta.io', 'Cam Customer', '006'],
  ]);
});
