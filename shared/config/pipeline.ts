/**
 * Names and settings shared by the CDK stack (infra/) and the local stack (local/), so both
 * build the same pipeline: queues, redrive policies, batching and S3 key layout.
 */
export const pipeline = {
  queues: {
    intake: {
      name: 'capture-intake',
      dlqName: 'capture-intake-dlq',
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 180,
      batchSize: 10,
      maxBatchingWindowSeconds: 1,
    },
    sync: {
      name: 'capture-sync',
      dlqName: 'capture-sync-dlq',
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 300,
      batchSize: 25,
      maxBatchingWindowSeconds: 2,
    },
  },
  topic: { name: 'capture-inbound' },
  bucket: { name: 'capture-mail' },
  /** S3 key prefixes in the mail bucket. */
  keys: {
    raw: 'raw/',
    parsed: 'parsed/',
    attachments: 'attachments/',
    outcomes: 'outcomes/',
    unresolved: 'unresolved/',
    ledger: 'ledger/',
  },
  functions: {
    parse: { timeoutSeconds: 60, memoryMB: 1024 },
    sync: { timeoutSeconds: 120, memoryMB: 512 },
  },
  /** SES rejects messages over 40 MB; the local SMTP stand-in enforces the same. */
  maxMessageBytes: 40 * 1024 * 1024,
} as const;
