/** Builds the sync function's dependencies from its environment, once per cold start. */
import type { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { S3DedupeLedger } from '#shared/adapters/s3-dedupe-ledger.ts';
import { S3OrgLeases } from '#shared/adapters/s3-org-leases.ts';
import { S3OrgStatus } from '#shared/adapters/s3-org-status.ts';
import { createSalesforceCrm } from '#shared/adapters/salesforce/index.ts';
import { SecretsManagerCredentials } from '#shared/adapters/secrets-manager-credentials.ts';
import { SqsNoticeQueue } from '#shared/adapters/sqs-notice-queue.ts';
import { SqsQueue } from '#shared/adapters/sqs-queue.ts';
import { parseEnv, SyncEnvSchema } from '#shared/config/env.ts';
import { pipeline } from '#shared/config/pipeline.ts';
import type { Org } from '#shared/config/registry.ts';
import { loadRegistryFile } from '#shared/config/registry-file.ts';
import { credentialsFromEnv, type SalesforceCredentials } from '#shared/config/salesforce-secret.ts';
import { PermanentError } from '#shared/errors.ts';
import {
  type LogSink,
  logger,
  publishOrgFigures,
  tracedClient,
  tracedPort,
  withKeys,
  withOutcomeMetrics,
} from '#shared/observability.ts';
import type { CrmPort } from '#shared/ports/crm.ts';
import type { NoticeQueue } from '#shared/ports/notice-store.ts';
import { reportSyncEnding } from '#shared/usecases/report-ending.ts';
import { writeToSalesforce } from '#shared/usecases/salesforce-writes.ts';
import type { FairnessDeps, SyncOrgBatch, SyncStageDeps } from '#shared/usecases/sync-stage.ts';
import { type AwsClients, mailBucketStores } from '../aws-clients.ts';

export type SyncDeps = SyncStageDeps & {
  /** The org batch logging through `log` (the handler passes one that names the invocation's messages). */
  syncOrgBatchWith(log: LogSink): SyncOrgBatch;
};

export function syncDepsFromEnv(
  env: NodeJS.ProcessEnv,
  clients: AwsClients & { secrets?: SecretsManagerClient } = {},
): SyncDeps {
  const config = parseEnv(SyncEnvSchema, env, 'sync function');
  const { s3, sqs, store, attachments } = mailBucketStores(config, clients);
  const ledger = new S3DedupeLedger(s3, config.MAIL_BUCKET);

  const credentials: CredentialSource =
    config.SALESFORCE_CREDENTIALS === 'env'
      ? envCredentials(env)
      : new SecretsManagerCredentials(
          clients.secrets ?? tracedClient(new SecretsManagerClient({ region: config.AWS_REGION })),
          config.SALESFORCE_SECRET_PREFIX,
        );
  // createSalesforceCrm keeps one connection per org AND set of credentials: rotated credentials
  // (a re-read secret) get a new connection, unchanged ones reuse the warm one.
  // The connection outlives the invocation: its log lines (re-authorising) name the org only.
  // Each Salesforce call a subsegment (`Salesforce.lookup`, `Salesforce.upsertTasks`…) annotated with the org.
  const crmFor = async (org: Org): Promise<CrmPort> =>
    tracedPort(
      createSalesforceCrm({
        orgId: org.id,
        credentials: await credentials.forOrg(org),
        apiVersion: config.SALESFORCE_API_VERSION,
        logger: withKeys(logger, { orgId: org.id }),
      }),
      'Salesforce',
      { orgId: org.id },
    );

  // The org batch: the Salesforce writes with the org's credentials, once more if they were rotated.
  const syncOrgBatchWith =
    (log: LogSink): SyncOrgBatch =>
    async (org, emails, options) => {
      const run = async () =>
        writeToSalesforce({
          org,
          emails,
          crm: untilAborted(await crmFor(org), options?.signal),
          attachments,
          ledger,
          logger: log,
        });
      const results = await run();
      if (!results.some((r) => r.outcome === 'failed' && r.reason?.startsWith(AUTH_FAILED))) return results;
      // Salesforce refused the login: the secret may have been rotated since it was read.
      const before = await credentials.forOrg(org);
      credentials.invalidate(org);
      const after = await credentials.forOrg(org);
      if (JSON.stringify(after) === JSON.stringify(before)) return results;
      log.info('Salesforce credentials changed; trying the batch again', { orgId: org.id });
      return run();
    };

  const fairness = fairnessDeps(s3, sqs, config, crmFor);

  return {
    registry: loadRegistryFile(config.CAPTURE_CONFIG),
    mail: store,
    outcomes: withOutcomeMetrics(store),
    deadLetterQueue: new SqsQueue(sqs, config.SYNC_DLQ_URL),
    deadLetterMarks: store,
    logger,
    maxReceiveCount: pipeline.queues.sync.maxReceiveCount,
    syncOrgBatch: syncOrgBatchWith(logger),
    syncOrgBatchWith,
    fairness,
    ...(config.NOTICE_QUEUE_URL
      ? { onEnding: reportingTo(new SqsNoticeQueue(sqs, config.NOTICE_QUEUE_URL)) }
      : {}),
  };
}

/** How the sync stage shares itself between orgs: hand-backs, write slots, per-org status and figures, the API budget guard. */
function fairnessDeps(
  s3: S3Client,
  sqs: SQSClient,
  config: { SYNC_QUEUE_URL: string; MAIL_BUCKET: string },
  crmFor: (org: Org) => Promise<CrmPort>,
): FairnessDeps {
  return {
    settings: pipeline.fairness,
    requeue: new SqsQueue(sqs, config.SYNC_QUEUE_URL),
    leases: new S3OrgLeases(s3, config.MAIL_BUCKET),
    status: new S3OrgStatus(s3, config.MAIL_BUCKET),
    publish: publishOrgFigures,
    // The API budget guard (deferred-api-budget): the Sforce-Limit-Info figures of the org's last
    // response on this warm connection (none yet: the org is not held back), asked again of
    // Salesforce while they hold the org back and are older than apiUsageMaxAgeMs.
    apiUsage: async (org) => (await crmFor(org)).apiUsage?.() ?? null,
    freshApiUsage: async (org, maxAgeMs) => {
      const crm = await crmFor(org);
      return crm.freshApiUsage ? crm.freshApiUsage(maxAgeMs) : (crm.apiUsage?.() ?? null);
    },
  };
}

/** CrmPort methods that only read what the connection already knows (no request). */
const LOCAL_READS = new Set<string | symbol>(['apiCalls', 'apiUsage']);

/**
 * The CRM as an org batch past its time budget sees it: once `signal` aborts, every new request
 * fails at once (calls in flight finish), so the batch ends soon after its mail was handed back.
 */
function untilAborted(crm: CrmPort, signal: AbortSignal | undefined): CrmPort {
  if (!signal) return crm;
  return new Proxy(crm, {
    get(target, name) {
      // Read from the adapter itself: its private fields are not the proxy's.
      const value: unknown = Reflect.get(target, name);
      if (typeof value !== 'function') return value;
      if (LOCAL_READS.has(name)) return value.bind(target);
      return (...args: unknown[]) =>
        signal.aborted
          ? Promise.reject(new PermanentError('ORG_BUDGET_SPENT', 'the org batch ran past its time budget'))
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
}

const AUTH_FAILED = 'SALESFORCE_AUTH_FAILED';

/** Each email's ending, told to the notices (docs/notices.md). */
function reportingTo(noticeQueue: NoticeQueue): SyncStageDeps['onEnding'] {
  return (ending) => reportSyncEnding({ noticeQueue, logger }, ending);
}

interface CredentialSource {
  forOrg(org: Org): Promise<SalesforceCredentials>;
  invalidate(org: Org): void;
}

/**
 * Local stack and development only: one set of credentials from SF_* variables for every org.
 * `{org}` in SF_CLIENT_ID stands for the org's id, so each org can use a connected app of its own
 * (the local stack does, so the Salesforce emulator can slow down one org's requests only).
 */
function envCredentials(env: NodeJS.ProcessEnv): CredentialSource {
  const parsed = credentialsFromEnv(env);
  return {
    forOrg: async (org) => ({ ...parsed, clientId: parsed.clientId.replaceAll('{org}', org.id) }),
    invalidate: () => {},
  };
}
