/** What both pipeline functions build at cold start: the AWS clients and the mail bucket's stores. */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { S3AttachmentStore } from '#shared/adapters/s3-attachment-store.ts';
import { S3MailStore } from '#shared/adapters/s3-mail-store.ts';
import { tracedClient } from '#shared/observability.ts';

/** Clients a test (or the local stack) passes in; the rest are made for the region. */
export interface AwsClients {
  s3?: S3Client;
  sqs?: SQSClient;
}

export function mailBucketStores(config: { AWS_REGION: string; MAIL_BUCKET: string }, clients: AwsClients) {
  // Every AWS call a subsegment of the trace (a no-op where tracing is off).
  const s3 = clients.s3 ?? tracedClient(new S3Client({ region: config.AWS_REGION }));
  const sqs = clients.sqs ?? tracedClient(new SQSClient({ region: config.AWS_REGION }));
  return {
    s3,
    sqs,
    store: new S3MailStore(s3, config.MAIL_BUCKET),
    attachments: new S3AttachmentStore(s3, config.MAIL_BUCKET),
  };
}
