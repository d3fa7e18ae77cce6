import { fileURLToPath } from 'node:url';
import { Stack, type StackProps } from 'aws-cdk-lib';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { Registry } from '#shared/config/registry.ts';
import { InboundMail } from './constructs/inbound-mail.ts';
import { MailBucket } from './constructs/mail-bucket.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { ParseToSync } from './constructs/parse-to-sync.ts';
import { SnsToParse } from './constructs/sns-to-parse.ts';

export interface CaptureStackProps extends StackProps {
  readonly registry: Registry;
  readonly orgsFile: string;
  /** @default the registry's captureDomain */
  readonly captureDomain?: string;
  readonly hostedZone?: { hostedZoneId: string; zoneName: string };
  readonly alarmEmail?: string;
  /** @default 30 */
  readonly retentionDays?: number;
}

const entry = (path: string) => fileURLToPath(new URL(`../functions/${path}`, import.meta.url));

/** The whole pipeline, one construct per stage: inbound mail → bucket → parse → sync → monitoring. */
export class CaptureStack extends Stack {
  constructor(scope: Construct, id: string, props: CaptureStackProps) {
    super(scope, id, props);
    const captureDomain = props.captureDomain ?? props.registry.captureDomain;
    const mail = new MailBucket(this, 'MailBucket', {
      ...(props.retentionDays ? { retentionDays: props.retentionDays } : {}),
    });
    const hostedZone = props.hostedZone
      ? HostedZone.fromHostedZoneAttributes(this, 'Zone', props.hostedZone)
      : undefined;
    const inbound = new InboundMail(this, 'InboundMail', {
      captureDomain,
      bucket: mail.bucket,
      ...(hostedZone ? { hostedZone } : {}),
    });
    const parse = new SnsToParse(this, 'SnsToParse', {
      topic: inbound.topic,
      bucket: mail.bucket,
      orgsFile: props.orgsFile,
      entry: entry('parse/handler.ts'),
    });
    const sync = new ParseToSync(this, 'ParseToSync', {
      parseFunction: parse.function,
      bucket: mail.bucket,
      registry: props.registry,
      orgsFile: props.orgsFile,
      entry: entry('sync/handler.ts'),
    });
    new Monitoring(this, 'Monitoring', {
      queues: [
        { name: 'Intake', queue: parse.queue, deadLetterQueue: parse.deadLetterQueue },
        { name: 'Sync', queue: sync.queue, deadLetterQueue: sync.deadLetterQueue },
      ],
      functions: [parse.function, sync.function],
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });
    this.#suppressions(mail, sync);
  }

  #suppressions(mail: MailBucket, sync: ParseToSync): void {
    NagSuppressions.addResourceSuppressions(mail.accessLogs, [
      {
        id: 'AwsSolutions-S1',
        reason: 'This is the access-log bucket of the mail bucket; logging it to itself would loop.',
      },
    ]);
    for (const secret of sync.secrets) {
      NagSuppressions.addResourceSuppressions(secret, [
        {
          id: 'AwsSolutions-SMG4',
          reason:
            'Salesforce credentials are rotated in Salesforce (connected app certificate or secret), then stored here; there is no rotation Lambda for them.',
        },
      ]);
    }
    NagSuppressions.addStackSuppressions(this, [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          'AWSLambdaBasicExecutionRole on the functions and the custom resource provider: log writing only.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Object-level grants on the mail bucket (bucket/*), the secret prefix (capture/salesforce/*), X-Ray and SES SetActiveReceiptRuleSet (no resource-level permissions) need wildcards.',
      },
      {
        id: 'AwsSolutions-L1',
        reason:
          'The functions pin nodejs22.x, the runtime the project is built and tested on; the custom resource provider runtime is chosen by aws-cdk-lib.',
      },
    ]);
  }
}
