import { fileURLToPath } from 'node:url';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { Registry } from '#shared/config/registry.ts';
import { InboundMail } from './constructs/inbound-mail.ts';
import { MailBucket } from './constructs/mail-bucket.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { Notices } from './constructs/notices.ts';
import { OutboundMail } from './constructs/outbound-mail.ts';
import { ParseToSync } from './constructs/parse-to-sync.ts';
import { SnsToParse } from './constructs/sns-to-parse.ts';
import { stackOutputs } from './outputs.ts';

export interface CaptureStackProps extends StackProps {
  /** The validated org registry (loadRegistryFile). */
  readonly registry: Registry;
  /** The file it was read from, bundled into both functions as orgs.json. */
  readonly orgsFile: string;
  /** @default the registry's captureDomain */
  readonly captureDomain?: string;
  /** The Route 53 zone holding the capture domain: adds the MX record and DKIM records. @default none */
  readonly hostedZone?: { readonly hostedZoneId: string; readonly zoneName: string };
  /** @default no subscription (alarms still show in CloudWatch) */
  readonly alarmEmail?: string;
  /** Days raw, parsed mail and attachments are kept. @default 30 */
  readonly retentionDays?: number;
  /** Create the per-org placeholder secrets; `false` when they exist already. @default true */
  readonly createSecrets?: boolean;
  /** Make the receipt rule set the account's active one (see InboundMail). @default true */
  readonly activateRuleSet?: boolean;
  /** Concurrent sync invocations at most. @default 5 */
  readonly syncMaxConcurrency?: number;
}

const entry = (path: string) => fileURLToPath(new URL(`../functions/${path}`, import.meta.url));

