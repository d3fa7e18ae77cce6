/**
 * Operator tools on a deployed (or local) pipeline:
 *   capture status <message-id>          outcome(s) of a message, by Message-ID or SES message id
 *   capture replay --dlq [--stage …]     move dead-lettered messages back to their queue
 *   capture replay --unresolved [--org]  send unmatched mail through the sync stage again
 * AWS access comes from the usual SDK settings (profile, AWS_REGION); AWS_ENDPOINT_URL points
 * them at the local stack. The bucket and queues are found by their names (shared/config/pipeline.ts).
 */
import { S3Client } from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import { S3MailStore } from '#shared/adapters/s3-mail-store.ts';
import { pipeline } from '#shared/config/pipeline.ts';
import { normaliseMessageId } from '#shared/domain/sync/capture-id.ts';
import type { SyncMessage } from '#shared/events/sync-message.ts';

interface AwsOptions {
  bucket?: string;
  region?: string;
}

function clients(options: AwsOptions) {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const local = Boolean(process.env.AWS_ENDPOINT_URL);
  return {
    s3: new S3Client({ region, forcePathStyle: local }),
    // Local stand-ins answer with queue URLs on hosts that do not resolve; keep using the endpoint.
    sqs: new SQSClient({ region, ...(local ? { useQueueUrlAsEndpoint: false } : {}) }),
    bucket: options.bucket ?? process.env.MAIL_BUCKET ?? pipeline.bucket.name,
  };
}

async function queueUrl(sqs: SQSClient, name: string): Promise<string> {
  const r = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  if (!r.QueueUrl) throw new Error(`queue ${name} not found`);
  return r.QueueUrl;
}

export function registerOperations(program: Command): void {
  program
    .command('status')
    .description('show the recorded outcome of a message (by Message-ID or SES message id)')
    .argument('<message-id>', 'Message-ID header (with or without <>) or SES message id')
    .option('--bucket <name>', 'mail bucket (default: MAIL_BUCKET or the pipeline default)')
    .option('--region <region>', 'AWS region')
    .option('--json', 'print JSON Lines')
    .action(async (id: string, options: AwsOptions & { json?: boolean }) => {
      const { s3, bucket } = clients(options);
      const store = new S3MailStore(s3, bucket);
      const wanted = normaliseMessageId(id);
      const found = (await store.list()).filter(
        (o) => o.sesMessageId === id || (o.messageId !== null && normaliseMessageId(o.messageId) === wanted),
      );
      if (found.length === 0) {
        process.stderr.write(`error: no outcome recorded for ${id} (still in flight, or never received)\n`);
        process.exitCode = 1;
        return;
      }
      for (const o of found) {
        process.stdout.write(
          options.json
            ? `${JSON.stringify(o)}\n`
            : `${o.outcome}${o.reason ? ` (${o.reason})` : ''}  org ${o.orgId ?? '-'}  ses ${o.sesMessageId}${o.taskId ? `  task ${o.taskId}` : ''}  at ${o.at}\n`,
        );
      }
    });

  program
    .command('replay')
    .description('send dead-lettered or unresolved messages through the pipeline again')
    .option('--dlq', 'move messages from the DLQs back to their queues')
    .option('--stage <stage>', 'with --dlq: intake, sync or both', 'both')
    .option('--unresolved', 'send unmatched mail (policy "unresolved") to the sync stage again')
    .option('--org <id>', 'with --unresolved: only this org')
    .option('--bucket <name>', 'mail bucket (default: MAIL_BUCKET or the pipeline default)')
    .option('--region <region>', 'AWS region')
    .option('--json', 'print a JSON summary')
    .action(
      async (
        options: AwsOptions & {
          dlq?: boolean;
          stage: string;
          unresolved?: boolean;
          org?: string;
          json?: boolean;
        },
      ) => {
        if (!options.dlq && !options.unresolved) throw new Error('say what to replay: --dlq or --unresolved');
        const { s3, sqs, bucket } = clients(options);
        const summary: Record<string, number> = {};
        if (options.dlq) {
          const stages = options.stage === 'both' ? ['intake', 'sync'] : [options.stage];
          for (const stage of stages) {
            if (stage !== 'intake' && stage !== 'sync')
              throw new Error(`--stage must be intake, sync or both, not ${stage}`);
            const q = pipeline.queues[stage];
            const [from, to] = await Promise.all([queueUrl(sqs, q.dlqName), queueUrl(sqs, q.name)]);
            let moved = 0;
            for (;;) {
              const batch =
                (
                  await sqs.send(
                    new ReceiveMessageCommand({
                      QueueUrl: from,
                      MaxNumberOfMessages: 10,
                      WaitTimeSeconds: 1,
                      VisibilityTimeout: 60,
                    }),
                  )
                ).Messages ?? [];
              if (batch.length === 0) break;
              for (const m of batch) {
                await sqs.send(
                  new SendMessageCommand({ QueueUrl: to, MessageBody: originalBody(m.Body ?? '') }),
                );
                await sqs.send(new DeleteMessageCommand({ QueueUrl: from, ReceiptHandle: m.ReceiptHandle }));
                moved++;
              }
              process.stderr.write(`${stage}: ${moved} moved\r`);
            }
            summary[`${stage}Dlq`] = moved;
          }
        }
        if (options.unresolved) {
          const store = new S3MailStore(s3, bucket);
          const syncUrl = await queueUrl(sqs, pipeline.queues.sync.name);
          const items = await store.listUnresolved(options.org);
          for (const item of items) {
            const email = await store.getParsed(item.parsedKey);
            const message: SyncMessage = {
              version: 1,
              orgId: item.orgId,
              sesMessageId: item.sesMessageId,
              parsedKey: item.parsedKey,
              messageId: email.messageId,
            };
            await sqs.send(
              new SendMessageCommand({ QueueUrl: syncUrl, MessageBody: JSON.stringify(message) }),
            );
            await store.deleteUnresolved(item.orgId, item.sesMessageId);
          }
          summary.unresolved = items.length;
        }
        process.stdout.write(
          options.json
            ? `${JSON.stringify(summary)}\n`
            : `${Object.entries(summary)
                .map(([k, v]) => `${k}: ${v} replayed`)
                .join('\n')}\n`,
        );
      },
    );
}

/** Messages the handlers dead-lettered carry their original body and reason; SQS-redriven ones are the original. */
function originalBody(body: string): string {
  try {
    const parsed = JSON.parse(body) as { stage?: unknown; reason?: unknown; body?: unknown };
    if (
      typeof parsed.body === 'string' &&
      typeof parsed.reason === 'string' &&
      typeof parsed.stage === 'string'
    )
      return parsed.body;
  } catch {
    // not JSON: the original message itself
  }
  return body;
}
