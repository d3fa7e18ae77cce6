/**
 * The cdk-nag findings the stack accepts, each with its reason: what AWS offers no narrower
 * permission for, what aws-cdk-lib makes itself, and what is by design (the access-log bucket,
 * credentials rotated in Salesforce). Everything else cdk-nag finds fails the synth test.
 */
import type { Stack } from 'aws-cdk-lib';
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
import { NagSuppressions } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { InboundMail } from './constructs/inbound-mail.ts';
import type { MailBucket } from './constructs/mail-bucket.ts';

type Suppression = Parameters<typeof NagSuppressions.addResourceSuppressions>[1][number];

const BASIC_EXECUTION_ROLE =
  'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

const OWN_LOGS: Suppression = {
  id: 'AwsSolutions-IAM4',
  reason: 'AWSLambdaBasicExecutionRole: writing the function’s own logs, nothing else.',
  appliesTo: [BASIC_EXECUTION_ROLE],
};

/** The pipeline's functions (parse, sync, notices). */
const PIPELINE_FUNCTION: Suppression[] = [
  OWN_LOGS,
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
    appliesTo: [{ regex: '/^Resource::arn:(<AWS::Partition>|aws[a-z-]*):secretsmanager:.*:secret:.*\\*$/g' }],
  },
  {
    id: 'AwsSolutions-L1',
    reason: 'The functions pin nodejs22.x, the runtime the project is built and tested on.',
  },
];

/** The singleton Lambda aws-cdk-lib makes for AwsCustomResource. */
const CUSTOM_RESOURCE_PROVIDER: Suppression[] = [
  {
    id: 'AwsSolutions-IAM4',
    reason: 'The custom resource provider of aws-cdk-lib writes its logs with AWSLambdaBasicExecutionRole.',
    appliesTo: [BASIC_EXECUTION_ROLE],
  },
  {
    id: 'AwsSolutions-L1',
    reason: 'The custom resource provider runtime is chosen by aws-cdk-lib, not by this project.',
  },
];

/** The receipt rule set's activation handler and the Provider framework's own function. */
const ACTIVATION: Suppression[] = [
  {
    id: 'AwsSolutions-IAM5',
    reason:
      'SES SetActiveReceiptRuleSet and DescribeActiveReceiptRuleSet have no resource-level permissions; the Provider framework may invoke any version of the activation handler.',
  },
  OWN_LOGS,
  {
    id: 'AwsSolutions-L1',
    reason:
      'The activation handler pins nodejs22.x; the Provider framework runtime is chosen by aws-cdk-lib.',
  },
];

export interface NagParts {
  mail: MailBucket;
  inbound: InboundMail;
  functions: IConstruct[];
  secrets: IConstruct[];
}

export function suppressNagFindings(stack: Stack, parts: NagParts): void {
  NagSuppressions.addResourceSuppressions(parts.mail.accessLogs, [
    {
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the mail bucket; logging it to itself would loop.',
    },
  ]);
  for (const secret of parts.secrets) {
    NagSuppressions.addResourceSuppressions(secret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Salesforce credentials are rotated in Salesforce (connected app certificate or secret), then stored here; there is no rotation Lambda for them.',
      },
    ]);
  }
  for (const fn of parts.functions) NagSuppressions.addResourceSuppressions(fn, PIPELINE_FUNCTION, true);
  NagSuppressions.addResourceSuppressions(
    parts.inbound.legacyActivation,
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
  const provider = stack.node.tryFindChild(
    `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
  );
  if (provider) NagSuppressions.addResourceSuppressions(provider, CUSTOM_RESOURCE_PROVIDER, true);
  if (parts.inbound.activation)
    NagSuppressions.addResourceSuppressions(parts.inbound.activationParts, ACTIVATION, true);
}
