/**
 * The local stack with an operator's own org registry and Salesforce seed (CAPTURE_CONFIG, CAPTURE_SF_SEED):
 * a seed written like a data load (explicit ids, a custom lookup field, missing optional data).
 */
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LocalStack } from '#local/stack.ts';
import { startTestStack } from '../support/stack.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/own-org/${name}`, import.meta.url));
let stack: LocalStack;

beforeAll(async () => {
  process.env.LOG_LEVEL = 'ERROR';
  stack = await startTestStack({
    configPath: fixture('orgs.json'),
    seedPath: fixture('seed.json'),
  });
});
afterAll(() => stack?.stop());

it('captures mail for the operator’s domain into the operator’s seeded org', async () => {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtpPort, secure: false });
  await transport.sendMail({
    from: 'Rita <rep@zeta.io>',
    to: 'Cam <cam@customer.com>',
    bcc: 'zeta-q8w7e6r5t4y3@in.example.org',
    subject: 'Re: order Z123456',
    messageId: '<own1@zeta.io>',
    text: 'ok',
  });
  await transport.sendMail({
    envelope: { from: 'pat@prospect.net', to: ['zeta-shared-p0o9i8u7y6t5@in.example.org'] },
    from: 'Pat <pat@prospect.net>',
    to: 'sales@zeta.io',
    subject: 'Interested',
    messageId: '<own2@prospect.net>',
    text: 'hi',
  });
  transport.close();
  await stack.idle();
  const token = (await (
    await fetch(`${stack.salesforceUrl}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'local',
        client_secret: 'local',
      }),
    })
  ).json()) as { access_token: string };
  const soql = 'SELECT Subject, Owner.Email, Who.Name, WhatId FROM Task ORDER BY Subject';
  const result = (await (
    await fetch(`${stack.salesforceUrl}/services/data/v62.0/query?q=${encodeURIComponent(soql)}`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    })
  ).json()) as {
    records: { Subject: string; Owner: { Email: string }; Who: { Name: string }; WhatId: string | null }[];
  };
  expect(
    result.records.map((r) => [r.Subject, r.Owner.Email, r.Who.Name, r.WhatId?.slice(0, 3) ?? null]),
  ).toEqual([
    ['Email: Interested', 'owner@zeta.io', 'Prospect', null],
    ['Email: Re: order Z123456', 'rep@zeta.io', 'Cam Customer', '006'],
  ]);
});
