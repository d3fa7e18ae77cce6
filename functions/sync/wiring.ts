/** Builds the sync function's dependencies from its environment, once per cold start. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { S3DedupeLedger } from '#shared/adapters/s3-dedupe-ledger.ts';
import { createSalesforceCrm } from '#shared/adapters/salesforce/index.ts';
import { SecretsManagerCredentials } from '#shared/adapters/secrets-manager-credentials.ts';
import { SqsQueue } from '#shared/adapters/sqs-queue.ts';
import { parseEnv, SyncEnvSchema } from '#shared/config/env.ts';
import { pipeline } from '#shared/config/pipeline.ts';
import type { Org } from '#shared/config/registry.ts';
import { loadRegistryFile } from '#shared/config/registry-file.ts';
import { credentialsFromEnv, type SalesforceCredentials } from '#shared/config/salesforce-secret.ts';
import {
  type LogSink,
  logger,
  tracedPort,
  tracer,
  withKeys,
  withOutcomeMetrics,
} from '#shared/observability.ts';
import type { CrmPort } from '#shared/ports/crm.ts';
import { writeToSalesforce } from '#shared/usecases/salesforce-writes.ts';
import type { SyncOrgBatch, SyncStageDeps } from '#shared/usecases/sync-stage.ts';
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
          clients.secrets ??
            tracer.captureAWSv3Client(new SecretsManagerClient({ region: config.AWS_REGION })),
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
    async (org, emails) => {
      const run = async () =>
        writeToSalesforce({ org, emails, crm: await crmFor(org), attachments, ledger, logger: log });
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
  };
}

const AUTH_FAILED = 'SALESFORCE_AUTH_FAILED';

interface CredentialSource {
  forOrg(org: Org): Promise<SalesforceCredentials>;
  invalidate(org: Org): void;
}

/** Local stack and development only: one set of credentials from SF_* variables for every org. */
function envCredentials(env: NodeJS.ProcessEnv): CredentialSource {
  const parsed = credentialsFromEnv(env);
  return { forOrg: async () => parsed, invalidate: () => {} };
}
