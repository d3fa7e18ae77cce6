/** `capture status` and `capture replay` against the running local stack. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '#local/stack.ts';

const repo = join(import.meta.dirname, '../..');
let stack: LocalStack;

beforeAll(async () => {
  process.env.LOG_LEVEL = 'ERROR';
  stack = await startLocalStack({
    smtpPort: 0,
    sfPort: 0,
    visibilityTimeoutSeconds: { intake: 10, sync: 10 },
  });
});
afterAll(() => stack?.stop());

function capture(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repo, 'bin/capture.js'), ...args], {
      cwd: repo,
      env: {
        PATH: process.env.PATH ?? '',
        AWS_ENDPOINT_URL: stack.aws.endpoint,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_REGION: stack.aws.region,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('operator commands', () => {
  it('re-links unresolved mail once the contact exists, and shows the outcome', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtpPort, secure: false });
    await transport.sendMail({
      from: 'alice@acme.example',
      to: 'newbie@startup.example',
      bcc: stack.captureAddresses[0]!.address,
      subject: 'Welcome aboard',
      messageId: '<ops-1@acme.example>',
      text: 'hi',
    });
    transport.close();
    await stack.idle();
    const before = await capture(['status', '<ops-1@acme.example>', '--json']);
    expect(before.stderr).toBe('');
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({ outcome: 'unmatched' });

    stack.emulator!.seed({ Contact: [{ LastName: 'Newbie', Email: 'newbie@startup.example' }] });
    const replay = await capture(['replay', '--unresolved', '--json']);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({ unresolved: 1 });
    await stack.idle();
    const after = await capture(['status', 'ops-1@acme.example']);
    expect(after.stdout).toMatch(/^created {2}org acme {2}ses \w+ {2}task 00T/);
    expect(await stack.outcomes.listUnresolved('acme')).toEqual([]);
  });

  it('moves dead-lettered messages back to their queue', async () => {
    await stack.aws.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: stack.aws.resources.intakeQueueUrl, MessageBody: 'garbage' }),
    );
    await stack.idle();
    const dlq = await stack.aws.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.aws.resources.intakeDlqUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(dlq.Attributes?.ApproximateNumberOfMessages).toBe('1');
    const replay = await capture(['replay', '--dlq', '--stage', 'intake', '--json']);
    expect(JSON.parse(replay.stdout).intakeDlq).toBeGreaterThanOrEqual(1);
    // The replayed message went through the parse stage again (and, still garbage, back to the DLQ).
    await stack.idle();
    const again = await stack.aws.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.aws.resources.intakeDlqUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(Number(again.Attributes?.ApproximateNumberOfMessages)).toBeGreaterThanOrEqual(1);
    const missing = await capture(['status', '<nobody@nowhere>']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: no outcome recorded/);
    const usage = await capture(['replay']);
    expect(usage.code).toBe(1);
    expect(usage.stderr.trim()).toBe('error: say what to replay: --dlq or --unresolved');
  });
});
