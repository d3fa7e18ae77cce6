import { fileURLToPath } from 'node:url';
import { Aws, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type IHostedZone, MxRecord } from 'aws-cdk-lib/aws-route53';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import {
  EmailIdentity,
  Identity,
  type IReceiptRuleAction,
  type ReceiptRuleActionConfig,
  ReceiptRuleSet,
  TlsPolicy,
} from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import {
  AwsCustomResource,
  AwsCustomResourcePolicy,
  PhysicalResourceId,
  Provider,
} from 'aws-cdk-lib/custom-resources';
import { Construct, type IConstruct } from 'constructs';
import { pipeline } from '#shared/config/pipeline.ts';
import { sesTopicKey } from './ses-topic-key.ts';

/** The receipt rule's name: fixed, so the bucket and topic policies can name the rule's ARN. */
export const RECEIPT_RULE_NAME = 'capture';

export interface InboundMailProps {
  /** The capture domain SES receives for (capture.example.com). */
  readonly captureDomain: string;
  /** Where SES stores raw mail (under raw/); this construct lets SES of this rule put objects there. */
  readonly bucket: Bucket;
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
  public readonly activation: CustomResource | undefined;
  /**
   * Earlier versions activated the set with an AwsCustomResource (logical id ActivateRuleSet)
   * whose Delete deactivated WHATEVER set was active. Removing it from a deployed stack would
   * run that Delete after the upgrade and stop all receiving, so it stays with the same id and
   * physical id, defused: its update replaces the stored Delete with nothing, and it only reads.
   */
  public readonly legacyActivation: AwsCustomResource;
  /** The activation's handler and the Provider framework around it (for cdk-nag suppressions). */
  public readonly activationParts: IConstruct[] = [];
  /** arn:…:receipt-rule-set/<set>:receipt-rule/capture, the SourceArn SES writes raw mail with. */
  public readonly ruleArn: string;

  constructor(scope: Construct, id: string, props: InboundMailProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const ruleSetName = `capture-${props.captureDomain.replace(/\./g, '-')}`;
    this.ruleArn = `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:receipt-rule-set/${ruleSetName}:receipt-rule/${RECEIPT_RULE_NAME}`;
    // SES writes raw mail for this account's Capture rule only (the confused-deputy guard AWS
    // documents for the S3 action's bucket).
    const fromThisRule = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID, 'aws:SourceArn': this.ruleArn },
    };
    const key = sesTopicKey(this, 'TopicKey', 'Capture inbound notifications');
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
        // Account only: SES documents the receipt rule's SourceArn for the bucket, not for the topic.
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );

    this.identity = new EmailIdentity(this, 'Identity', {
      identity: props.hostedZone
        ? Identity.publicHostedZone(props.hostedZone)
        : Identity.domain(props.captureDomain),
    });

    const rawWrite = new PolicyStatement({
      effect: Effect.ALLOW,
      principals: [new ServicePrincipal('ses.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [props.bucket.arnForObjects(`${pipeline.keys.raw}*`)],
      conditions: fromThisRule,
    });
    props.bucket.addToResourcePolicy(rawWrite);

    this.ruleSet = new ReceiptRuleSet(this, 'RuleSet', { receiptRuleSetName: ruleSetName });
    const rule = this.ruleSet.addRule('Capture', {
      receiptRuleName: RECEIPT_RULE_NAME,
      recipients: [props.captureDomain],
      scanEnabled: true,
      tlsPolicy: TlsPolicy.REQUIRE,
      actions: [new StoreInBucket(props.bucket, pipeline.keys.raw, this.topic)],
    });
    // SES checks its permissions when the rule is created: the bucket policy must exist first.
    const bucketPolicy = props.bucket.policy;
    if (bucketPolicy) rule.node.addDependency(bucketPolicy);

    this.legacyActivation = this.#defusedLegacyActivation(ruleSetName);
    if (props.activateRuleSet === false) {
      this.activation = undefined;
    } else {
      this.activation = this.#activation(ruleSetName);
      this.activation.node.addDependency(this.ruleSet);
    }

    if (props.hostedZone) {
      new MxRecord(this, 'Mx', {
        zone: props.hostedZone,
        recordName: props.captureDomain,
        values: [{ priority: 10, hostName: `inbound-smtp.${stack.region}.amazonaws.com` }],
      });
    }
  }

  #defusedLegacyActivation(ruleSetName: string): AwsCustomResource {
    const read = {
      service: 'SES',
      action: 'describeActiveReceiptRuleSet',
      parameters: {},
      // The physical id the earlier resource had: a new one would make CloudFormation delete the
      // old one with its old (deactivating) Delete.
      physicalResourceId: PhysicalResourceId.of(`active-${ruleSetName}`),
    };
    return new AwsCustomResource(this, 'ActivateRuleSet', {
      onCreate: read,
      onUpdate: read,
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({ actions: ['ses:DescribeActiveReceiptRuleSet'], resources: ['*'] }),
      ]),
      installLatestAwsSdk: false,
      timeout: Duration.minutes(2),
    });
  }

  /**
   * The custom resource (functions/rule-set/activation.ts) that activates the set, and on delete
   * or replacement deactivates it only while it is still the active one.
   */
  #activation(ruleSetName: string): CustomResource {
    const logGroup = new LogGroup(this, 'ActivationLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const onEvent = new NodejsFunction(this, 'ActivationHandler', {
      entry: fileURLToPath(new URL('../../functions/rule-set/activation.ts', import.meta.url)),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      timeout: Duration.minutes(1),
      logGroup,
      // CommonJS, with the AWS SDK left out: the runtime's own SDK v3 (it has SES) is found by require().
      bundling: {
        target: 'node22',
        minify: true,
        forceDockerBundling: false,
        externalModules: ['@aws-sdk/*'],
      },
    });
    onEvent.addToRolePolicy(
      new PolicyStatement({
        // Neither action has resource-level permissions in SES.
        actions: ['ses:SetActiveReceiptRuleSet', 'ses:DescribeActiveReceiptRuleSet'],
        resources: ['*'],
      }),
    );
    const provider = new Provider(this, 'ActivationProvider', {
      onEventHandler: onEvent,
      logGroup: new LogGroup(this, 'ActivationProviderLogs', {
        retention: RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    this.activationParts.push(onEvent, provider);
    return new CustomResource(this, 'ActiveRuleSet', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::CaptureActiveRuleSet',
      properties: { RuleSetName: ruleSetName },
    });
  }
}

/**
 * The SES S3 action (store raw mail, then notify the topic) without the bucket permission
 * aws-cdk-lib's S3 action adds: that one names only the account, the one above names the rule too.
 */
class StoreInBucket implements IReceiptRuleAction {
  readonly #bucket: Bucket;
  readonly #prefix: string;
  readonly #topic: Topic;

  constructor(bucket: Bucket, prefix: string, topic: Topic) {
    this.#bucket = bucket;
    this.#prefix = prefix;
    this.#topic = topic;
  }

  bind(): ReceiptRuleActionConfig {
    return {
      s3Action: {
        bucketName: this.#bucket.bucketName,
        objectKeyPrefix: this.#prefix,
        topicArn: this.#topic.topicArn,
      },
    };
  }
}
