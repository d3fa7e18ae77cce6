/**
 * Operator tools on a deployed (or local) pipeline:
 *   capture status <message-id>          outcome(s) of a message, by Message-ID or SES message id
 *   capture status --org <id>            an org's mail waiting, deferred and failed (org-status.ts)
 *   capture replay --dlq [--stage …]     move dead-lettered messages back to their queue
 *   capture replay --unresolved [--org]  send unmatched mail through the sync stage again
 * Where: `--stack NAME` reads the bucket and queue URLs from the deployed stack's outputs
 * (CloudFormation), `--bucket NAME` names the bucket (queues then by their fixed names), else
 * MAIL_BUCKET or the local stack's bucket. AWS access comes from the usual SDK settings
 * (profile, AWS_REGION); AWS_ENDPOINT_URL points them at the local stack.
 */
import {
  CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
} from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { stackOutputs } from '#infra/outputs.ts';
import { S3MailStore } from '#shared/adapters/s3-mail-store.ts';
import { S3OrgStatus } from '#shared/adapters/s3-org-status.ts';
import { SqsQueue } from '#shared/adapters/sqs-queue.ts';
import { pipeline } from '#shared/config/pipeline.ts';
import { describeError } from '#shared/errors.ts';
import { replayUnresolvedMail } from '#shared/usecases/replay-unresolved.ts';
import { safeJson, safeLine } from '../output.ts';
import { usageError } from '../usage.ts';
import { formatOrgStatus, orgStatus } from './org-status.ts';

export interface AwsOptions {
  stack?: string;
  bucket?: string;
  region?: string;
}

type Stage = 'intake' | 'sync';

export interface Deployment {
  s3: S3Client;
  sqs: SQSClient;
  bucket: string;
  queueUrl(stage: Stage, which: 'queue' | 'dlq'): Promise<string>;
  /** The notices queue (capture digest). */
  noticesQueueUrl(): Promise<string>;
}

/** Credentials for an endpoint on this machine (the local stack's fauxqs takes any). */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Whether AWS_ENDPOINT_URL points at this machine: the local stack, which needs no credentials. */
export function isLocalEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

export async function deployment(options: AwsOptions): Promise<Deployment> {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const endpoint = process.env.AWS_ENDPOINT_URL;
  const local = Boolean(endpoint);
  // Never hand real credentials to a stand-in on this machine, and need none for it.
  const credentials = isLocalEndpoint(endpoint) ? { credentials: LOCAL_CREDENTIALS } : {};
  const s3 = new S3Client({ region, forcePathStyle: local, ...credentials });
  // Local stand-ins answer with queue URLs on hosts that do not resolve; keep using the endpoint.
  const sqs = new SQSClient({ region, ...credentials, ...(local ? { useQueueUrlAsEndpoint: false } : {}) });
  if (options.stack) {
    const outputs = await stackOutputsOf(new CloudFormationClient({ region }), options.stack);
    const output = (name: string) => {
      const value = outputs.get(name);
      if (!value)
        throw new Error(`stack ${options.stack} has no output ${name} (deployed before it existed?)`);
      return value;
    };
    const names = {
      intake: { queue: stackOutputs.intakeQueueUrl, dlq: stackOutputs.intakeDlqUrl },
      sync: { queue: stackOutputs.syncQueueUrl, dlq: stackOutputs.syncDlqUrl },
    } as const;
    return {
      s3,
      sqs,
      bucket: output(stackOutputs.bucket),
      queueUrl: async (stage, which) => output(names[stage][which]),
      noticesQueueUrl: async () => output(stackOutputs.noticesQueueUrl),
    };
  }
  const byName = async (name: string) => {
    const r = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!r.QueueUrl) throw new Error(`queue ${name} not found`);
    return r.QueueUrl;
  };
  return {
    s3,
    sqs,
    bucket: options.bucket ?? process.env.MAIL_BUCKET ?? pipeline.bucket.name,
    queueUrl: async (stage, which) =>
      byName(which === 'dlq' ? pipeline.queues[stage].dlqName : pipeline.queues[stage].name),
    noticesQueueUrl: () => byName(pipeline.queues.notices.name),
  };
}

async function stackOutputsOf(cfn: CloudFormationClient, stackName: string): Promise<Map<string, string>> {
  let stacks: DescribeStacksCommandOutput;
  try {
    stacks = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
  } catch (error) {
    throw new Error(`stack ${stackName}: ${describeError(error)}`);
  }
  const outputs = stacks.Stacks?.[0]?.Outputs ?? [];
  return new Map(
    outputs.flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])),
  );
}

