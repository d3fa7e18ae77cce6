/**
 * Names and settings shared by the CDK stack (infra/) and the local stack (local/), so both
 * build the same pipeline: queues, redrive policies, batching, S3 key layout, function sizes.
 */
const functions = {
  parse: { timeoutSeconds: 60, memoryMB: 1024 },
  sync: { timeoutSeconds: 120, memoryMB: 512 },
  notices: { timeoutSeconds: 60, memoryMB: 256 },
} as const;

/** SES rejects messages over 40 MB; the local SMTP stand-in enforces the same. */
const maxMessageBytes = 40 * 1024 * 1024;

/**
 * AWS's advice for SQS event sources: the queue's visibility timeout at least six times the
 * function timeout plus the batching window, so a batch whose invocation is retried (throttling,
 * a crash) is not handed out twice while the first one still runs.
 */
export function minimumVisibilityTimeoutSeconds(timeoutSeconds: number, batchingWindowSeconds: number) {
  return 6 * timeoutSeconds + batchingWindowSeconds;
}

/**
 * How many messages one parse invocation works on at once. The model: the runtime and the
 * code take `parseBaselineMB`; a message being parsed costs at most `parseCostPerMessageByte`
 * times its raw size (the raw bytes, mailparser's decoded parts and text, the CapturedEmail
 * JSON), and a message is at most `maxMessageBytes`. So at most
 *   floor((memoryMB − baseline) / (factor × maxMessageMB))
 * messages fit in the function's memory at once, whatever the batch holds: 1024 MB → 4.
 * Measured on Node 22: a 38 MB text/plain message parsed from a stream raised peak RSS by about
 * 162 MB (4.3×) over a 136 MB baseline; attachments stream to S3 and are not held.
 */
export const parseMemoryModel = { baselineMB: 160, costPerMessageByte: 5 } as const;
export function parseConcurrency(memoryMB: number = functions.parse.memoryMB): number {
  const perMessageMB = (parseMemoryModel.costPerMessageByte * maxMessageBytes) / (1024 * 1024);
  return Math.max(1, Math.floor((memoryMB - parseMemoryModel.baselineMB) / perMessageMB));
}

/**
 * Batching, measured with `npm run bench` (docs/benchmarks.md). Parse makes no Salesforce calls,
 * so intake does not wait: window 0 means a batch is whatever one poll returns (at most 10).
 * Sync batches save Salesforce calls; AWS requires a window of at least 1 s for a batch size
 * above 10. At 60 emails/s a batch of 25 fills in about 0.4 s, well before the window, so a
 * burst costs about 0.08 calls per email while a lone email waits the 1 s window.
 */
const intakeWindow = 0;
const syncWindow = 1;
/**
 * The parse stage's two queues (intake, and the org lines) share everything but their name: the
 * function's batching and visibility, and the DLQ they redrive into after the same receives.
 */
const parseQueue = {
  dlqName: 'capture-intake-dlq',
  maxReceiveCount: 5,
  visibilityTimeoutSeconds: minimumVisibilityTimeoutSeconds(functions.parse.timeoutSeconds, intakeWindow),
  batchSize: 10,
  maxBatchingWindowSeconds: intakeWindow,
} as const;

