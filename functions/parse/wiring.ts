/** Builds the parse function's dependencies from its environment, once per cold start. */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import { S3AttachmentStore } from '#shared/adapters/s3-attachment-store.ts';
import { S3MailStore } from '#shared/adapters/s3-mail-store.ts';
import { SqsQueue } from '#shared/adapters/sqs-queue.ts';
import { ParseEnvSchema, parseEnv } from '#shared/config/env.ts';
import { loadRegistryFile } from '#shared/config/registry-file.ts';
import { logger, withOutcomeMetrics } from '#shared/observability.ts';
import type { CaptureMessageDeps, ParseMessage } from '#shared/usecases/capture-message.ts';
import type { DeadLetterDeps } from '#shared/usecases/dead-letter.ts';

export type ParseDeps = CaptureMessageDeps & DeadLetterDeps;

export function parseDepsFromEnv(
  env: NodeJS.ProcessEnv,
  clients: { s3?: S3Client; sqs?: SQSClient } = {},
): ParseDeps {
  const config = parseEnv(ParseEnvSchema, env, 'parse function');
  const s3 = clients.s3 ?? new S3Client({ region: config.AWS_REGION });
  const sqs = clients.sqs ?? new SQSClient({ region: config.AWS_REGION });
  const store = new S3MailStore(s3, config.MAIL_BUCKET);
  const attachments = new S3AttachmentStore(s3, config.MAIL_BUCKET);
  const parse: ParseMessage = (raw, request) =>
    parseEmail(raw, {
      org: request.org,
      capture: request.capture,
      envelope: request.envelope,
      attachmentSink: attachments.sinkFor(request.orgId, request.sesMessageId),
    });
  return {
    registry: loadRegistryFile(config.CAPTURE_CONFIG),
    mail: store,
    outcomes: withOutcomeMetrics(store),
    syncQueue: new SqsQueue(sqs, config.SYNC_QUEUE_URL),
    deadLetterQueue: new SqsQueue(sqs, config.INTAKE_DLQ_URL),
    deadLetterMarks: store,
    parse,
    logger,
  };
}
