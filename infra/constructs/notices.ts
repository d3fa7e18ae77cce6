import { Schedule as EventSchedule, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { pipeline } from '#shared/config/pipeline.ts';
import { PipelineFunction } from '../pipeline-function.ts';
import type { OutboundMail } from './outbound-mail.ts';
import { stageQueues } from './stage-queues.ts';

export interface NoticesProps {
  /** The mail bucket: the notices function keeps rep state, reply addresses and digest entries there. */
  readonly bucket: IBucket;
  /** Validated org registry file, bundled with the function. */
  readonly orgsFile: string;
  /** The notices handler file. */
  readonly entry: string;
  /** SES sending: the function sends through it, and hears its bounces and complaints. */
  readonly outbound: OutboundMail;
  /** The capture domain: notices come from notices@ it. */
  readonly captureDomain: string;
  /** Functions that queue notices (parse and sync): they get NOTICE_QUEUE_URL and the right to send to it. */
  readonly reporters: readonly PipelineFunction[];
}

/**
 * Notices (docs/notices.md): the notices queue (+DLQ), fed by both stages, by the function's own
 * delayed window ends and by SES's bounce and complaint events; the notices function, the only
 * one that may send mail; and an hourly EventBridge schedule for each org's admin digest.
 */
export class Notices extends Construct {
  public readonly queue: Queue;
  public readonly deadLetterQueue: Queue;
  public readonly function: PipelineFunction;
  /** Invokes the function at the top of every hour (UTC); it sends the digests due that hour. */
  public readonly digestSchedule: Rule;

  constructor(scope: Construct, id: string, props: NoticesProps) {
    super(scope, id);
    const settings = pipeline.queues.notices;
    const keys = pipeline.keys;
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = stageQueues(this, settings));
    this.function = PipelineFunction.forStage(this, 'Notices', 'notices', props)
      .bindMailBucket(props.bucket, {
        // unresolved/: the digest leaves out unresolved mail logged since.
        read: [keys.noticeRecipients, keys.noticeDigest, keys.unresolved],
        write: [keys.noticeRecipients, keys.noticeDigest, keys.replies],
        delete: [keys.noticeDigest],
      })
      .bindNoticeQueue(this.queue)
      .bindSesSending({
        identityArn: props.outbound.identity.emailIdentityArn,
        configurationSetName: props.outbound.configurationSet.configurationSetName,
        configurationSetArn: props.outbound.configurationSetArn,
        from: `${pipeline.notices.senderLocalPart}@${props.captureDomain}`,
      })
      .consume(this.queue, settings);
    // Raw delivery stays off: the handler tells SES events from notice requests by the SNS envelope.
    props.outbound.events.addSubscription(new SqsSubscription(this.queue, { rawMessageDelivery: false }));
    this.digestSchedule = new Rule(this, 'DigestHour', {
      description: 'Capture: send the admin digests whose digestHour (UTC) this is',
      schedule: EventSchedule.cron({ minute: '0' }),
      targets: [new LambdaFunction(this.function, { retryAttempts: 2 })],
    });
    for (const reporter of props.reporters) reporter.bindNoticeQueue(this.queue);
  }
}