export const whereOptions = (command: Command) =>
  command
    .option('--stack <name>', 'the deployed CloudFormation stack: bucket and queues from its outputs')
    .option('--bucket <name>', 'mail bucket (default: MAIL_BUCKET or the local stack’s)')
    .option('--region <region>', 'AWS region')
    .addHelpText(
      'after',
      '\nAWS access: the SDK settings (AWS_PROFILE, AWS_REGION, ...). Against the local stack set\n' +
        'AWS_ENDPOINT_URL to the address npm start prints (http://127.0.0.1:4566); it needs no credentials.',
    );

function seconds(value: string): number {
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 0 && n <= 900))
    throw new InvalidArgumentError(`${value} is not a number of seconds from 0 to 900`);
  return n;
}

/** `--stack` and `--bucket` both say where the mail bucket is: one of them. */
export function checkWhere(command: Command, options: AwsOptions): void {
  if (options.stack && options.bucket) usageError(command, 'give --stack or --bucket, not both');
}

/**
 * The AWS SDK's own messages name no setting ("Could not load credentials from any providers",
 * "connect ECONNREFUSED"): say which variable fixes it.
 */
export function explainAwsError(error: unknown): unknown {
  // Adapters wrap SDK errors (S3_ERROR: … (CredentialsProviderError)): look along the causes.
  const chain: unknown[] = [];
  for (let e: unknown = error; e !== undefined && chain.length < 5; e = (e as { cause?: unknown }).cause)
    chain.push(e);
  const name = chain.map((e) => (e instanceof Error ? e.name : '')).join(' ');
  const text = chain.map((e) => describeError(e)).join(' ');
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (/CredentialsProviderError/.test(`${name} ${text}`) || /could not load credentials/i.test(text)) {
    return new Error(
      'no AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) for a deployed stack, ' +
        'or AWS_ENDPOINT_URL=http://127.0.0.1:4566 (the address npm start prints) for the local stack',
    );
  }
  if (/ECONNREFUSED/.test(text) && endpoint) {
    return new Error(
      `nothing answers at AWS_ENDPOINT_URL=${endpoint}: is npm start running? (CAPTURE_AWS_PORT sets its port; it prints the address)`,
    );
  }
  return error;
}

export async function explained<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw explainAwsError(error);
  }
}

export function registerOperations(program: Command): void {
  registerStatus(program);
  registerReplay(program);
}

type StatusOptions = AwsOptions & { json?: boolean; wait: number; org?: string };

function registerStatus(program: Command): void {
  whereOptions(
    program
      .command('status')
      .description(
        'show the recorded outcome of a message (by Message-ID or SES message id), or with --org how an org’s mail stands',
      )
      .argument('[message-id]', 'Message-ID header (with or without <>) or SES message id'),
  )
    .option(
      '--org <id>',
      'instead of a message: the org’s mails waiting (and the oldest), deferred and failed',
    )
    .option('--json', 'print JSON Lines')
    .option('--wait <seconds>', 'wait up to this long for a message still in flight', seconds, 0)
    .action(async function (this: Command, id: string | undefined, options: StatusOptions) {
      checkWhere(this, options);
      if (options.org !== undefined) {
        if (id !== undefined) usageError(this, 'give a message id or --org, not both');
        await printOrgStatus(options.org, options);
        return;
      }
      if (id === undefined) usageError(this, "missing required argument 'message-id' (or --org <id>)");
      await printOutcomes(id, options);
    });
}

async function printOrgStatus(org: string, options: StatusOptions): Promise<void> {
  const report = await explained(async () => {
    const { s3, bucket } = await deployment(options);
    return orgStatus(new S3OrgStatus(s3, bucket), org);
  });
  process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : `${formatOrgStatus(report)}\n`);
}

