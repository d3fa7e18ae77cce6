/** The CDK stack, asserted on its synthesized template (bundling skipped), and cdk-nag. */
import { fileURLToPath } from 'node:url';
import { App, Aspects } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptureStack } from '#infra/stack.ts';
import { pipeline } from '#shared/config/pipeline.ts';
import { loadRegistryFile } from '#shared/config/registry-file.ts';

const orgsFile = fileURLToPath(new URL('../../local/demo/orgs.json', import.meta.url));
let template: Template;
let stack: CaptureStack;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new CaptureStack(app, 'Capture', {
    registry: loadRegistryFile(orgsFile),
    orgsFile,
    hostedZone: { hostedZoneId: 'Z123456ABCDEFG', zoneName: 'capture.localhost' },
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  Aspects.of(app).add(new AwsSolutionsChecks());
  app.synth();
  template = Template.fromStack(stack);
});

describe('CaptureStack', () => {
  it('passes cdk-nag AwsSolutions with only reasoned suppressions', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => e.entry.data)).toEqual([]);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(warnings.map((w) => w.entry.data)).toEqual([]);
  });

  it('receives mail for the capture domain with scanning and TLS, into S3 raw/ with an SNS notification', () => {
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({
        Recipients: ['capture.localhost'],
        ScanEnabled: true,
        TlsPolicy: 'Require',
        Enabled: true,
        Actions: [{ S3Action: Match.objectLike({ ObjectKeyPrefix: 'raw/', TopicArn: Match.anyValue() }) }],
      }),
    });
    const activation = Object.values(template.findResources('Custom::AWS'));
    expect(activation).toHaveLength(1);
    expect(JSON.stringify(activation[0])).toContain('setActiveReceiptRuleSet');
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Type: 'MX',
      ResourceRecords: ['10 inbound-smtp.eu-west-1.amazonaws.com'],
    });
  });

  it('keeps mail in an encrypted, private, TLS-only bucket that only SES of this account may write to', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'raw/', ExpirationInDays: 30 })]),
      },
      LoggingConfiguration: Match.anyValue(),
    });
    const policies = template.findResources('AWS::S3::BucketPolicy');
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'ses.amazonaws.com' },
        Action: 's3:PutObject',
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      }),
    );
  });

  it('gives both queues an encrypted DLQ with the shared redrive settings', () => {
    for (const q of [pipeline.queues.intake, pipeline.queues.sync]) {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: q.name,
        SqsManagedSseEnabled: true,
        VisibilityTimeout: q.visibilityTimeoutSeconds,
        RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: q.maxReceiveCount },
      });
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: q.dlqName,
        MessageRetentionPeriod: 1209600,
      });
    }
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs', RawMessageDelivery: false });
  });

  it('runs both functions on Node 22 arm64 with partial batch responses', () => {
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Runtime: 'nodejs22.x', Architectures: ['arm64'] },
      2,
    );
    template.resourcePropertiesCountIs(
      'AWS::Lambda::EventSourceMapping',
      { FunctionResponseTypes: ['ReportBatchItemFailures'] },
      2,
    );
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: pipeline.queues.sync.batchSize,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CAPTURE_CONFIG: 'orgs.json',
          SALESFORCE_SECRET_PREFIX: 'capture/salesforce/',
          SYNC_DLQ_URL: Match.anyValue(),
        }),
      },
    });
  });

  it('keeps secrets out of env vars and scopes secret access to the org prefix', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'capture/salesforce/acme' });
    const functions = template.findResources('AWS::Lambda::Function');
    for (const f of Object.values(functions)) {
      const vars = Object.keys(f.Properties.Environment?.Variables ?? {});
      expect(vars.filter((v) => /SECRET$|PASSWORD|PRIVATE_KEY|CLIENT_SECRET/.test(v))).toEqual([]);
    }
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    const secretAccess = statements.filter((s) =>
      [s.Action].flat().includes('secretsmanager:GetSecretValue'),
    );
    expect(secretAccess).toHaveLength(1);
    expect(JSON.stringify(secretAccess[0].Resource)).toContain('secret:capture/salesforce/*');
    for (const s of statements) expect([s.Action].flat()).not.toContain('*');
  });

  it('alarms on DLQ messages and backlog age', () => {
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0 },
      2,
    );
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: 'ApproximateAgeOfOldestMessage' },
      2,
    );
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
