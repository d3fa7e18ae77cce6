/** Builds the notices function's dependencies from its environment, once per cold start. */
import { randomBytes } from 'node:crypto';
import { SESClient } from '@aws-sdk/client-ses';
import { OutboxOutboundMail } from '#shared/adapters/outbox-outbound-mail.ts';
import { S3NoticeStore } from '#shared/adapters/s3-notice-store.ts';
import { SesOutboundMail } from '#shared/adapters/ses-outbound-mail.ts';
import { SqsNoticeQueue } from '#shared/adapters/sqs-notice-queue.ts';
import { NoticesEnvSchema, parseEnv } from '#shared/config/env.ts';
import { loadRegistryFile } from '#shared/config/registry-file.ts';
import { logger, tracedClient } from '#shared/observability.ts';
import type { OutboundMail } from '#shared/ports/outbound-mail.ts';
import type { NoticesDeps } from '#shared/usecases/send-notices.ts';
import { type AwsClients, mailBucketStores } from '../aws-clients.ts';

export type NoticesWiring = AwsClients & {
  ses?: SESClient;
  /** A clock for the rate limit and the digest hour (tests move it). */
  now?: () => Date;
};

export function noticesDepsFromEnv(env: NodeJS.ProcessEnv, clients: NoticesWiring = {}): NoticesDeps {
  const config = parseEnv(NoticesEnvSchema, env, 'notices function');
  const { s3, sqs, store } = mailBucketStores(config, clients);
  const now = clients.now ?? (() => new Date());
  const outbound: OutboundMail =
    config.NOTICE_TRANSPORT === 'outbox'
      ? new OutboxOutboundMail(config.CAPTURE_OUTBOX_DIR ?? '', now)
      : new SesOutboundMail(
          clients.ses ?? tracedClient(new SESClient({ region: config.AWS_REGION })),
          config.SES_CONFIGURATION_SET ?? '',
          now,
        );
  return {
    registry: loadRegistryFile(config.CAPTURE_CONFIG),
    store: new S3NoticeStore(s3, config.MAIL_BUCKET),
    mail: store,
    outbound,
    queue: new SqsNoticeQueue(sqs, config.NOTICE_QUEUE_URL),
    logger,
    now,
    windowSeconds: config.NOTICE_WINDOW_SECONDS,
    randomBytes: (size) => randomBytes(size),
  };
}
