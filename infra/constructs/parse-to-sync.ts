import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { pipeline } from '#shared/config/pipeline.ts';
import type { Registry } from '#shared/config/registry.ts';
import { PipelineFunction } from '../pipeline-function.ts';
import { stageQueues } from './stage-queues.ts';

export interface ParseToSyncProps {
  readonly parseFunction: PipelineFunction;
  readonly bucket: IBucket;
  readonly registry: Registry;
  readonly orgsFile: string;
  readonly entry: string;
  /** Concurrent sync batches at most, so a burst cannot exhaust an org's Salesforce API allowance. @default 5 */
  readonly maxConcurrency?: number;
  /** @default 'capture/salesforce/' */
  readonly secretPrefix?: string;
}

/** Parse function → sync queue (+DLQ) → sync function, with one Salesforce secret per org. */
export class ParseToSync extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly function: PipelineFunction;
  public readonly secrets: Secret[];

  constructor(scope: Construct, id: string, props: ParseToSyncProps) {
    super(scope, id);
    const settings = pipeline.queues.sync;
    const prefix = props.secretPrefix ?? 'capture/salesforce/';
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = stageQueues(this, settings));
    props.parseFunction.bindQueue('SYNC_QUEUE_URL', this.queue);

    // Created with a placeholder; an admin puts the org's real credentials in (see README).
    this.secrets = props.registry.orgs.map(
      (org) =>
        new Secret(this, `Secret-${org.id}`, {
          secretName: org.salesforce.secretName ?? `${prefix}${org.id}`,
          description: `Salesforce credentials for Capture org ${org.id}`,
          generateSecretString: {
            secretStringTemplate: JSON.stringify({
              authFlow: 'jwt-bearer',
              loginUrl: 'https://login.salesforce.com',
              clientId: 'REPLACE_ME',
              username: 'REPLACE_ME',
            }),
            generateStringKey: 'placeholder',
          },
        }),
    );

    this.function = new PipelineFunction(this, 'Sync', {
      entry: props.entry,
      orgsFile: props.orgsFile,
      memorySize: pipeline.functions.sync.memoryMB,
      timeout: Duration.seconds(pipeline.functions.sync.timeoutSeconds),
    })
      .bindMailBucket(props.bucket)
      .bindQueue('SYNC_DLQ_URL', this.deadLetterQueue)
      .bindSalesforceSecrets(prefix);
    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: settings.batchSize,
        maxBatchingWindow: Duration.seconds(settings.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency ?? 5,
      }),
    );
  }
}
