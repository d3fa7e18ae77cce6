import { fileURLToPath } from 'node:url';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { Registry } from '#shared/config/registry.ts';
import { InboundMail } from './constructs/inbound-mail.ts';
import { MailBucket } from './constructs/mail-bucket.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { Notices } from './constructs/notices.ts';
import { OutboundMail } from './constructs/outbound-mail.ts';
import { ParseToSync } from './constructs/parse-to-sync.ts';
import { SnsToParse } from './constructs/sns-to-parse.ts';
import { suppressNagFindings } from './nag-suppressions.ts';
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
        // Its dead letters go to the intake DLQ, whose alarm covers them.
        { name: 'Lines', queue: parse.linesQueue },
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
    suppressNagFindings(this, {
      mail,
      inbound,
      functions: [parse.function, sync.function, this.notices.function],
      secrets: sync.secrets,
    });
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
}
