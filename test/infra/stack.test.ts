import { Aspects, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { stackOutputs } from '#infra/outputs.ts';
import type { CaptureStack } from '#infra/stack.ts';
import { pipeline } from '#shared/config/pipeline.ts';
import { testStack } from '../support/cdk.ts';

let template: Template;
let stack: CaptureStack;

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

beforeAll(() => {
  const built = testStack();
  const app = built.app;
  stack = built.stack;
  Aspects.of(app).add(new AwsSolutionsChecks());
  app.synth();
  template = Template.fromStack(stack);
});

/** The statements of a function's own role policy. */
function statementsOf(fn: IFunction): Statement[] {
  const policy = fn.role?.node.tryFindChild('DefaultPolicy')?.node.defaultChild as CfnElement;
  const resource = template.toJSON().Resources[stack.getLogicalId(policy)];
  return resource.Properties.PolicyDocument.Statement;
}

/** The mail-bucket prefixes (`raw/`, …) a role may use `action` on; `(bucket)` for the bucket itself. */
function bucketScopes(statements: Statement[], action: string): string[] {
  return statements
    .filter((s) => s.Effect === 'Allow' && [s.Action].flat().includes(action))
    .flatMap((s) => [s.Resource].flat())
    .map((r) => {
      const text = JSON.stringify(r);
      if (!text.includes('MailBucket')) return `other:${text}`;
      return /"\/((?:[a-z-]+\/)+)\*"/.exec(text)?.[1] ?? '(bucket)';
    })
    .sort();
}

/** A Fn::Join of strings and Refs as one string: `arn:[AWS::Partition]:ses:…`. */
function joined(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]] };
  if (v.Ref) return `[${v.Ref}]`;
  if (v['Fn::Join']) return v['Fn::Join'][1].map(joined).join(v['Fn::Join'][0]);
  return JSON.stringify(value);
}

const ruleArn =
  '[AWS::Partition]:ses:[AWS::Region]:[AWS::AccountId]:receipt-rule-set/capture-capture-localhost:receipt-rule/capture';

const allStatements = () =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as Statement[],
  );

