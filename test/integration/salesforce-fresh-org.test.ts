/**
 * A new org, end to end: the local stack with its Salesforce emulator started fresh (what
 * CAPTURE_SF_FRESH=1 does for `npm start`): no Capture fields, no permission set, field-level
 * security on, and an integration user on the API-only profile, which the org's connected app
 * runs as. `capture salesforce check`, as that user, lists what is missing; `capture salesforce
 * setup`, as the admin, creates it and assigns it to the integration user. Without the field
 * grants every mail and invite fails naming the fields; without the permission set, naming the
 * object it reads first (salesforce-permission-missing), never quietly falling back; with it,
 * check is clean and an invite lands as an Event and a mail as Enhanced Email.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from '@jsforce/jsforce-node';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTEGRATION_USERNAME } from '#local/salesforce/object-security.ts';
import type { LocalStack } from '#local/stack.ts';
import type { OutcomeRecord } from '#shared/domain/outcome.ts';
import { demoSeed, jsforceFor } from '../support/salesforce.ts';
import { stackFiles, startTestStack } from '../support/stack.ts';

const repo = join(import.meta.dirname, '../..');
const BCC = 'fresh-q7w9e2r4t6y8@capture.localhost';
let stack: LocalStack;
let sf: Connection;
let transport: Transporter;
let dir: string;

beforeAll(async () => {
  process.env.LOG_LEVEL ??= 'ERROR';
  const files = stackFiles(
    'capture-fresh-',
    {
      captureDomain: 'capture.localhost',
      orgs: [
        {
          id: 'fresh',
          internalDomains: ['acme.example'],
          addresses: [{ token: 'fresh-q7w9e2r4t6y8', mode: 'bcc' }],
          defaultOwnerEmail: 'ops@acme.example',
          salesforce: { enhancedEmail: true },
        },
      ],
    },
    demoSeed,
  );
  dir = files.dir;
  stack = await startTestStack({ ...files, salesforceFresh: true });
  sf = await jsforceFor(stack.salesforceUrl);
  transport = nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtpPort, secure: false });
}, 60_000);

afterAll(async () => {
  transport?.close();
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * `capture <args>` with a connected app's credentials: the org's own (`local-fresh`, which runs as
 * its integration user), or the emulator's default app (`local`, which runs as the admin).
 */
