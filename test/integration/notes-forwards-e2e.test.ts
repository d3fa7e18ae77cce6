/**
 * Forwards written by Lotus Notes / Domino and addresses left by Exchange gateways, through the
 * whole local pipeline: each fixture of test/fixtures/parse sent over SMTP to the BCC capture
 * address, the Task read back over REST. Every forward becomes a Task with the customer who wrote
 * the original; a reply whose history holds a forward stays what it was (internal mail, no Task).
 * One stack for the file, all mails sent together.
 */
import { readFileSync, rmSync } from 'node:fs';
import type { Connection } from '@jsforce/jsforce-node';
import nodemailer, { type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#local/stack.ts';
import type { OutcomeRecord } from '#shared/domain/outcome.ts';
import { demoSeed, jsforceFor } from '../support/salesforce.ts';
import { stackFiles, startTestStack } from '../support/stack.ts';

const BCC = 'acme-k7q2m9x4p8w3@capture.localhost';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/parse/${name}`, import.meta.url));

/** Fixture → the Message-ID it carries, the customer the Task must be with, the envelope sender. */
const FORWARDS: [string, string, string, string][] = [
  [
    'notes-dashed-forward.eml',
    '<notes-dashed@mail.acme.example>',
    'jane.doe@globex.example',
    'alice@acme.example',
  ],
  // Company directories hold local parts with doubled dots; the stand-in takes them as SES does.
  [
    'notes-tabbed-forward.eml',
    '<notes-tabbed@mail.acme.example>',
    'priya.natarajan@umbrella-freight.example',
    'ruth..mallory@acme.example',
  ],
  [
    'notes-nested-forward.eml',
    '<notes-nested@mail.acme.example>',
    'peter@initech.example',
    'alice@acme.example',
  ],
  [
    'notes-outlook-block-forward.eml',
    '<notes-outlook-block@mail.acme.example>',
    'chidi.okafor@vandelay.example',
    'bob@acme.example',
  ],
  [
    'notes-user-outlook-original.eml',
    '<notes-user-outlook@mail.acme.example>',
    'marta.lindqvist@hooli.example',
    'alice@acme.example',
  ],
  [
    'exchange-encapsulated-forward.eml',
    '<exchange-encapsulated@mail.acme.example>',
    'jane.doe@globex.example',
    'bob@acme.example',
  ],
  [
    'notes-html-forward.eml',
    '<notes-html@mail.acme.example>',
    'hana.kobayashi@globex.example',
    'alice@acme.example',
  ],
];
const REPLY = ['notes-reply-history.eml', '<notes-reply-history@mail.acme.example>'] as const;

const seed = structuredClone(demoSeed) as Record<string, unknown[]>;
seed.Account = [
  ...(seed.Account ?? []),
  { Name: 'Umbrella Freight', Website: 'umbrella-freight.example', OwnerId: '@User:alice@acme.example' },
  { Name: 'Vandelay Industries', Website: 'vandelay.example', OwnerId: '@User:bob@acme.example' },
  { Name: 'Hooli', Website: 'hooli.example', OwnerId: '@User:alice@acme.example' },
];
seed.Contact = [
  ...(seed.Contact ?? []),
  ...[
    ['Priya', 'Natarajan', 'priya.natarajan@umbrella-freight.example', 'Umbrella Freight'],
    ['Chidi', 'Okafor', 'chidi.okafor@vandelay.example', 'Vandelay Industries'],
    ['Marta', 'Lindqvist', 'marta.lindqvist@hooli.example', 'Hooli'],
    ['Hana', 'Kobayashi', 'hana.kobayashi@globex.example', 'Globex Corporation'],
  ].map(([FirstName, LastName, Email, account]) => ({
    FirstName,
    LastName,
    Email,
    AccountId: `@Account:${account}`,
  })),
];

let stack: LocalStack;
let sf: Connection;
let transport: Transporter;
let dir: string;
let outcomes: OutcomeRecord[];

beforeAll(async () => {
  process.env.LOG_LEVEL = 'ERROR';
  const registry = JSON.parse(readFileSync(new URL('../../local/demo/orgs.json', import.meta.url), 'utf8'));
  const files = stackFiles('capture-notes-', registry, seed);
  dir = files.dir;
  stack = await startTestStack({ seedPath: files.seedPath, configPath: files.configPath });
  sf = await jsforceFor(stack.salesforceUrl);
  transport = nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtpPort, secure: false });
  for (const [name, , , from] of FORWARDS) {
    await transport.sendMail({ envelope: { from, to: [BCC] }, raw: fixture(name) });
  }
  await transport.sendMail({ envelope: { from: 'alice@acme.example', to: [BCC] }, raw: fixture(REPLY[0]) });
  await stack.idle();
  outcomes = await stack.outcomes.list();
}, 60_000);

afterAll(async () => {
  transport?.close();
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const outcomeOf = (messageId: string) => outcomes.find((o) => o.messageId === messageId);

async function contactId(email: string): Promise<string | undefined> {
  const r = await sf.query<{ Id: string }>(`SELECT Id FROM Contact WHERE Email = '${email}'`);
  return r.records[0]?.Id;
}

describe('Notes and Exchange forwards through the local pipeline', () => {
  it.each(FORWARDS)('%s becomes a Task with the original sender', async (_name, messageId, customer) => {
    const outcome = outcomeOf(messageId);
    expect(outcome).toMatchObject({ outcome: 'created' });
    const task = await sf.query<{ WhoId: string }>(`SELECT WhoId FROM Task WHERE Id = '${outcome?.taskId}'`);
    expect(task.records[0]?.WhoId).toBe(await contactId(customer));
  });

  it('leaves a reply whose Notes history holds a forward as internal mail, with no Task', () => {
    expect(outcomeOf(REPLY[1])).toMatchObject({ outcome: 'unmatched', reason: 'no-external-participant' });
  });
});