describe('CaptureStack', () => {
  it('passes cdk-nag AwsSolutions with only reasoned suppressions', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => e.entry.data)).toEqual([]);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(warnings.map((w) => w.entry.data)).toEqual([]);
    // Every suppression in the template says why.
    const suppressions = Object.values(template.toJSON().Resources).flatMap(
      (r) =>
        ((r as { Metadata?: { cdk_nag?: { rules_to_suppress?: { id: string; reason: string }[] } } }).Metadata
          ?.cdk_nag?.rules_to_suppress ?? []) as { id: string; reason: string }[],
    );
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) expect(s.reason.length, s.id).toBeGreaterThan(30);
  });

  it('receives mail for the capture domain with scanning and TLS, into S3 raw/ with an SNS notification', () => {
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({
        Recipients: ['capture.localhost'],
        ScanEnabled: true,
        TlsPolicy: 'Require',
        Enabled: true,
        Actions: [
          {
            S3Action: {
              BucketName: { Ref: stack.getLogicalId(stack.mail.bucket.node.defaultChild as CfnElement) },
              ObjectKeyPrefix: pipeline.keys.raw,
              TopicArn: { Ref: stack.getLogicalId(stack.inbound.topic.node.defaultChild as CfnElement) },
            },
          },
        ],
      }),
    });
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'capture.localhost' });
    // The earlier AwsCustomResource stays, defused: same id and physical id, reads only, no Delete.
    const legacy =
      template.toJSON().Resources[
        stack.getLogicalId(
          stack.inbound.legacyActivation.node.findChild('Resource').node.defaultChild as CfnElement,
        )
      ];
    expect(legacy.Type).toBe('Custom::AWS');
    expect(Object.keys(template.findResources('Custom::AWS'))).toHaveLength(1);
    expect(legacy.Properties.Delete).toBeUndefined();
    for (const call of [legacy.Properties.Create, legacy.Properties.Update]) {
      const text = JSON.stringify(call);
      expect(text).toContain('describeActiveReceiptRuleSet');
      expect(text).toContain('active-capture-capture-localhost');
      expect(text).not.toContain('setActiveReceiptRuleSet');
    }
    expect(
      stack.getLogicalId(
        stack.inbound.legacyActivation.node.findChild('Resource').node.defaultChild as CfnElement,
      ),
    ).toMatch(/^InboundMailActivateRuleSet/);
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Type: 'MX',
      Name: 'capture.localhost.',
      ResourceRecords: ['10 inbound-smtp.eu-west-1.amazonaws.com'],
    });
  });

  it('lets only SES of this account publish to the encrypted inbound topic', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: pipeline.topic.name,
      KmsMasterKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
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
      LoggingConfiguration: Match.anyValue(),
    });
    const bucketId = stack.getLogicalId(stack.mail.bucket.node.defaultChild as CfnElement);
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
      (p) => p.Properties.Bucket.Ref === bucketId,
    );
    const statements = policy?.Properties.PolicyDocument.Statement as Statement[];
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const sesStatements = statements.filter((s) => JSON.stringify(s).includes('ses.amazonaws.com'));
    expect(sesStatements).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'ses.amazonaws.com' },
        Action: 's3:PutObject',
        Condition: {
          StringEquals: {
            'aws:SourceAccount': { Ref: 'AWS::AccountId' },
            'aws:SourceArn': expect.anything(),
          },
        },
      }),
    ]);
    // Only SES acting for Capture's own receipt rule, not any rule of the account.
    const condition = sesStatements[0]?.Condition as { StringEquals: Record<string, unknown> };
    expect(joined(condition.StringEquals['aws:SourceArn'])).toBe(`arn:${ruleArn}`);
    expect(JSON.stringify(sesStatements[0]?.Resource)).toContain('/raw/*');
    template.hasResourceProperties('AWS::SES::ReceiptRule', { Rule: Match.objectLike({ Name: 'capture' }) });
  });

  it('expires mail per prefix after the retention period and keeps outcomes longer', () => {
    const bucket =
      template.toJSON().Resources[stack.getLogicalId(stack.mail.bucket.node.defaultChild as CfnElement)];
    const rules = bucket.Properties.LifecycleConfiguration.Rules as {
      Prefix?: string;
      ExpirationInDays?: number;
      Status: string;
    }[];
    const days = Object.fromEntries(rules.filter((r) => r.Prefix).map((r) => [r.Prefix, r.ExpirationInDays]));
    expect(days).toEqual({
      'raw/': 30,
      'parsed/': 30,
      'attachments/': 30,
      // As long as what it points at: unresolved mail stays replayable while it is listed.
      'unresolved/': 30,
      // A notice's reply address and a digest entry last as long as the mail they are about.
      'replies/': 30,
      'notices/digest/': 30,
      'outcomes/': 400,
      'index/': 400,
      // Per-org write slots and waiting markers: tidied away when a crash left one behind.
      'leases/': 1,
      'waiting/': 14,
    });
    expect(rules.every((r) => r.Status === 'Enabled')).toBe(true);
    expect(rules).toContainEqual(
      expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
    );
  });

  it('gives every queue an encrypted DLQ with the shared redrive settings', () => {
    for (const [name, q] of Object.entries(pipeline.queues)) {
      const dlqs = template.findResources('AWS::SQS::Queue', { Properties: { QueueName: q.dlqName } });
      const [dlqId] = Object.keys(dlqs);
      expect(dlqId, name).toBeDefined();
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: q.dlqName,
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: q.name,
        SqsManagedSseEnabled: true,
        VisibilityTimeout: q.visibilityTimeoutSeconds,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
          maxReceiveCount: q.maxReceiveCount,
        },
      });
    }
    // TLS-only queue policies on all seven queues (intake, lines, sync, notices and three DLQs: the
    // lines queue redrives into the intake DLQ).
    const queuePolicies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    const tlsOnly = queuePolicies.filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('"aws:SecureTransport":"false"'),
    );
    expect(tlsOnly.flatMap((p) => p.Properties.Queues)).toHaveLength(7);
  });

  it('subscribes the intake queue to the topic with the SNS envelope kept', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: false,
      TopicArn: { Ref: stack.getLogicalId(stack.inbound.topic.node.defaultChild as CfnElement) },
      Endpoint: {
        'Fn::GetAtt': [stack.getLogicalId(stack.parse.queue.node.defaultChild as CfnElement), 'Arn'],
      },
    });
  });

  it('runs the three functions on Node 22 arm64 with partial batch responses and batching from pipeline.ts', () => {
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } },
      3,
    );
    const queueArn = (q: typeof stack.parse.queue) => ({
      'Fn::GetAtt': [stack.getLogicalId(q.node.defaultChild as CfnElement), 'Arn'],
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: queueArn(stack.parse.queue),
      BatchSize: pipeline.queues.intake.batchSize,
      MaximumBatchingWindowInSeconds: pipeline.queues.intake.maxBatchingWindowSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    // The parse function also works each org's line, with the same batching.
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: queueArn(stack.parse.linesQueue),
      FunctionName: { Ref: stack.getLogicalId(stack.parse.function.node.defaultChild as CfnElement) },
      BatchSize: pipeline.queues.lines.batchSize,
      MaximumBatchingWindowInSeconds: pipeline.queues.lines.maxBatchingWindowSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: queueArn(stack.sync.queue),
      BatchSize: pipeline.queues.sync.batchSize,
      MaximumBatchingWindowInSeconds: pipeline.queues.sync.maxBatchingWindowSeconds,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: pipeline.functions.parse.memoryMB,
      Timeout: pipeline.functions.parse.timeoutSeconds,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: pipeline.functions.sync.memoryMB,
      Timeout: pipeline.functions.sync.timeoutSeconds,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: queueArn(stack.notices.queue),
      BatchSize: pipeline.queues.notices.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: pipeline.functions.notices.memoryMB,
      Timeout: pipeline.functions.notices.timeoutSeconds,
    });
    // SQS redelivers only after the visibility timeout: it must outlast the function.
    expect(pipeline.queues.intake.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
      pipeline.functions.parse.timeoutSeconds,
    );
    expect(pipeline.queues.sync.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
      pipeline.functions.sync.timeoutSeconds,
    );
  });

  it('gives each function exactly the env vars its handler reads, and no secrets', () => {
    const env = (fn: IFunction) =>
      template.toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as CfnElement)].Properties
        .Environment.Variables as Record<string, unknown>;
    const common = {
      CAPTURE_CONFIG: 'orgs.json',
      POWERTOOLS_METRICS_NAMESPACE: 'Capture',
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
      MAIL_BUCKET: { Ref: stack.getLogicalId(stack.mail.bucket.node.defaultChild as CfnElement) },
    };
    const noticeQueue = { Ref: stack.getLogicalId(stack.notices.queue.node.defaultChild as CfnElement) };
    expect(env(stack.parse.function)).toEqual({
      ...common,
      POWERTOOLS_SERVICE_NAME: 'parse',
      NOTICE_QUEUE_URL: noticeQueue,
      SYNC_QUEUE_URL: { Ref: stack.getLogicalId(stack.sync.queue.node.defaultChild as CfnElement) },
      // Mail straight from SES is sent on to the lines queue, in its org's line.
      LINES_QUEUE_URL: { Ref: stack.getLogicalId(stack.parse.linesQueue.node.defaultChild as CfnElement) },
      INTAKE_DLQ_URL: {
        Ref: stack.getLogicalId(stack.parse.deadLetterQueue.node.defaultChild as CfnElement),
      },
    });
    expect(env(stack.sync.function)).toEqual({
      ...common,
      POWERTOOLS_SERVICE_NAME: 'sync',
      // Mail an org cannot take now is handed back to the sync queue.
      SYNC_QUEUE_URL: { Ref: stack.getLogicalId(stack.sync.queue.node.defaultChild as CfnElement) },
      NOTICE_QUEUE_URL: noticeQueue,
      SYNC_DLQ_URL: { Ref: stack.getLogicalId(stack.sync.deadLetterQueue.node.defaultChild as CfnElement) },
      SALESFORCE_SECRET_PREFIX: 'capture/salesforce/',
      SALESFORCE_CREDENTIALS: 'secrets-manager',
    });
    expect(env(stack.notices.function)).toEqual({
      ...common,
      POWERTOOLS_SERVICE_NAME: 'notices',
      NOTICE_QUEUE_URL: noticeQueue,
      NOTICE_TRANSPORT: 'ses',
      SES_CONFIGURATION_SET: {
        Ref: stack.getLogicalId(stack.outbound.configurationSet.node.defaultChild as CfnElement),
      },
    });
  });

  it('grants each function only the bucket prefixes, queues and secrets it uses', () => {
    const parse = statementsOf(stack.parse.function);
    const sync = statementsOf(stack.sync.function);
    // A rep's reply to a notice: its reply address, then the unresolved mail it replays.
    expect(bucketScopes(parse, 's3:GetObject')).toEqual([
      'index/dead-lettered/',
      'outcomes/',
      'parsed/',
      'raw/',
      'replies/',
      'unresolved/',
    ]);
    expect(bucketScopes(parse, 's3:PutObject')).toEqual([
      'attachments/',
      'index/',
      'outcomes/',
      'parsed/',
      'waiting/',
    ]);
    expect(bucketScopes(parse, 's3:DeleteObject')).toEqual(['unresolved/']);
    expect(bucketScopes(parse, 's3:ListBucket')).toEqual(['(bucket)']);
    expect(bucketScopes(sync, 's3:GetObject')).toEqual([
      'attachments/',
      'index/dead-lettered/',
      'index/org-activity/',
      'leases/',
      'ledger/',
      'outcomes/',
      'parsed/',
    ]);
    // parsed/: an email carried in its sync message is written there only if it ends unresolved.
    expect(bucketScopes(sync, 's3:PutObject')).toEqual([
      'index/',
      'leases/',
      'ledger/',
      'outcomes/',
      'parsed/',
      'unresolved/',
    ]);
    // The sync function clears the waiting marker of each mail it settles.
    expect(bucketScopes(sync, 's3:DeleteObject')).toEqual(['leases/', 'ledger/', 'waiting/']);
    expect(parse.some((s) => [s.Action].flat().some((a) => a.startsWith('secretsmanager:')))).toBe(false);
    const syncQueueArn = stack.getLogicalId(stack.sync.queue.node.defaultChild as CfnElement);
    const sends = (statements: Statement[]) =>
      statements
        .filter((s) => [s.Action].flat().includes('sqs:SendMessage'))
        .map((s) => JSON.stringify(s.Resource));
    const noticeQueueArn = stack.getLogicalId(stack.notices.queue.node.defaultChild as CfnElement);
    expect(sends(parse)).toEqual([
      expect.stringContaining(
        stack.getLogicalId(stack.parse.deadLetterQueue.node.defaultChild as CfnElement),
      ),
      expect.stringContaining(stack.getLogicalId(stack.parse.linesQueue.node.defaultChild as CfnElement)),
      expect.stringContaining(syncQueueArn),
      expect.stringContaining(noticeQueueArn),
    ]);
    expect(sends(sync)).toEqual([
      expect.stringContaining(stack.getLogicalId(stack.sync.deadLetterQueue.node.defaultChild as CfnElement)),
      expect.stringContaining(syncQueueArn),
      expect.stringContaining(noticeQueueArn),
    ]);
  });

  it('keeps secrets out of env vars and scopes secret access to the org prefix', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'capture/salesforce/acme',
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: Match.stringLikeRegexp('"authFlow":"jwt-bearer"'),
      }),
    });
    const secretAccess = allStatements().filter((s) =>
      [s.Action].flat().some((a) => a.startsWith('secretsmanager:')),
    );
    expect(secretAccess).toHaveLength(1);
    expect(secretAccess[0]?.Action).toBe('secretsmanager:GetSecretValue');
    expect(JSON.stringify(secretAccess[0]?.Resource)).toContain(':secret:capture/salesforce/*');
    for (const s of allStatements()) {
      for (const action of [s.Action].flat())
        expect(action === '*' || action.endsWith(':*'), action).toBe(false);
    }
  });

  it('alarms per org when its oldest mail waits over 15 minutes, and draws a per-org view', () => {
    const orgs = ['acme', 'acme-mail'];
    for (const orgId of orgs) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Capture',
        MetricName: 'OldestMailAgeSeconds',
        Dimensions: [
          { Name: 'orgId', Value: orgId },
          { Name: 'service', Value: 'sync' },
        ],
        Statistic: 'Maximum',
        Threshold: 900,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
    const perOrg = template.findResources('AWS::CloudWatch::Alarm', {
      Properties: { MetricName: 'OldestMailAgeSeconds' },
    });
    expect(Object.keys(perOrg)).toHaveLength(orgs.length);
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    for (const metric of ['OldestMailAgeSeconds', 'MailsWaiting', 'MailsDeferred', 'MailsFailed'])
      expect(body).toContain(metric);
    expect(body).toContain('{Capture,orgId,service}');
    expect(body).toContain('MessageGroupId');
    // At most 5 sync invocations at once; each org at most its salesforce.maxConcurrency (2) of them.
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 25,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('alarms on DLQ messages and backlog age, to the alarm topic, and draws a dashboard', () => {
    const alarmTopic = {
      Ref: stack.getLogicalId(stack.monitoring.alarmTopic.node.defaultChild as CfnElement),
    };
    for (const dlq of [
      stack.parse.deadLetterQueue,
      stack.sync.deadLetterQueue,
      stack.notices.deadLetterQueue,
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [stack.getLogicalId(dlq.node.defaultChild as CfnElement), 'QueueName'] },
          },
        ],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [alarmTopic],
      });
    }
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 900, AlarmActions: [alarmTopic] },
      // Intake, lines, sync, notices; the lines queue's dead letters are the intake DLQ's.
      4,
    );
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@acme.example',
    });
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    expect(body).toContain('Outcome_created');
    expect(body).toContain('service');
  });

  it('traces both functions in X-Ray and graphs end-to-end latency per stage on the dashboard', () => {
    for (const fn of [stack.parse.function, stack.sync.function]) {
      const id = stack.getLogicalId(fn.node.defaultChild as CfnElement);
      expect(template.toJSON().Resources[id].Properties.TracingConfig).toEqual({ Mode: 'Active' });
      const role = (fn.role?.node.defaultChild as CfnElement | undefined) ?? null;
      expect(role).not.toBeNull();
      const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
        JSON.stringify(p.Properties.Roles).includes(stack.getLogicalId(role as CfnElement)),
      );
      expect(JSON.stringify(policies)).toContain('xray:PutTraceSegments');
    }
    // The body is a Fn::Join of JSON text and references (the region, queue names): read it as JSON.
    const join = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties
      .DashboardBody['Fn::Join'][1] as unknown[];
    const body = JSON.parse(join.map((part) => (typeof part === 'string' ? part : 'ref')).join('')) as {
      widgets: { properties: { title: string; metrics: { expression?: string; label?: string }[][] } }[];
    };
    const latency = body.widgets.find((w) => w.properties.title === 'End-to-end latency per stage (ms)');
    expect(latency?.properties.metrics.map(([m]) => m?.expression)).toEqual(
      ['ParseLatency', 'SyncLatency'].flatMap((metric) =>
        ['p50', 'p95'].map(
          (statistic) => `SEARCH('{Capture,service} MetricName="${metric}"', '${statistic}', 300)`,
        ),
      ),
    );
  });

  it('activates the rule set through its own handler, which deactivates only its own set', () => {
    const activation = Object.values(template.findResources('Custom::CaptureActiveRuleSet'));
    expect(activation).toHaveLength(1);
    expect(activation[0]?.Properties.RuleSetName).toBe('capture-capture-localhost');
    // Created after the rule set, so it is deleted before it (SES refuses to delete an active set).
    const ruleSetId = stack.getLogicalId(stack.inbound.ruleSet.node.defaultChild as CfnElement);
    expect(activation[0]?.DependsOn).toContain(ruleSetId);
    const handlerRole = allStatements().filter((s) =>
      [s.Action].flat().some((a) => a.startsWith('ses:') && a !== 'ses:SendRawEmail'),
    );
    expect([...new Set(handlerRole.flatMap((s) => [s.Action].flat()))].sort()).toEqual([
      'ses:DescribeActiveReceiptRuleSet',
      'ses:SetActiveReceiptRuleSet',
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      Timeout: 60,
    });
    // The receipt rule waits for the bucket policy that lets SES write (SES checks on creation).
    const rule = Object.values(template.findResources('AWS::SES::ReceiptRule'))[0];
    const policyId = stack.getLogicalId(stack.mail.bucket.policy?.node.defaultChild as CfnElement);
    expect(rule?.DependsOn).toContain(policyId);
  });

  it('leaves the active rule set alone when activateRuleSet is false', () => {
    const { stack: other } = testStack({
      id: 'NoActivation',
      props: { activateRuleSet: false, hostedZone: undefined, alarmEmail: undefined },
    });
    const t = Template.fromStack(other);
    expect(t.findResources('Custom::CaptureActiveRuleSet')).toEqual({});
    expect(JSON.stringify(t.toJSON())).not.toMatch(/setActiveReceiptRuleSet/i);
  });

  it('gives each queue a visibility timeout of at least 6 × its function timeout + batching window', () => {
    const resources = template.toJSON().Resources as Record<
      string,
      // biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
      { Type: string; Properties: any }
    >;
    const mappings = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    // Parse on the intake and the lines queue, sync, notices.
    expect(mappings).toHaveLength(4);
    for (const m of mappings) {
      const queueId = m.Properties.EventSourceArn['Fn::GetAtt'][0] as string;
      const fnId = m.Properties.FunctionName.Ref as string;
      const visibility = resources[queueId]?.Properties.VisibilityTimeout as number;
      const timeout = resources[fnId]?.Properties.Timeout as number;
      const window = m.Properties.MaximumBatchingWindowInSeconds as number;
      expect(visibility, queueId).toBeGreaterThanOrEqual(6 * timeout + window);
    }
  });

  it('outputs the bucket name and every queue URL and ARN under the names the CLI reads', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const ref = (c: { node: { defaultChild?: unknown } }) =>
      stack.getLogicalId(c.node.defaultChild as CfnElement);
    expect(outputs[stackOutputs.bucket]?.Value).toEqual({ Ref: ref(stack.mail.bucket) });
    expect(outputs[stackOutputs.intakeQueueUrl]?.Value).toEqual({ Ref: ref(stack.parse.queue) });
    expect(outputs[stackOutputs.intakeDlqUrl]?.Value).toEqual({ Ref: ref(stack.parse.deadLetterQueue) });
    expect(outputs[stackOutputs.syncQueueUrl]?.Value).toEqual({ Ref: ref(stack.sync.queue) });
    expect(outputs[stackOutputs.syncDlqUrl]?.Value).toEqual({ Ref: ref(stack.sync.deadLetterQueue) });
    expect(outputs[stackOutputs.intakeQueueArn]?.Value).toEqual({
      'Fn::GetAtt': [ref(stack.parse.queue), 'Arn'],
    });
    expect(outputs[stackOutputs.intakeDlqArn]?.Value).toEqual({
      'Fn::GetAtt': [ref(stack.parse.deadLetterQueue), 'Arn'],
    });
    expect(outputs[stackOutputs.syncQueueArn]?.Value).toEqual({
      'Fn::GetAtt': [ref(stack.sync.queue), 'Arn'],
    });
    expect(outputs[stackOutputs.syncDlqArn]?.Value).toEqual({
      'Fn::GetAtt': [ref(stack.sync.deadLetterQueue), 'Arn'],
    });
    expect(outputs[stackOutputs.noticesQueueUrl]?.Value).toEqual({ Ref: ref(stack.notices.queue) });
  });
});

