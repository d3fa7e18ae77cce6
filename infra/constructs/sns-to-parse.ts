import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { pipeline } from '#shared/config/pipeline.ts';
import { PipelineFunction } from '../pipeline-function.ts';
import { stageQueue, stageQueues } from './stage-queues.ts';

export interface SnsToParseProps {
  /** The topic SES notifies for every stored message. */
  readonly topic: ITopic;
  /** The mail bucket: parse reads raw/, writes parsed/, attachments/, outcomes/ and index/; replies to notices read replies/ and unresolved/. */
  readonly bucket: IBucket;
  /** Validated org registry file, bundled with the function. */
  readonly orgsFile: string;
  /** The parse handler file. */
  readonly entry: string;
}

/**
 * SES notifications (SNS) → intake queue (+DLQ) → parse function, which puts each mail in its
 * org's line on the lines queue (redriving into the same DLQ) and parses it from there. Names,
 * redrive, visibility, batching, memory and timeout come from shared/config/pipeline.ts, as in
 * the local stack. The parse function is bound to the sync queue by ParseToSync, to the notices
 * queue by Notices.
 */
export class SnsToParse extends Construct {
  public readonly queue: Queue;
  /** Each org's line: one message group per org (docs/fairness.md). */
  public readonly linesQueue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly function: PipelineFunction;

  constructor(scope: Construct, id: string, props: SnsToParseProps) {
    super(scope, id);
    const settings = pipeline.queues.intake;
    const keys = pipeline.keys;
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = stageQueues(this, settings));
    this.linesQueue = stageQueue(this, 'LinesQueue', pipeline.queues.lines, this.deadLetterQueue);
    // Raw delivery stays off: the parse handler validates the SNS envelope.
    props.topic.addSubscription(new SqsSubscription(this.queue, { rawMessageDelivery: false }));

    this.function = PipelineFunction.forStage(this, 'Parse', 'parse', props)
      .bindMailBucket(props.bucket, {
        // outcomes/ is written only where nothing is, and read when something is: a redelivery
        // never replaces a recorded `created`.
        // A rep's reply to a notice reads its reply address, then replays the unresolved mail.
        read: [keys.raw, keys.outcomes, keys.deadLettered, keys.replies, keys.unresolved, keys.parsed],
        // waiting/: a marker per mail handed to the sync stage, for the per-org backlog.
        write: [keys.parsed, keys.attachments, keys.outcomes, keys.index, keys.waiting],
        delete: [keys.unresolved],
      })
      .bindDeadLetterQueue('INTAKE_DLQ_URL', this.deadLetterQueue)
      // Mail straight from SES is sent on to the lines queue, in its org's message group.
      .bindLinesQueue(this.linesQueue)
      .consume(this.queue, settings)
      .consume(this.linesQueue, pipeline.queues.lines);
  }
}
