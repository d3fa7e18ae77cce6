/**
 * `capture status` and `capture replay` against the running local stack: DLQ messages keep the
 * stage's body (AWS's redrive and `replay --dlq` both work), fix-then-replay, unresolved replay,
 * status by Message-ID through the index, and `--stack` reading CloudFormation outputs.
 */
import { createServer, type Server } from 'node:http';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { stackOutputs } from '#infra/outputs.ts';
import { localAwsEnv, runCapture } from '../support/cli.ts';
import { useE2e } from '../support/e2e.ts';

const e2e = useE2e({
  // The demo seed without the default owner: mail from a rep who is no User cannot get an owner.
  seed: (demo) => ({
    ...demo,
    User: demo.User?.filter((u) => (u as { Email: string }).Email !== 'ops@acme.example'),
  }),
  visibilityTimeoutSeconds: { intake: 10, sync: 10 },
});
const stack = () => e2e.stack;

/** `capture` pointed at the local stack's AWS stand-in, as an operator points it at theirs. */
const capture = (args: string[], extraEnv: Record<string, string> = {}) =>
  runCapture(args, {
    env: { ...localAwsEnv(stack().aws), ...extraEnv },
  });

async function send(mail: { from: string; to: string; subject: string; messageId: string; text?: string }) {
  await e2e.send({ text: 'hi', ...mail, bcc: stack().captureAddresses[0]!.address });
}

async function depth(url: string): Promise<number> {
  const r = await stack().aws.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(r.Attributes?.ApproximateNumberOfMessages);
}

/** Receives and deletes every message of a queue. */
async function drain(url: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const r = await stack().aws.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 30,
        MessageAttributeNames: ['All'],
      }),
    );
    if (!r.Messages?.length) return all;
    all.push(...r.Messages);
    for (const m of r.Messages) {
      await stack().aws.clients.sqs.send(
        new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }),
      );
    }
  }
}

/** What AWS's StartMessageMoveTask does (fauxqs lacks it): bodies and attributes moved unchanged. */
async function awsRedrive(messages: Message[], to: string): Promise<void> {
  // The messages were drained (received and deleted) from the DLQ: only the send is left to do.
  for (const m of messages) {
    await stack().aws.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: to, MessageBody: m.Body, MessageAttributes: m.MessageAttributes }),
    );
  }
}

