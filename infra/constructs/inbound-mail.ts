import { Duration, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type IHostedZone, MxRecord } from 'aws-cdk-lib/aws-route53';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { EmailIdentity, Identity, ReceiptRuleSet, TlsPolicy } from 'aws-cdk-lib/aws-ses';
import { S3 } from 'aws-cdk-lib/aws-ses-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { pipeline } from '#shared/config/pipeline.ts';

export interface InboundMailProps {
  /** The capture domain SES receives for (capture.example.com). */
  readonly captureDomain: string;
  /** Where SES stores raw mail (under raw/); its policy must let SES put objects. */
  readonly bucket: IBucket;
  /**
   * Make this rule set the active one. An account and region has ONE active rule set: set false
   * when another one is active for other mail, and add this rule to it by hand.
   * @default true
   */
  readonly activateRuleSet?: boolean;
  /** Adds the MX record (and DKIM records) when the domain's zone is in Route 53. @default none */
  readonly hostedZone?: IHostedZone;
}

/**
 * SES receiving for the capture domain: domain identity, a receipt rule set whose one rule
 * (spam/virus scanning, TLS required) stores raw mail in S3 and notifies an encrypted SNS topic,
 * activated by a custom resource because CloudFormation cannot activate a rule set.
 */
export class InboundMail extends Construct {
  public readonly topic: Topic;
  public readonly ruleSet: ReceiptRuleSet;
  public readonly identity: EmailIdentity;
  /** Makes the rule set the account's active one (one active rule set per account and region). */
  public readonly activation: AwsCustomResource | undefined;

  constructor(scope: Construct, id: string, props: InboundMailProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const key = new Key(this, 'TopicKey', {
      enableKeyRotation: true,
      description: 'Capture inbound notifications',
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.topic = new Topic(this, 'Topic', {
      topicName: pipeline.topic.name,
      masterKey: key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    this.identity = new EmailIdentity(this, 'Identity', {
      identity: props.hostedZone
        ? Identity.publicHostedZone(props.hostedZone)
        : Identity.domain(props.captureDomain),
    });

    this.ruleSet = new ReceiptRuleSet(this, 'RuleSet', {
      receiptRuleSetName: `capture-${props.captureDomain.replace(/\./g, '-')}`,
    });
    this.ruleSet.addRule('Capture', {
      recipients: [props.captureDomain],
      scanEnabled: true,
      tlsPolicy: TlsPolicy.REQUIRE,
      actions: [new S3({ bucket: props.bucket, objectKeyPrefix: pipeline.keys.raw, topic: this.topic })],
    });

    if (props.activateRuleSet === false) {
      this.activation = undefined;
    } else {
      const activate = {
        service: 'SES',
        action: 'setActiveReceiptRuleSet',
        parameters: { RuleSetName: this.ruleSet.receiptRuleSetName },
        physicalResourceId: PhysicalResourceId.of(`active-${this.ruleSet.receiptRuleSetName}`),
      };
      this.activation = new AwsCustomResource(this, 'ActivateRuleSet', {
        onCreate: activate,
        onUpdate: activate,
        // Deactivates (no rule set name) when the stack is deleted.
        onDelete: { service: 'SES', action: 'setActiveReceiptRuleSet', parameters: {} },
        policy: AwsCustomResourcePolicy.fromStatements([
          new PolicyStatement({ actions: ['ses:SetActiveReceiptRuleSet'], resources: ['*'] }),
        ]),
        installLatestAwsSdk: false,
        timeout: Duration.minutes(2),
      });
    }

    if (props.hostedZone) {
      new MxRecord(this, 'Mx', {
        zone: props.hostedZone,
        recordName: props.captureDomain,
        values: [{ priority: 10, hostName: `inbound-smtp.${stack.region}.amazonaws.com` }],
      });
    }
  }
}
