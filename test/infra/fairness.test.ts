/** What the stack does for fairness between orgs: per-org alarms, the per-org dashboard, the limits. */
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaptureStack } from '#infra/stack.ts';
import { parseRegistry } from '#shared/config/registry.ts';
import { loadRegistryFile } from '#shared/config/registry-file.ts';

const orgsFile = fileURLToPath(new URL('../../local/demo/orgs.json', import.meta.url));
const registry = loadRegistryFile(orgsFile);
let template: Template;

function stackWith(reg = registry, props: { syncMaxConcurrency?: number } = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new CaptureStack(app, 'Capture', {
    registry: reg,
    orgsFile,
    env: { account: '123456789012', region: 'eu-west-1' },
    ...props,
  });
}

// Synthesizing takes a few seconds, more on a busy machine.
beforeAll(() => {
  template = Template.fromStack(stackWith());
}, 180_000);

describe('fairness between orgs in the stack', () => {
  it('alarms per org when its oldest mail waits over 15 minutes', () => {
    for (const org of registry.orgs) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Capture',
        MetricName: 'OldestMailAgeSeconds',
        Dimensions: [
          { Name: 'orgId', Value: org.id },
          { Name: 'service', Value: 'sync' },
        ],
        Statistic: 'Maximum',
        Threshold: 900,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
    expect(
      Object.keys(
        template.findResources('AWS::CloudWatch::Alarm', {
          Properties: { MetricName: 'OldestMailAgeSeconds' },
        }),
      ),
    ).toHaveLength(registry.orgs.length);
  });

  it('draws a per-org view of waiting, deferred and failed mail, and names the message groups', () => {
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    for (const metric of ['OldestMailAgeSeconds', 'MailsWaiting', 'MailsDeferred', 'MailsFailed'])
      expect(body).toContain(`MetricName=\\\\\\"${metric}\\\\\\"`);
    expect(body).toContain('{Capture,orgId,service}');
    expect(body).toContain('MessageGroupId');
  });

  it('runs at most 5 sync invocations at once', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 25,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('refuses an org that could hold every sync slot', () => {
    const greedy = parseRegistry({
      captureDomain: 'capture.localhost',
      orgs: [{ ...registry.orgs[0], salesforce: { maxConcurrency: 5 } }],
    });
    expect(() => stackWith(greedy)).toThrow(/org acme: salesforce.maxConcurrency 5 must be below .* 5/);
    expect(() => stackWith(greedy, { syncMaxConcurrency: 6 })).not.toThrow();
  });
});
