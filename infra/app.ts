/**
 * CDK app: `cdk deploy -c captureDomain=capture.example.com -c orgsFile=orgs.json`. `orgsFile` is
 * required (no default: a forgotten flag must never deploy the demo orgs). Optional context: hostedZoneId + hostedZoneName (MX record), alarmEmail, retentionDays,
 * createSecrets=false (per-org secrets already exist). See app-config.ts.
 * A bad org registry or context stops synth with one line naming the file and the field.
 */
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describeError } from '#shared/errors.ts';
import { readAppConfig } from './app-config.ts';
import { CaptureStack } from './stack.ts';

try {
  const app = new App();
  new CaptureStack(app, 'Capture', {
    ...readAppConfig((key) => app.node.tryGetContext(key)),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
} catch (error) {
  // One line for the operator: the registry/context errors already name the file and field.
  console.error(`error: ${describeError(error)}`);
  process.exit(1);
}
