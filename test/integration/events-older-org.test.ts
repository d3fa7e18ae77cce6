/**
 * An older org through the local pipeline: no Enhanced Email and no Shared Activities. An org
 * configured for Enhanced Email still gets its mail as plain Tasks (nothing to log EmailMessages
 * in), and a meeting invite's Event has its one WhoId and invitee rows only.
 */
import { rmSync } from 'node:fs';
import type { Connection } from '@jsforce/jsforce-node';
import nodemailer, { type Transporter } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '#local/stack.ts';
import type { OutcomeRecord } from '#shared/domain/outcome.ts';
import { demoSeed, jsforceFor } from '../support/salesforce.ts';
import { stackFiles } from '../support/stack.ts';

const BCC = 'older-w2e4r6t8y1u3@capture.localhost';
let stack: LocalStack;
let sf: Connection;
let transport: Transporter;
let dir: string;

beforeAll(async () => {
  process.env.LOG_LEVEL ??= 'ERROR';
  const files = stackFiles(
    'capture-older-',
    {
      captureDomain: 'capture.localhost',
      orgs: [
        {
          id: 'older',
          internalDomains: ['acme.example'],
          addresses: [{ token: 'older-w2e4r6t8y1u3', mode: 'bcc' }],
          defaultOwnerEmail: 'ops@acme.example',
          salesforce: { enhancedEmail: true },
        },
      ],
    },
    { ...demoSeed, Organization: [{ SharedActivitiesEnabled: false, EnhancedEmailEnabled: false }] },
  );
  dir = files.dir;
  const { configPath, seedPath } = files;
  stack = await startLocalStack({ smtpPort: 0, sfPort: 0, seedPath, configPath, allowTestVerdicts: true });
  sf = await jsforceFor(stack.salesforceUrl);
  transport = nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtpPort, secure: false });
}, 60_000);

afterAll(async () => {
  transport?.close();
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function outcomeOf(messageId: string): Promise<OutcomeRecord | undefined> {
  await stack.idle();
  return (await stack.outcomes.list()).find((o) => o.messageId === messageId);
}
const idOf = async (soql: string) => (await sf.query<{ Id: string }>(soql)).records[0]?.Id;

const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Capture tests//EN',
  'METHOD:REQUEST',
  'BEGIN:VEVENT',
  'UID:older-1@acme.example',
  'SEQUENCE:0',
  'DTSTAMP:20261120T080000Z',
  'DTSTART:20261203T150000Z',
  'DTEND:20261203T153000Z',
  'SUMMARY:Older org call',
  'ORGANIZER;CN=Alice Rep:mailto:alice@acme.example',
  'ATTENDEE;PARTSTAT=ACCEPTED:mailto:jane.doe@globex.example',
  "ATTENDEE;PARTSTAT=TENTATIVE:mailto:o'brien@globex.example",
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

describe('an org without Enhanced Email and Shared Activities', () => {
  it('logs mail as plain Tasks although the registry asks for Enhanced Email', async () => {
    await transport.sendMail({
      envelope: { from: 'alice@acme.example', to: [BCC] },
      from: 'Alice Rep <alice@acme.example>',
      to: 'Jane Doe <jane.doe@globex.example>',
      subject: 'Plain in an older org',
      messageId: '<older-mail-1@acme.example>',
      text: 'Hello Jane',
    });
    const outcome = await outcomeOf('<older-mail-1@acme.example>');
    expect(outcome).toMatchObject({ outcome: 'created' });
    const [task] = (
      await sf.query<{ Id: string; WhoId: string }>(
        `SELECT Id, WhoId FROM Task WHERE Id = '${outcome?.taskId}'`,
      )
    ).records;
    expect(task?.WhoId).toBe(await idOf("SELECT Id FROM Contact WHERE Email = 'jane.doe@globex.example'"));
  });

  it('writes an invite as an Event with its WhoId and invitee rows only', async () => {
    await transport.sendMail({
      envelope: { from: 'alice@acme.example', to: [BCC] },
      from: 'Alice Rep <alice@acme.example>',
      to: "Jane Doe <jane.doe@globex.example>, Sean O'Brien <o'brien@globex.example>",
      subject: 'Invitation: Older org call',
      messageId: '<older-invite-1@acme.example>',
      text: 'Invited.',
      icalEvent: { method: 'request', content: ICS },
    });
    const outcome = await outcomeOf('<older-invite-1@acme.example>');
    expect(outcome).toMatchObject({ outcome: 'created', reason: 'event-created' });
    const rows = (
      await sf.query<{ RelationId: string; IsParent: boolean; IsInvitee: boolean; Status: string }>(
        `SELECT RelationId, IsParent, IsInvitee, Status FROM EventRelation WHERE EventId = '${outcome?.taskId}'`,
      )
    ).records;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.IsInvitee && !r.IsParent)).toBe(true);
  });
});
