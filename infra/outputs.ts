/**
 * The stack's output names: the deployed stack publishes its bucket and queues under them, and
 * the operator CLI (`--stack NAME`) reads them back from CloudFormation. Free of aws-cdk-lib so
 * the CLI can import it without the CDK installed.
 */
export const stackOutputs = {
  bucket: 'MailBucketName',
  intakeQueueUrl: 'IntakeQueueUrl',
  intakeQueueArn: 'IntakeQueueArn',
  intakeDlqUrl: 'IntakeDlqUrl',
  intakeDlqArn: 'IntakeDlqArn',
  syncQueueUrl: 'SyncQueueUrl',
  syncQueueArn: 'SyncQueueArn',
  syncDlqUrl: 'SyncDlqUrl',
  syncDlqArn: 'SyncDlqArn',
  noticesQueueUrl: 'NoticesQueueUrl',
} as const;
