/**
 * CDK app: `cdk deploy -c captureDomain=capture.example.com -c orgsFile=orgs.json`.
 * Optional context: hostedZoneId + hostedZoneName (MX record), alarmEmail, retentionDays.
 * A bad org registry stops synth with one line naming the file and the field.
 */
import { resolve } from 'node:path';
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadRegistryFile } from '#shared/config/registry-file.ts';
import { describeError } from '#shared/errors.ts';
import { CaptureStack } from './stack.ts';

const app = new App();
const context = (key: string): string | undefined => {
  const value = app.node.tryGetContext(key);
  return typeof value === 'string' && value !== '' ? value : undefined;
};

try {
  const orgsFile = resolve(context('orgsFile') ?? 'local/demo/orgs.json');
  const registry = loadRegistryFile(orgsFile);
  const captureDomain = context('captureDomain');
  if (captureDomain && captureDomain.toLowerCase() !== registry.captureDomain) {
    throw new Error(
      `captureDomain ${captureDomain} differs from the registry's captureDomain ${registry.captureDomain} in ${orgsFile}`,
    );
  }
  const zoneId = context('hostedZoneId');
  const zoneName = context('hostedZoneName');
  const alarmEmail = context('alarmEmail');
  const retentionDays = context('retentionDays');
  new CaptureStack(app, 'Capture', {
    registry,
    orgsFile,
    ...(zoneId && zoneName ? { hostedZone: { hostedZoneId: zoneId, zoneName } } : {}),
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(retentionDays ? { retentionDays: Number(retentionDays) } : {}),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();
} catch (error) {
  console.error(`error: ${describeError(error)}`);
  process.exit(1);
}
