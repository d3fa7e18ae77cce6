/** Builds the parse function's dependencies from its environment, once per cold start. */
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import { S3NoticeStore } from '#shared/adapters/s3-notice-store.ts';
import { S3OrgStatus } from '#shared/adapters/s3-org-status.ts';
import { SqsNoticeQueue } from '#shared/adapters/sqs-notice-queue.ts';
import { SqsQueue } from '#shared/adapters/sqs-queue.ts';
import { ParseEnvSchema, parseEnv } from '#shared/config/env.ts';
import { pipeline } from '#shared/config/pipeline.ts';
import { loadRegistryFile } from '#shared/config/registry-file.ts';
import { logger, withOutcomeMetrics, withParseLatency } from '#shared/observability.ts';
import type { CaptureMessageDeps, ParseMessage } from '#shared/usecases/capture-message.ts';
import type { DeadLetterDeps } from '#shared/usecases/dead-letter.ts';
import type { RouteIntakeDeps } from '#shared/usecases/route-intake.ts';
import { type AwsClients, mailBucketStores } from '../aws-clients.ts';

export type ParseDeps = CaptureMessageDeps & DeadLetterDeps & { route: RouteIntakeDeps };

export function parseDepsFromEnv(env: NodeJS.ProcessEnv, clients: AwsClients = {}): ParseDeps {
  const config = parseEnv(ParseEnvSchema, env, 'parse function');
  const { s3, sqs, store, attachments } = mailBucketStores(config, clients);
  const parse: ParseMessage = (raw, request) =>
    parseEmail(raw, {
      org: request.org,
      capture: request.capture,
      envelope: request.envelope,
      attachmentSink: attachments.sinkFor(request.orgId, request.sesMessageId),
    });
  const registry = loadRegistryFile(config.CAPTURE_CONFIG);
  return {
    registry,
    // Routed copies go out together: a batch of notifications is one or two SendMessageBatch.
    route: { registry, lines: new SqsQueue(sqs, config.LINES_QUEUE_URL, { lingerMs: 5 }) },
    mail: store,
    outcomes: withOutcomeMetrics(store),
    syncQueue: withParseLatency(
      new SqsQueue(sqs, config.SYNC_QUEUE_URL, { lingerMs: pipeline.syncSendLingerMs }),
    ),
    waiting: new S3OrgStatus(s3, config.MAIL_BUCKET),
    deadLetterQueue: new SqsQueue(sqs, config.INTAKE_DLQ_URL),
    deadLetterMarks: store,
    parse,
    logger,
    ...(config.NOTICE_QUEUE_URL
      ? {
          notices: {
            queue: new SqsNoticeQueue(sqs, config.NOTICE_QUEUE_URL),
            replies: new S3NoticeStore(s3, config.MAIL_BUCKET),
          },
        }
      : {}),
  };
}