/** The whole pipeline, one construct per stage: inbound mail → bucket → parse → sync → monitoring. */
export class CaptureStack extends Stack {
  public readonly mail: MailBucket;
  public readonly inbound: InboundMail;
  public readonly parse: SnsToParse;
  public readonly sync: ParseToSync;
  public readonly outbound: OutboundMail;
  public readonly notices: Notices;
  public readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: CaptureStackProps) {
    super(scope, id, props);
    const captureDomain = props.captureDomain ?? props.registry.captureDomain;
    const mail = new MailBucket(this, 'MailBucket', {
      ...(props.retentionDays !== undefined ? { retentionDays: props.retentionDays } : {}),
    });
    const hostedZone = props.hostedZone
      ? HostedZone.fromHostedZoneAttributes(this, 'Zone', props.hostedZone)
      : undefined;
    const inbound = new InboundMail(this, 'InboundMail', {
      captureDomain,
      bucket: mail.bucket,
      ...(hostedZone ? { hostedZone } : {}),
      ...(props.activateRuleSet === false ? { activateRuleSet: false } : {}),
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
      ...(props.createSecrets === false ? { createSecrets: false } : {}),
      ...(props.syncMaxConcurrency !== undefined ? { maxConcurrency: props.syncMaxConcurrency } : {}),
    });
    const outbound = new OutboundMail(this, 'OutboundMail', { identity: inbound.identity });
    const notices = new Notices(this, 'Notices', {
      bucket: mail.bucket,
      orgsFile: props.orgsFile,
      entry: entry('notices/handler.ts'),
      outbound,
      captureDomain,
      reporters: [parse.function, sync.function],
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      queues: [
        { name: 'Intake', queue: parse.queue, deadLetterQueue: parse.deadLetterQueue },
        { name: 'Sync', queue: sync.queue, deadLetterQueue: sync.deadLetterQueue },
        { name: 'Notices', queue: notices.queue, deadLetterQueue: notices.deadLetterQueue },
      ],
      functions: [parse.function, sync.function, notices.function],
      orgIds: props.registry.orgs.map((o) => o.id),
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });
    this.mail = mail;
    this.inbound = inbound;
    this.parse = parse;
    this.sync = sync;
    this.outbound = outbound;
    this.notices = notices;
    this.#outputs();
    this.#suppressions(mail, inbound, parse, sync);
  }

  /** What `capture status --stack` and `capture replay --stack` read (cli/commands/operations.ts). */
  #outputs(): void {
    const outputs: Record<string, string> = {
      [stackOutputs.bucket]: this.mail.bucket.bucketName,
      [stackOutputs.intakeQueueUrl]: this.parse.queue.queueUrl,
      [stackOutputs.intakeQueueArn]: this.parse.queue.queueArn,
      [stackOutputs.intakeDlqUrl]: this.parse.deadLetterQueue.queueUrl,
      [stackOutputs.intakeDlqArn]: this.parse.deadLetterQueue.queueArn,
      [stackOutputs.syncQueueUrl]: this.sync.queue.queueUrl,
      [stackOutputs.syncQueueArn]: this.sync.queue.queueArn,
      [stackOutputs.syncDlqUrl]: this.sync.deadLetterQueue.queueUrl,
      [stackOutputs.syncDlqArn]: this.sync.deadLetterQueue.queueArn,
      [stackOutputs.noticesQueueUrl]: this.notices.queue.queueUrl,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }

  #suppressions(mail: MailBucket, inbound: InboundMail, parse: SnsToParse, sync: ParseToSync): void {
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
    for (const fn of [parse.function, sync.function, this.notices.function]) {
      NagSuppressions.addResourceSuppressions(
        fn,
        [
          {
            id: 'AwsSolutions-IAM4',
            reason: 'AWSLambdaBasicExecutionRole: writing the function’s own logs, nothing else.',
            appliesTo: [
              'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
            ],
          },
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'Object grants are per key prefix of the mail bucket (raw/*, parsed/*, index/dead-lettered/*, …): object keys are per message.',
            appliesTo: [{ regex: '/^Resource::<MailBucket[A-Za-z0-9]+\\.Arn>\\/([a-z-]+\\/)+\\*$/g' }],
          },
          {
            id: 'AwsSolutions-IAM5',
            reason: 'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions.',
            appliesTo: ['Resource::*'],
          },
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'Salesforce secrets are read by name prefix, or by the name or ARN the registry gives, with a wildcard for the random suffix Secrets Manager appends; GetSecretValue only.',
            appliesTo: [
              { regex: '/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):secretsmanager:.*:secret:.*\\*$/g' },
            ],
          },
          {
            id: 'AwsSolutions-L1',
            reason: 'The functions pin nodejs22.x, the runtime the project is built and tested on.',
          },
        ],
        true,
      );
    }
    NagSuppressions.addResourceSuppressions(
      inbound.legacyActivation,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason: 'SES DescribeActiveReceiptRuleSet has no resource-level permissions.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
    // The AwsCustomResource provider is a singleton Lambda at stack level, made by aws-cdk-lib.
    const provider = this.node.tryFindChild(
      `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
    );
    if (provider) {
      NagSuppressions.addResourceSuppressions(
        provider,
        [
          {
            id: 'AwsSolutions-IAM4',
            reason:
              'The custom resource provider of aws-cdk-lib writes its logs with AWSLambdaBasicExecutionRole.',
            appliesTo: [
              'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
            ],
          },
          {
            id: 'AwsSolutions-L1',
            reason: 'The custom resource provider runtime is chosen by aws-cdk-lib, not by this project.',
          },
        ],
        true,
      );
    }
    if (inbound.activation) {
      // The activation handler and the Provider framework's own function (made by aws-cdk-lib).
      NagSuppressions.addResourceSuppressions(
        inbound.activationParts,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'SES SetActiveReceiptRuleSet and DescribeActiveReceiptRuleSet have no resource-level permissions; the Provider framework may invoke any version of the activation handler.',
          },
          {
            id: 'AwsSolutions-IAM4',
            reason: 'AWSLambdaBasicExecutionRole: writing the function’s own logs, nothing else.',
            appliesTo: [
              'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
            ],
          },
          {
            id: 'AwsSolutions-L1',
            reason:
              'The activation handler pins nodejs22.x; the Provider framework runtime is chosen by aws-cdk-lib.',
          },
        ],
        true,
      );
    }
  }
}
