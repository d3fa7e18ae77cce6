/**
 * The API budget guard through the local stack: an org whose Salesforce usage (Sforce-Limit-Info)
 * passes `salesforce.apiBudgetPercent` of its daily limit stops writing; its mail waits in the
 * queue as `deferred-api-budget` (shown by `capture status --org`), and lands once usage falls,
 * each mail exactly once, nothing in a DLQ. The emulator's limit is small (CAPTURE_SF_API_LIMIT's
 * option) so a few mails pass the threshold; the hand-back delay is a second instead of minutes.
 */
import { randomBytes } from 'node:crypto';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSeedPath, type LocalStack } from '#local/stack.ts';
import { S3OrgStatus } from '#shared/adapters/s3-org-status.ts';
import { orgStatus } from '../../cli/commands/org-status.ts';
import { localAwsEnv, runCapture } from '../support/cli.ts';
import { stackFiles, startTestStack } from '../support/stack.ts';

let stack: LocalStack;
const token = `acme-${randomBytes(8).toString('hex')}`;

beforeAll(async () => {
  process.env.LOG_LEVEL = 'ERROR';
  const { configPath } = stackFiles(
    'capture-budget-',
    {
      captureDomain: 'capture.localhost',
      orgs: [
        {
          id: 'acme',
          internalDomains: ['acme.example'],
          addresses: [{ token, mode: 'bcc' }],
          defaultOwnerEmail: 'ops@acme.example',
          salesforce: { apiBudgetPercent: 50 },
        },
      ],
    },
    {},
  );
  stack = await startTestStack({
    configPath,
    seedPath: defaultSeedPath,
    salesforceApiLimit: 60,
    fairness: {
      apiUsageMaxAgeMs: 0,
      handBackDelaySeconds: {
        'deferred-org-busy': [0, 1],
        'deferred-org-slow': [0, 0],
        'deferred-api-budget': [1, 1],
      },
    },
  });
});
afterAll(() => stack?.stop());

async function send(subject: string) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtpPort, secure: false });
  try {
    await transport.sendMail({
      from: 'alice@acme.example',
      to: 'jane.doe@globex.example',
      bcc: `${token}@capture.localhost`,
      subject,
      text: 'About ORD-10042.',
    });
  } finally {
    transport.close();
  }
}

const tasks = (subject: string) =>
  (stack.emulator?.records('Task') ?? []).filter((t) => t.Subject === `Email: ${subject}`);

async function status(): Promise<{
  waiting: { count: number };
  lastHour: { synced: number; deferred: Record<string, number> };
}> {
  const run = await runCapture(['status', '--org', 'acme', '--json'], { env: localAwsEnv(stack.aws) });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

/** Hand-backs for the API budget so far (what `capture status --org` reads, read in this process). */
async function deferrals(): Promise<number> {
  const report = await orgStatus(new S3OrgStatus(stack.aws.clients.s3, stack.aws.resources.bucket), 'acme');
  return report.lastHour.deferred['deferred-api-budget'] ?? 0;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 20_000) {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('an org past its API budget', () => {
  it('defers its mail while usage is over the threshold and writes it, once, after usage falls', async () => {
    // Mail after mail until the org's usage passes half of its 60 requests: the next one waits.
    const subjects: string[] = [];
    for (let i = 0; subjects.length < 12; i++) {
      const subject = `Budget mail ${i}`;
      subjects.push(subject);
      await send(subject);
      await until(async () => tasks(subject).length > 0 || (await deferrals()) > 0, `mail ${i}`);
      if (tasks(subject).length === 0) break;
    }
    const waiting = subjects.at(-1) as string;
    expect(tasks(waiting)).toHaveLength(0);
    const held = await status();
    expect(held.waiting.count).toBe(1);
    expect(held.lastHour.deferred['deferred-api-budget']).toBeGreaterThanOrEqual(1);

    // The 24-hour window moves past the requests: the waiting mail is written on its next turn.
    stack.emulator?.forgetApiUsage();
    await until(() => tasks(waiting).length > 0, 'the waiting mail to land');
    await stack.idle();
    for (const subject of subjects) expect(tasks(subject), subject).toHaveLength(1);
    const after = await status();
    expect(after.waiting.count).toBe(0);
    expect(after.lastHour.synced).toBe(subjects.length);
    const dlq = await stack.aws.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.aws.resources.syncDlqUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(dlq.Attributes?.ApproximateNumberOfMessages).toBe('0');
  }, 90_000);
});