export const pipeline = {
  queues: {
    intake: { name: 'capture-intake', ...parseQueue },
    /**
     * Each org's line (docs/fairness.md): the parse function puts mail straight from SES here, in
     * its org's message group, and parses it when it comes back. A queue of its own, so mail waiting
     * in a line never competes with new notifications, which SQS counts as quiet tenants. What it
     * dead-letters goes to the intake DLQ, where `capture replay` finds every parse failure.
     */
    lines: { name: 'capture-lines', ...parseQueue },
    sync: {
      name: 'capture-sync',
      dlqName: 'capture-sync-dlq',
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: minimumVisibilityTimeoutSeconds(functions.sync.timeoutSeconds, syncWindow),
      batchSize: 25,
      maxBatchingWindowSeconds: syncWindow,
      /**
       * Sync invocations at once (the event source's maximum concurrency; the local runner's
       * pollers). Above every org's `salesforce.maxConcurrency`, so a busy org leaves room.
       */
      maxConcurrency: 5,
    },
    /**
     * Notices to reps and admin digests (docs/notices.md): requests from both stages, the end of
     * a rep's rate-limit window (a delayed message), SES bounce and complaint events. Nothing here
     * waits: a notice goes out as soon as it is decided.
     */
    notices: {
      name: 'capture-notices',
      dlqName: 'capture-notices-dlq',
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: minimumVisibilityTimeoutSeconds(functions.notices.timeoutSeconds, 0),
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
    },
  },
  /** How the sync stage shares itself between orgs (shared/domain/fairness.ts, docs/fairness.md). */
  fairness: {
    /** An org's batch may take 30 s, then 60 s, then 90 s (120 s timeout less 30 s to answer). */
    orgBudgetMs: 30_000,
    orgBudgetMaxMs: (functions.sync.timeoutSeconds - 30) * 1000,
    /** A lease on one of an org's write slots outlives the invocation that took it by 30 s at most. */
    leaseSeconds: functions.sync.timeoutSeconds + 30,
    apiUsageMaxAgeMs: 60_000,
    handBackDelaySeconds: {
      'deferred-org-busy': [1, 3],
      'deferred-org-slow': [1, 2],
      // Salesforce counts API requests over a rolling 24 hours: check again in 10 to 15 minutes.
      'deferred-api-budget': [600, 900],
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
    /** Message-ID / SES message id → outcome keys, so `capture status` reads by key, never lists outcomes. */
    index: 'index/',
    /** Queue messages a stage dead-lettered (inside index/, so it expires with it). */
    deadLettered: 'index/dead-lettered/',
    unresolved: 'unresolved/',
    ledger: 'ledger/',
    /** One small object per mail waiting for the sync stage, per org, oldest first (org-status). */
    waiting: 'waiting/',
    /** What the sync stage did per org and hour (synced, deferred, failed), one object per writer. */
    activity: 'index/org-activity/',
    /** Per-org write slots of the sync stage (S3 conditional writes). */
    leases: 'leases/',
    /** Per-mail reply addresses of notices (token → the unresolved mail); they expire with it. */
    replies: 'replies/',
    /** What the notices function keeps per rep (rate-limit window, held notices, stop, bounces). */
    noticeRecipients: 'notices/recipients/',
    /** Mail waiting for its org's admin digest, one object per mail; removed once the digest is sent. */
    noticeDigest: 'notices/digest/',
  },
  functions,
  maxMessageBytes,
  /**
   * A CapturedEmail whose JSON is at most this size rides in the sync message too, so sync does
   * not read it back from S3 (parsed/ keeps the durable copy for re-linking and replay). 64 KB is
   * one SQS billing unit, and a sync batch of 25 such messages stays far under Lambda's 6 MB event.
   */
  inlineEmailMaxBytes: 64 * 1024,
  /**
   * A raw message up to this size is read whole into one buffer before parsing (S3 says the size
   * before the body comes; a file's size is known): streaming costs more than it saves for the
   * small messages most mail is. Larger ones stream, attachments straight on to their store.
   */
  rawReadWholeMaxBytes: 1024 * 1024,
  /**
   * The parse function's sends to the sync queue made within this many milliseconds of each other
   * leave in one SendMessageBatch (up to 10): the emails of a parse batch finish close together.
   */
  syncSendLingerMs: 5,
  /**
   * Message attributes of a mail the sync stage handed back to its queue (a copy sent again,
   * later): how often, how often for running over its time budget, and the last reason. Like every
   * capture.* attribute they are dropped when the message is dead-lettered.
   */
  /**
   * The attribute of a parse-stage message already put in its org's line on the lines queue
   * (shared/usecases/route-intake.ts): its value is the message group.
   */
  intakeRouteAttribute: 'capture.org',
  handBackAttributes: {
    count: 'capture.handBacks',
    slow: 'capture.slowHandBacks',
    reason: 'capture.deferred',
  },
  /** Message attributes the handlers add when they dead-letter a message; the body stays as it was. */
  deadLetterAttributes: { stage: 'capture.stage', reason: 'capture.reason', failedAt: 'capture.failedAt' },
  notices: {
    /**
     * At most one notice per rep in this many seconds; what fails later in the window is folded
     * into one digest sent when it ends (a delayed queue message: SQS delays reach 900 s).
     */
    windowSeconds: 600,
    /** The local part notices are sent from, at the capture domain. */
    senderLocalPart: 'notices',
  },
} as const;