/** SES sending for notices and digests (docs/notices.md), on the same synthesized template. */
describe('CaptureStack: notices and SES sending', () => {
  const ref = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as CfnElement);

  it('sends from the receiving identity, with Easy DKIM: one SES identity for the capture domain', () => {
    const identities = Object.values(template.findResources('AWS::SES::EmailIdentity'));
    expect(identities).toHaveLength(1);
    expect(identities[0]?.Properties.EmailIdentity).toBe('capture.localhost');
    // Easy DKIM is the default; with the hosted zone the three DKIM CNAMEs are created.
    expect(identities[0]?.Properties.DkimSigningAttributes).toBeUndefined();
    const cnames = Object.values(template.findResources('AWS::Route53::RecordSet')).filter(
      (r) => r.Properties.Type === 'CNAME',
    );
    expect(cnames).toHaveLength(3);
  });

  it('reports bounces and complaints through the configuration set to an encrypted topic the notices queue reads', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: ref(stack.outbound.configurationSet) },
      EventDestination: Match.objectLike({
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint'],
        SnsDestination: { TopicARN: { Ref: ref(stack.outbound.events) } },
      }),
    });
    const topic = template.toJSON().Resources[ref(stack.outbound.events)];
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: false,
      TopicArn: { Ref: ref(stack.outbound.events) },
      Endpoint: { 'Fn::GetAtt': [ref(stack.notices.queue), 'Arn'] },
    });
    // SES may publish to the topic for this configuration set only.
    const topicPolicy = JSON.stringify(template.findResources('AWS::SNS::TopicPolicy'));
    expect(topicPolicy).toContain('configuration-set/');
  });

  it('grants ses:SendRawEmail to the notices function only, on the identity and configuration set, as notices@', () => {
    const senders = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, p]) =>
      (p.Properties.PolicyDocument.Statement as Statement[]).some((s) =>
        [s.Action].flat().some((a) => a.startsWith('ses:Send')),
      ),
    );
    expect(senders).toHaveLength(1);
    const send = statementsOf(stack.notices.function).filter((s) =>
      [s.Action].flat().includes('ses:SendRawEmail'),
    );
    expect(send).toHaveLength(1);
    expect([send[0]?.Action].flat()).toEqual(['ses:SendRawEmail']);
    const resources = ([send[0]?.Resource].flat() as unknown[]).map(joined);
    expect(resources).toHaveLength(2);
    expect(resources[0]).toBe(
      `arn:[AWS::Partition]:ses:eu-west-1:123456789012:identity/[${ref(stack.inbound.identity)}]`,
    );
    expect(resources[1]).toBe(
      `arn:[AWS::Partition]:ses:eu-west-1:123456789012:configuration-set/[${ref(stack.outbound.configurationSet)}]`,
    );
    expect(send[0]?.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'notices@capture.localhost' } });
    for (const fn of [stack.parse.function, stack.sync.function]) {
      expect(statementsOf(fn).some((s) => [s.Action].flat().some((a) => a.startsWith('ses:')))).toBe(false);
    }
  });

  it('keeps the notices function to its own bucket prefixes and its own queue', () => {
    const notices = statementsOf(stack.notices.function);
    expect(bucketScopes(notices, 's3:GetObject')).toEqual([
      'notices/digest/',
      'notices/recipients/',
      'unresolved/',
    ]);
    expect(bucketScopes(notices, 's3:PutObject')).toEqual([
      'notices/digest/',
      'notices/recipients/',
      'replies/',
    ]);
    expect(bucketScopes(notices, 's3:DeleteObject')).toEqual(['notices/digest/']);
    const sends = notices.filter((s) => [s.Action].flat().includes('sqs:SendMessage'));
    expect(sends.map((s) => JSON.stringify(s.Resource))).toEqual([
      expect.stringContaining(ref(stack.notices.queue)),
    ]);
    expect(notices.some((s) => [s.Action].flat().some((a) => a.startsWith('secretsmanager:')))).toBe(false);
  });

  it('invokes the notices function at the top of every hour for the admin digests', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 * * * ? *)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [ref(stack.notices.function), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [ref(stack.notices.function), 'Arn'] },
    });
  });
});
