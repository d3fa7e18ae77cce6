/**
 * `npm start` keeps its state in CAPTURE_DATA_DIR: the stack runs as a child process exactly as
 * `npm start` runs it, is killed with SIGKILL while mail is still going through, and is started
 * again on the same directory. Every mail the SMTP stand-in acknowledged with 250 must end as
 * exactly one Task, read back over REST with jsforce.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeline } from '#shared/config/pipeline.ts';
import { jsforceFor } from '../support/salesforce.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const BCC = 'acme-k7q2m9x4p8w3@capture.localhost';
const MAILS = 30;

interface Running {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  smtpPort: number;
  salesforceUrl: string;
  awsEndpoint: string;
  exited: Promise<number | null>;
}

let dataDir: string;
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'capture-data-'));
});
afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** `npm start [args]` with free ports and the test's data directory; resolves once it says ready. */
async function start(args: string[] = [], more: NodeJS.ProcessEnv = {}): Promise<Running> {
  const env: NodeJS.ProcessEnv = {
    ...more,
    PATH: process.env.PATH ?? '',
    CAPTURE_SMTP_PORT: '0',
    CAPTURE_SF_PORT: '0',
    CAPTURE_AWS_PORT: '0',
    CAPTURE_BATCH_WINDOW_SECONDS: '0.1',
    CAPTURE_DATA_DIR: dataDir,
    LOG_LEVEL: 'SILENT',
  };
  const child = spawn(
    process.execPath,
    ['--no-warnings=ExperimentalWarning', join(repo, 'local/start.ts'), ...args],
    { cwd: repo, env },
  );
  children.push(child);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (/^ready$/m.test(output)) resolve();
    };
    child.stdout.on('data', check);
    void exited.then(() => reject(new Error(`npm start exited before ready:\n${output}`)));
  });
  const find = (re: RegExp) => {
    const m = re.exec(output);
    if (!m?.[1]) throw new Error(`not in the output of npm start (${re}):\n${output}`);
    return m[1];
  };
  return {
    child,
    output: () => output,
    smtpPort: Number(find(/^smtp: localhost:(\d+)$/m)),
    salesforceUrl: find(/^salesforce emulator: (\S+)/m),
    awsEndpoint: find(/^aws \(S3\/SNS\/SQS\): (\S+)/m),
    exited,
  };
}

/** Waits until the parse stage's queues (intake, lines) and the sync queue hold nothing, visible or in flight. */
async function settled(stack: Running): Promise<void> {
  const sqs = new SQSClient({
    endpoint: stack.awsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const depth = async (name: string) => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    const a =
      (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
              'ApproximateNumberOfMessagesDelayed',
            ],
          }),
        )
      ).Attributes ?? {};
    return (
      Number(a.ApproximateNumberOfMessages) +
      Number(a.ApproximateNumberOfMessagesNotVisible) +
      Number(a.ApproximateNumberOfMessagesDelayed)
    );
  };
  try {
    // The parse stage sends to the sync queue before it lets go of its own message.
    for (let quiet = 0; quiet < 2; ) {
      const { intake, lines, sync } = pipeline.queues;
      const busy = (await depth(intake.name)) + (await depth(lines.name)) + (await depth(sync.name));
      quiet = busy === 0 ? quiet + 1 : 0;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    sqs.destroy();
  }
}

async function crashTasks(salesforceUrl: string): Promise<Map<string, number>> {
  const sf = await jsforceFor(salesforceUrl);
  const r = await sf.query<{ Subject: string }>(
    "SELECT Id, Subject FROM Task WHERE Subject LIKE 'Email: Crash run %'",
  );
  const counts = new Map<string, number>();
  for (const t of r.records) counts.set(t.Subject, (counts.get(t.Subject) ?? 0) + 1);
  return counts;
}

describe('npm start with a data directory', () => {
  const acknowledged = new Set<number>();

  it('loses no acknowledged mail when killed mid-stream, and makes no Task twice', async () => {
    const first = await start();
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: first.smtpPort,
      secure: false,
      pool: true,
      maxConnections: 3,
    });
    let killed = false;
    await Promise.allSettled(
      Array.from({ length: MAILS }, async (_, i) => {
        await transport.sendMail({
          from: 'Alice Rep <alice@acme.example>',
          to: 'Jane Doe <jane.doe@globex.example>',
          bcc: BCC,
          subject: `Crash run ${i}`,
          messageId: `<crash-run-${i}@acme.example>`,
          text: 'Sent while the stack goes down.',
        });
        acknowledged.add(i);
        // Kill once a third is acknowledged: the rest is in the queues, in the handlers or unsent.
        if (!killed && acknowledged.size >= MAILS / 3) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }),
    );
    transport.close();
    await first.exited;
    expect(killed).toBe(true);
    expect(acknowledged.size).toBeGreaterThanOrEqual(MAILS / 3);

    const second = await start();
    await settled(second);
    const tasks = await crashTasks(second.salesforceUrl);
    for (const i of acknowledged) expect(tasks.get(`Email: Crash run ${i}`), `mail ${i}`).toBe(1);
    // Mail refused by the crash may have been stored before the connection dropped; never twice.
    for (const count of tasks.values()) expect(count).toBe(1);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output()).toMatch(/SIGTERM: draining/);
  }, 120_000);

  it('keeps Tasks across a clean restart and starts empty with --fresh', async () => {
    const again = await start();
    expect((await crashTasks(again.salesforceUrl)).size).toBeGreaterThanOrEqual(acknowledged.size);
    // A second stack on the same directory would take over the first one's messages: refused.
    await expect(start()).rejects.toThrow(/error: .*data directory .* is in use by process \d+/);
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);

    // --fresh empties what the stack keeps, and nothing else in the directory.
    writeFileSync(join(dataDir, 'notes.txt'), 'mine');
    const fresh = await start(['--fresh']);
    expect((await crashTasks(fresh.salesforceUrl)).size).toBe(0);
    expect(readFileSync(join(dataDir, 'notes.txt'), 'utf8')).toBe('mine');
    // The demo seed is back: the org is usable right away.
    const sf = await jsforceFor(fresh.salesforceUrl);
    expect((await sf.query('SELECT Id FROM User')).records.length).toBeGreaterThan(0);
    fresh.child.kill('SIGTERM');
    expect(await fresh.exited).toBe(0);
  }, 60_000);

  it('with CAPTURE_SF_FRESH=1 starts a new org and prints the setup its admin runs, which works as printed', async () => {
    const stack = await start(['--fresh'], { CAPTURE_SF_FRESH: '1' });
    const command = /^salesforce setup, a new org: (.+)$/m.exec(stack.output())?.[1];
    expect(command).toBe(
      `SF_LOGIN_URL=${stack.salesforceUrl} SF_CLIENT_ID=local SF_CLIENT_SECRET=local npx capture salesforce setup --user integration@capture.localhost`,
    );
    const setup = spawnSync(command!, {
      cwd: repo,
      shell: true,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    });
    expect(setup.status, setup.stdout + setup.stderr).toBe(0);
    expect(setup.stdout).toMatch(/created {3}assignment to integration@capture\.localhost/);
    stack.child.kill('SIGTERM');
    expect(await stack.exited).toBe(0);
  }, 60_000);
});
