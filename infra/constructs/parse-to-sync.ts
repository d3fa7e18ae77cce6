import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { pipeline } from '#shared/config/pipeline.ts';
import type { Registry } from '#shared/config/registry.ts';
import { ConfigError } from '#shared/errors.ts';
import { PipelineFunction } from '../pipeline-function.ts';
import { stageQueues } from './stage-queues.ts';

export interface ParseToSyncProps {
  /** The parse function; gets SYNC_QUEUE_URL and send access to the sync queue. */
  readonly parseFunction: PipelineFunction;
  /** The mail bucket: sync reads parsed/ and attachments/, writes outcomes/ (conditionally, read when one is there), index/ and unresolved/, owns ledger/. */
  readonly bucket: IBucket;
  readonly registry: Registry;
  /** Validated org registry file, bundled with the function. */
  readonly orgsFile: string;
  /** The sync handler file. */
  readonly entry: string;
  /**
   * Concurrent sync invocations at most (the event source's maximum concurrency, 2–1000). Each
   * org has its own, smaller limit (`salesforce.maxConcurrency`), so one org cannot take them all.
   * @default pipeline.queues.sync.maxConcurrency (5)
   */
  readonly maxConcurrency?: number;
  /** Name prefix of the per-org secrets (`<prefix><orgId>`). @default 'capture/salesforce/' */
  readonly secretPrefix?: string;
  /**
   * Create one placeholder secret per org (an admin then puts the credentials in). `false` when
   * the secrets already exist: the function reads them by name either way.
   * @default true
   */
  readonly createSecrets?: boolean;
}

/**
 * The secret each org's Salesforce credentials live in (validated by shared/config/salesforce-secret.ts):
 *
 *   { "authFlow": "jwt-bearer", "loginUrl": "https://login.salesforce.com", "clientId": "…",
 *     "username": "…", "privateKey": "-----BEGIN PRIVATE KEY-----…" }
 * or
 *   { "authFlow": "client-credentials", "loginUrl": "https://<my-domain>.my.salesforce.com",
 *     "clientId": "…", "clientSecret": "…" }
 *
 * The placeholder created here is a jwt-bearer template without a key, so until an admin fills
 * it in, sync fails the org's mail with INVALID_SALESFORCE_SECRET (a DLQ entry to replay), never
 * with a half-configured login.
 */
const PLACEHOLDER_SECRET = {
  authFlow: 'jwt-bearer',
  loginUrl: 'https://login.salesforce.com',
  clientId: 'REPLACE_WITH_CONNECTED_APP_CONSUMER_KEY',
  username: 'REPLACE_WITH_INTEGRATION_USER',
};

/**
 * Parse function → sync queue (+DLQ) → sync function, with one Salesforce secret per org.
 * Names, redrive, visibility, batching, memory and timeout come from shared/config/pipeline.ts.
 */
export class ParseToSync extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly function: PipelineFunction;
  /** The per-org secrets this construct created (empty with createSecrets: false). */
  public readonly secrets: Secret[];
  /** Each org's secret name, by org id. */
  public readonly secretNames: ReadonlyMap<string, string>;

  constructor(scope: Construct, id: string, props: ParseToSyncProps) {
    super(scope, id);
    const settings = pipeline.queues.sync;
    const keys = pipeline.keys;
    const prefix = props.secretPrefix ?? 'capture/salesforce/';
    const maxConcurrency = props.maxConcurrency ?? settings.maxConcurrency;
    const problems: string[] = [];
    if (!(Number.isInteger(maxConcurrency) && maxConcurrency >= 2 && maxConcurrency <= 1000)) {
      problems.push(
        `maxConcurrency ${maxConcurrency} must be a whole number from 2 to 1000 (SQS event source limit)`,
      );
    }
    for (const org of props.registry.orgs) {
      if (org.salesforce.maxConcurrency >= maxConcurrency)
        problems.push(
          `org ${org.id}: salesforce.maxConcurrency ${org.salesforce.maxConcurrency} must be below the sync function's maxConcurrency ${maxConcurrency}, or it could hold every sync slot`,
        );
    }
    if (prefix === '' || !/^[\w/+=.@-]+$/.test(prefix)) {
      problems.push(`secretPrefix "${prefix}" may only hold letters, digits and /_+=.@-`);
    }
    if (problems.length > 0) throw new ConfigError('INVALID_PROPS', `ParseToSync: ${problems.join('; ')}`);

    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = stageQueues(this, settings));
    props.parseFunction.bindSyncQueue(this.queue);

    this.secretNames = new Map(
      props.registry.orgs.map((org) => [org.id, org.salesforce.secretName ?? `${prefix}${org.id}`]),
    );
    this.secrets =
      props.createSecrets === false
        ? []
        : [...this.secretNames]
            // A secret named by ARN is someone else's to create.
            .filter(([, secretName]) => !secretName.startsWith('arn:'))
            .map(
              ([orgId, secretName]) =>
                new Secret(this, `Secret-${orgId}`, {
                  secretName,
                  description: `Salesforce credentials for Capture org ${orgId} (JSON shape: infra/constructs/parse-to-sync.ts)`,
                  generateSecretString: {
                    secretStringTemplate: JSON.stringify(PLACEHOLDER_SECRET),
                    // generateSecretString needs a key to fill; the schema ignores it.
                    generateStringKey: 'placeholder',
                  },
                }),
            );

    this.function = PipelineFunction.forStage(this, 'Sync', 'sync', props)
      .bindMailBucket(props.bucket, {
        // leases/: the org write slots (conditional writes; a conditional delete needs GetObject too).
        // waiting/: markers of settled mail are deleted. index/ holds the per-org activity.
        read: [
          keys.parsed,
          keys.attachments,
          keys.ledger,
          keys.outcomes,
          keys.deadLettered,
          keys.leases,
          keys.activity,
        ],
        write: [keys.outcomes, keys.index, keys.unresolved, keys.ledger, keys.parsed, keys.leases],
        delete: [keys.ledger, keys.leases, keys.waiting],
      })
      .bindDeadLetterQueue('SYNC_DLQ_URL', this.deadLetterQueue)
      // Mail an org cannot take now is handed back: sent to this queue again, later.
      .bindSyncQueue(this.queue)
      .bindSalesforceSecrets(prefix, [...this.secretNames.values()])
      .consume(this.queue, settings, maxConcurrency);
  }
}
