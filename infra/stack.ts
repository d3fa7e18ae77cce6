import { fileURLToPath } from 'node:url';
import { Stack, type StackProps } from 'aws-cdk-lib';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import type { Registry } from '#shared/config/registry.ts';
import { InboundMail } from './constructs/inbound-mail.ts';
import { MailBucket } from './constructs/mail-bucket.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { ParseToSync } from './constructs/parse-to-sync.ts';
import { SnsToParse } from './constructs/sns-to-parse.ts';

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
    this.monitoring = new Monitoring(this, 'Monitoring', {
      queues: [
        { name: 'Intake', queue: parse.queue, deadLetterQueue: parse.deadLetterQueue },
        { name: 'Sync', queue: sync.queue, deadLetterQueue: sync.deadLetterQueue },
      ],
      functions: [parse.function, sync.function],
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });
    this.mail = mail;
    this.inbound = inbound;
    this.parse = parse;
    this.sync = sync;
    this.#suppressions(mail, inbound, parse, sync);
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
    for (const fn of [parse.function, sync.function]) {
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
              'Object grants are per key prefix of the mail bucket (raw/*, parsed/*, …): object keys are per message.',
            appliesTo: [{ regex: '/^Resource::<MailBucket[A-Za-z0-9]+\\.Arn>\\/[a-z]+\\/\\*$/g' }],
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
    if (inbound.activation) {
      NagSuppressions.addResourceSuppressions(
        inbound.activation,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason: 'SES SetActiveReceiptRuleSet has no resource-level permissions.',
            appliesTo: ['Resource::*'],
          },
        ],
        true,
      );
    }
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
  }
}