function capture(args: string[], clientId = 'local-fresh'): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repo, 'bin/capture.js'), ...args], {
      cwd: repo,
      env: {
        PATH: process.env.PATH ?? '',
        SF_LOGIN_URL: stack.salesforceUrl,
        SF_CLIENT_ID: clientId,
        SF_CLIENT_SECRET: 'local',
      },
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

const check = async () =>
  JSON.parse((await capture(['salesforce', 'check', '--json'])).stdout) as {
    ok: boolean;
    missing: string[];
    checks: { name: string; ok: boolean; blocking: boolean; detail: string }[];
  };

async function outcomeOf(messageId: string): Promise<OutcomeRecord | undefined> {
  await stack.idle();
  return (await stack.outcomes.list()).find((o) => o.messageId === messageId);
}

const ics = (uid: string) =>
  [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Capture tests//EN',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'SEQUENCE:0',
    'DTSTAMP:20261120T080000Z',
    'DTSTART:20261203T150000Z',
    'DTEND:20261203T153000Z',
    'SUMMARY:Fresh org call',
    'ORGANIZER;CN=Alice Rep:mailto:alice@acme.example',
    'ATTENDEE;PARTSTAT=ACCEPTED:mailto:jane.doe@globex.example',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

const mail = (n: number): SendMailOptions => ({
  from: 'Alice Rep <alice@acme.example>',
  to: 'Jane Doe <jane.doe@globex.example>',
  subject: `Fresh org mail ${n}`,
  messageId: `<fresh-mail-${n}@acme.example>`,
  text: 'Hello Jane',
});
const invite = (n: number): SendMailOptions => ({
  from: 'Alice Rep <alice@acme.example>',
  to: 'Jane Doe <jane.doe@globex.example>',
  subject: `Invitation: Fresh org call ${n}`,
  messageId: `<fresh-invite-${n}@acme.example>`,
  text: 'Invited.',
  icalEvent: { method: 'request', content: ics(`fresh-${n}@acme.example`) },
});
const send = (m: SendMailOptions) =>
  transport.sendMail({ envelope: { from: 'alice@acme.example', to: [BCC] }, ...m });

describe('a fresh org through the local stack', () => {
  it('check lists what is missing; setup fixes it; without the permission set mail fails by name', {
    timeout: 180_000,
  }, async () => {
    const before = await check();
    expect(before.missing).toEqual(
      expect.arrayContaining([
        'field Task.Capture_Id__c',
        'field Event.Capture_Id__c',
        'field EmailMessage.Capture_Id__c',
        'permission set Capture_Integration',
      ]),
    );

    // As the README says: setup with an admin's credentials, naming the integration user.
    const setup = () => capture(['salesforce', 'setup', '--user', INTEGRATION_USERNAME], 'local');
    expect((await setup()).code).toBe(0);
    // The fields exist now; take their grants out of the permission set, which stays assigned.
    const grants = await sf.query<{ Id: string }>(
      "SELECT Id FROM FieldPermissions WHERE Parent.Name = 'Capture_Integration'",
    );
    expect(grants.totalSize).toBeGreaterThan(0);
    for (const g of grants.records) await sf.sobject('FieldPermissions').destroy(g.Id);
    const hidden = await check();
    expect(hidden.ok).toBe(false);
    expect(hidden.missing).toEqual(
      expect.arrayContaining([
        'Read and Edit on Task.Capture_Id__c',
        'Read and Edit on Event.Capture_Id__c',
        'Read and Edit on EmailMessage.Capture_Id__c',
      ]),
    );
    expect(hidden.checks).toContainEqual(
      expect.objectContaining({
        name: 'field Task.Capture_Id__c',
        ok: false,
        blocking: true,
        detail: expect.stringMatching(/^exists but hidden from this user by field-level security/),
      }),
    );

    await send(mail(1));
    await send(invite(1));
    const refusedMail = await outcomeOf('<fresh-mail-1@acme.example>');
    expect(refusedMail).toMatchObject({ outcome: 'failed', retryable: false });
    expect(refusedMail?.reason).toMatch(
      /^salesforce-permission-missing: read and edit on EmailMessage\.Capture_Id__c/,
    );
    expect(refusedMail?.reason).toMatch(/read and edit on Task\.Capture_Id__c/);
    const refusedInvite = await outcomeOf('<fresh-invite-1@acme.example>');
    expect(refusedInvite).toMatchObject({ outcome: 'failed', retryable: false });
    expect(refusedInvite?.reason).toMatch(
      /^salesforce-permission-missing: read and edit on Event\.Capture_Id__c, read and edit on Event\.Capture_Sequence__c/,
    );

    // Now take the permission set away: the integration user has the API-only profile, so its
    // object rights go with it, and the mail fails on the first object it reads.
    const [assignment] = (
      await sf.query<{ Id: string }>(
        "SELECT Id FROM PermissionSetAssignment WHERE PermissionSet.Name = 'Capture_Integration'",
      )
    ).records;
    await sf.sobject('PermissionSetAssignment').destroy(assignment!.Id);
    const bare = await check();
    expect(bare.missing).toEqual(
      expect.arrayContaining([
        'Read on Contact',
        'Create on Lead',
        'Read on Order',
        'Edit Tasks (user permission)',
        'Edit Events (user permission)',
      ]),
    );
    expect(bare.checks).toContainEqual(
      expect.objectContaining({ name: 'object rights', ok: false, blocking: true }),
    );
    await send(mail(3));
    expect(await outcomeOf('<fresh-mail-3@acme.example>')).toMatchObject({
      outcome: 'failed',
      retryable: false,
      reason: 'salesforce-permission-missing: read on Contact',
    });
    expect(stack.emulator?.records('Task')).toEqual([]);
    expect(stack.emulator?.records('Event')).toEqual([]);

    const again = await setup();
    expect(again.stdout).toMatch(/created {3}assignment to integration@capture\.localhost/);
    const clean = await check();
    expect(clean.missing).toEqual([]);
    expect(clean.ok).toBe(true);
    expect(clean.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([]);

    await send(mail(2));
    await send(invite(2));
    const logged = await outcomeOf('<fresh-mail-2@acme.example>');
    expect(logged).toMatchObject({ outcome: 'created' });
    const [message] = (
      await sf.query<{ ActivityId: string }>(
        "SELECT ActivityId FROM EmailMessage WHERE MessageIdentifier = '<fresh-mail-2@acme.example>'",
      )
    ).records;
    expect(message?.ActivityId).toBe(logged?.taskId);
    const event = await outcomeOf('<fresh-invite-2@acme.example>');
    expect(event).toMatchObject({ outcome: 'created', reason: 'event-created' });
    expect(stack.emulator?.records('Event').map((e) => e.Id)).toEqual([event?.taskId]);
  });
});