/** The outcomes recorded for a message, waiting up to `--wait` seconds for one to appear. */
async function printOutcomes(id: string, options: StatusOptions): Promise<void> {
  const found = await explained(async () => {
    const { s3, bucket } = await deployment(options);
    const store = new S3MailStore(s3, bucket);
    const until = Date.now() + options.wait * 1000;
    for (;;) {
      const outcomes = await store.findOutcomes(id);
      if (outcomes.length > 0 || Date.now() >= until) return outcomes;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });
  if (found.length === 0) {
    process.stderr.write(
      `error: no outcome recorded for ${safeLine(id)} (still in flight, or never received; --wait <seconds> waits for it)\n`,
    );
    process.exitCode = 1;
    return;
  }
  for (const o of found) {
    process.stdout.write(
      options.json
        ? `${safeJson(o)}\n`
        : `${safeLine(`${o.outcome}${o.reason ? ` (${o.reason})` : ''}  org ${o.orgId ?? '-'}  ses ${o.sesMessageId}${o.taskId ? `  task ${o.taskId}` : ''}  at ${o.at}`)}\n`,
    );
  }
}

type ReplayOptions = AwsOptions & {
  dlq?: boolean;
  stage: string;
  unresolved?: boolean;
  org?: string;
  json?: boolean;
};

function registerReplay(program: Command): void {
  whereOptions(
    program
      .command('replay')
      .description('send dead-lettered or unresolved messages through the pipeline again'),
  )
    .option('--dlq', 'move messages from the DLQs back to their queues')
    .addOption(
      new Option('--stage <stage>', 'with --dlq: which DLQ')
        .choices(['intake', 'sync', 'both'])
        .default('both'),
    )
    .option('--unresolved', 'send unmatched mail (policy "unresolved") to the sync stage again')
    .option('--org <id>', 'with --unresolved: only this org')
    .option('--json', 'print a JSON summary')
    .action(async function (this: Command, options: ReplayOptions) {
      if (!options.dlq && !options.unresolved) usageError(this, 'say what to replay: --dlq or --unresolved');
      if (options.org && !options.unresolved) usageError(this, '--org goes with --unresolved');
      checkWhere(this, options);
      const summary = await replay(options);
      process.stdout.write(
        options.json
          ? `${safeJson(summary)}\n`
          : `${Object.entries(summary)
              .map(([k, v]) => `${k}: ${v} ${k === 'missing' ? 'not replayable' : 'replayed'}`)
              .join('\n')}\n`,
      );
    });
}

/** What `replay` moved, by DLQ and for unresolved mail. */
async function replay(options: ReplayOptions): Promise<Record<string, number>> {
  const stages: Stage[] = options.stage === 'both' ? ['intake', 'sync'] : [options.stage as Stage];
  const summary: Record<string, number> = {};
  await explained(async () => {
    const where = await deployment(options);
    if (options.dlq) {
      for (const stage of stages) summary[`${stage}Dlq`] = await replayDlq(where, stage);
    }
    if (options.unresolved) {
      const { replayed, missing } = await replayUnresolved(where, options.org);
      summary.unresolved = replayed;
      if (missing > 0) summary.missing = missing;
    }
  });
  return summary;
}

/**
 * Moves the messages a stage's DLQ held when the replay started back to its queue, as AWS's
 * redrive does: body and attributes unchanged, except the capture.* attributes the handler added
 * when it gave up. A message that fails again while the replay runs lands in the DLQ anew; it
 * is left there (released at the end), so a replay never loops.
 */
async function replayDlq(where: Deployment, stage: Stage): Promise<number> {
  const [from, to] = await Promise.all([where.queueUrl(stage, 'dlq'), where.queueUrl(stage, 'queue')]);
  const started = Date.now();
  const held: string[] = [];
  let moved = 0;
  for (;;) {
    const batch =
      (
        await where.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: from,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: 120,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['SentTimestamp'],
          }),
        )
      ).Messages ?? [];
    if (batch.length === 0) break;
    for (const m of batch) {
      if (Number(m.Attributes?.SentTimestamp ?? 0) >= started) {
        if (m.ReceiptHandle) held.push(m.ReceiptHandle);
        continue;
      }
      await where.sqs.send(
        new SendMessageCommand({
          QueueUrl: to,
          MessageBody: m.Body ?? '',
          MessageAttributes: keptAttributes(m),
        }),
      );
      await where.sqs.send(new DeleteMessageCommand({ QueueUrl: from, ReceiptHandle: m.ReceiptHandle }));
      moved++;
    }
    process.stderr.write(`${stage}: ${moved} moved\r`);
  }
  for (const handle of held) {
    // A handle may have gone stale on a long replay; the message then reappears on its own.
    await where.sqs
      .send(
        new ChangeMessageVisibilityCommand({ QueueUrl: from, ReceiptHandle: handle, VisibilityTimeout: 0 }),
      )
      .catch(() => undefined);
  }
  return moved;
}

function keptAttributes(m: Message): Message['MessageAttributes'] {
  return Object.fromEntries(
    Object.entries(m.MessageAttributes ?? {}).filter(([name]) => !name.startsWith('capture.')),
  );
}

/** Sends each unresolved message to the sync stage; one whose parsed copy is gone is reported, not fatal. */
async function replayUnresolved(where: Deployment, org: string | undefined) {
  const store = new S3MailStore(where.s3, where.bucket);
  const syncQueue = new SqsQueue(where.sqs, await where.queueUrl('sync', 'queue'));
  let replayed = 0;
  let missing = 0;
  for (const item of await store.listUnresolved(org)) {
    const result = await replayUnresolvedMail({ mail: store, syncQueue }, item);
    if (result.replayed) replayed++;
    else {
      process.stderr.write(`${safeLine(`missing: ${item.orgId}/${item.sesMessageId}: ${result.missing}`)}\n`);
      missing++;
    }
  }
  return { replayed, missing };
}
