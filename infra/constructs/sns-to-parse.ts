import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { pipeline } from '#shared/config/pipeline.ts';
import { PipelineFunction } from '../pipeline-function.ts';
import { stageQueues } from './stage-queues.ts';

export interface SnsToParseProps {
  readonly topic: ITopic;
  readonly bucket: IBucket;
  readonly orgsFile: string;
  readonly entry: string;
}

/** SES notifications (SNS) → intake queue (+DLQ) → parse function. */
export class SnsToParse extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly function: PipelineFunction;

  constructor(scope: Construct, id: string, props: SnsToParseProps) {
    super(scope, id);
    const settings = pipeline.queues.intake;
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = stageQueues(this, settings));
    // Raw delivery stays off: the parse handler validates the SNS envelope.
    props.topic.addSubscription(new SqsSubscription(this.queue, { rawMessageDelivery: false }));

    this.function = new PipelineFunction(this, 'Parse', {
      entry: props.entry,
      orgsFile: props.orgsFile,
      memorySize: pipeline.functions.parse.memoryMB,
      timeout: Duration.seconds(pipeline.functions.parse.timeoutSeconds),
    })
      .bindMailBucket(props.bucket)
      .bindQueue('INTAKE_DLQ_URL', this.deadLetterQueue);
    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: settings.batchSize,
        maxBatchingWindow: Duration.seconds(settings.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
      }),
    );
  }
}