describe('operator commands', () => {
  it('re-links unresolved mail once the contact exists, and shows the outcome', async () => {
    await send({
      from: 'alice@acme.example',
      to: 'newbie@startup.example',
      subject: 'Welcome aboard',
      messageId: '<ops-1@acme.example>',
    });
    await stack().idle();
    const before = await capture(['status', '<ops-1@acme.example>', '--json']);
    expect(before.stderr).toBe('');
    expect(before.code).toBe(0);
    expect(JSON.parse(before.stdout)).toMatchObject({ outcome: 'unmatched' });

    stack().emulator!.seed({ Contact: [{ LastName: 'Newbie', Email: 'newbie@startup.example' }] });
    const replay = await capture(['replay', '--unresolved', '--json']);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({ unresolved: 1 });
    await stack().idle();
    const after = await capture(['status', 'ops-1@acme.example']);
    expect(after.stdout).toMatch(/^created {2}org acme {2}ses \w+ {2}task 00T/);
    // By SES message id too.
    const sesId = /ses (\w+)/.exec(after.stdout)![1]!;
    expect((await capture(['status', sesId])).stdout).toBe(after.stdout);
    expect(await stack().outcomes.listUnresolved('acme')).toEqual([]);
  });

  it('keeps a created outcome when the same message is delivered to sync again', async () => {
    await send({
      from: 'alice@acme.example',
      to: 'jane.doe@globex.example',
      subject: 'Again',
      messageId: '<ops-again@acme.example>',
      // Over the size a sync message carries: the email is in S3 and the message only names it.
      text: 'Long notes. '.repeat(7000),
    });
    await stack().idle();
    const first = JSON.parse((await capture(['status', '<ops-again@acme.example>', '--json'])).stdout);
    expect(first).toMatchObject({ outcome: 'created' });
    // A redelivery: the same sync pointer once more; sync finds the Task and says `duplicate`.
    await stack().aws.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack().aws.resources.syncQueueUrl,
        MessageBody: JSON.stringify({
          version: 1,
          orgId: 'acme',
          sesMessageId: first.sesMessageId,
          parsedKey: `parsed/acme/${first.sesMessageId}.json`,
          messageId: first.messageId,
        }),
      }),
    );
    await stack().idle();
    const after = JSON.parse((await capture(['status', '<ops-again@acme.example>', '--json'])).stdout);
    expect(after).toEqual(first);
  });

  it('dead-letters with the body unchanged and a reason; after the fix both AWS redrive and replay --dlq create the Task', async () => {
    for (const n of [1, 2]) {
      await send({
        from: `newrep${n}@acme.example`,
        to: 'jane.doe@globex.example',
        subject: `From a new rep ${n}`,
        messageId: `<ops-owner-${n}@acme.example>`,
      });
    }
    await stack().idle();
    for (const n of [1, 2]) {
      const status = JSON.parse(
        (await capture(['status', `<ops-owner-${n}@acme.example>`, '--json'])).stdout,
      );
      expect(status).toMatchObject({
        outcome: 'failed',
        stage: 'sync',
        reason: expect.stringContaining('no active Salesforce User'),
      });
    }
    const dead = await drain(stack().aws.resources.syncDlqUrl);
    expect(dead).toHaveLength(2);
    for (const m of dead) {
      // The body is the sync stage's own message, as it was; why and when are attributes.
      expect(JSON.parse(m.Body!)).toMatchObject({
        version: 1,
        orgId: 'acme',
        parsedKey: expect.stringMatching(/^parsed\//),
      });
      expect(m.MessageAttributes?.['capture.stage']?.StringValue).toBe('sync');
      expect(m.MessageAttributes?.['capture.reason']?.StringValue).toMatch(/no active Salesforce User/);
      expect(Date.parse(m.MessageAttributes?.['capture.failedAt']?.StringValue ?? '')).not.toBeNaN();
      expect(m.MessageAttributes?.orgId?.StringValue).toBe('acme');
    }
    // The fix: the reps become Salesforce Users.
    stack().emulator!.seed({
      User: [1, 2].map((n) => ({
        Username: `newrep${n}@acme.example`,
        Email: `newrep${n}@acme.example`,
        LastName: `Rep${n}`,
        Alias: `nrep${n}`,
        IsActive: true,
      })),
    });
    const byMessageId = (n: number) => dead.find((m) => m.Body!.includes(`ops-owner-${n}@acme.example`))!;
    // One through AWS's own redrive (bodies and attributes moved as they are)…
    await awsRedrive([byMessageId(1)], stack().aws.resources.syncQueueUrl);
    await stack().idle();
    // …one through `capture replay --dlq` (drained above: put back into the DLQ as it was first).
    await stack().aws.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack().aws.resources.syncDlqUrl,
        MessageBody: byMessageId(2).Body,
        MessageAttributes: byMessageId(2).MessageAttributes,
      }),
    );
    const replay = await capture(['replay', '--dlq', '--stage', 'sync', '--json']);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({ syncDlq: 1 });
    await stack().idle();
    for (const n of [1, 2]) {
      const status = JSON.parse(
        (await capture(['status', `<ops-owner-${n}@acme.example>`, '--json'])).stdout,
      );
      expect(status).toMatchObject({ outcome: 'created', taskId: expect.stringMatching(/^00T/) });
    }
    expect(await depth(stack().aws.resources.syncDlqUrl)).toBe(0);
  });

  it('moves an intake DLQ message back unchanged; garbage is refused again with its reason', async () => {
    await stack().aws.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: stack().aws.resources.intakeQueueUrl, MessageBody: 'garbage' }),
    );
    await stack().idle();
    expect(await depth(stack().aws.resources.intakeDlqUrl)).toBe(1);
    const replay = await capture(['replay', '--dlq', '--stage', 'intake', '--json']);
    expect(JSON.parse(replay.stdout)).toEqual({ intakeDlq: 1 });
    await stack().idle();
    const again = await drain(stack().aws.resources.intakeDlqUrl);
    expect(again.map((m) => [m.Body, m.MessageAttributes?.['capture.reason']?.StringValue])).toEqual([
      ['garbage', 'invalid queue message'],
    ]);
    const missing = await capture(['status', '<nobody@nowhere>']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: no outcome recorded/);
    const usage = await capture(['replay']);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim()).toBe('error: say what to replay: --dlq or --unresolved');
  });

  it('reports unresolved mail whose parsed copy is gone, and replays the rest', async () => {
    await stack().outcomes.putUnresolved('acme', 'gone-1', 'parsed/acme/gone-1.json');
    const replay = await capture(['replay', '--unresolved', '--json']);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toEqual({ unresolved: 0, missing: 1 });
    expect(replay.stderr).toContain('missing: acme/gone-1: NOT_FOUND');
  });

  it('finds a deployed stack’s bucket and queues from its CloudFormation outputs (--stack)', async () => {
    const r = stack().aws.resources;
    const outputs: Record<string, string> = {
      [stackOutputs.bucket]: r.bucket,
      [stackOutputs.intakeQueueUrl]: r.intakeQueueUrl,
      [stackOutputs.intakeDlqUrl]: r.intakeDlqUrl,
      [stackOutputs.syncQueueUrl]: r.syncQueueUrl,
      [stackOutputs.syncDlqUrl]: r.syncDlqUrl,
    };
    const cfn = await fakeCloudFormation('Capture', outputs);
    try {
      const env = { AWS_ENDPOINT_URL_CLOUDFORMATION: cfn.url };
      const status = await capture(['status', '<ops-1@acme.example>', '--stack', 'Capture'], env);
      expect(status.stderr).toBe('');
      expect(status.stdout).toMatch(/^created {2}org acme/);
      const replay = await capture(['replay', '--dlq', '--stack', 'Capture', '--json'], env);
      expect(JSON.parse(replay.stdout)).toEqual({ intakeDlq: 0, syncDlq: 0 });
      expect(
        cfn.requests.every(
          (body) => body.includes('Action=DescribeStacks') && body.includes('StackName=Capture'),
        ),
      ).toBe(true);
      const unknown = await capture(['status', 'x', '--stack', 'Nope'], env);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/stack Nope: .*does not exist/);
    } finally {
      await cfn.close();
    }
  });
});

/** CloudFormation's DescribeStacks (query protocol, XML) for one stack, as the SDK reads it. */
async function fakeCloudFormation(name: string, outputs: Record<string, string>) {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests.push(body);
      const wanted = new URLSearchParams(body).get('StackName');
      res.setHeader('content-type', 'text/xml');
      if (wanted !== name) {
        res.statusCode = 400;
        res.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${wanted} does not exist</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
        );
        return;
      }
      const members = Object.entries(outputs)
        .map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`)
        .join('');
      res.end(
        `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>${name}</StackName><StackId>arn:aws:cloudformation:us-east-1:000000000000:stack/${name}/1</StackId><CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
