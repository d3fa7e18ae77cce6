/** The CDK app's context checks, and the stack built with the non-default options. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Aspects, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { MISSING_ORGS_FILE, readAppConfig } from '#infra/app-config.ts';
import { CaptureStack } from '#infra/stack.ts';
import { ConfigError } from '#shared/errors.ts';

const demoOrgs = fileURLToPath(new URL('../../local/demo/orgs.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'capture-infra-'));
const context = (values: Record<string, unknown>) => (key: string) => values[key];

function registryFile(name: string, registry: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(registry));
  return path;
}

const org = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  enabled: true,
  internalDomains: [`${id}.example`],
  addresses: [{ token: `${id}-k7q2m9x4p8w3`, mode: 'bcc' }],
  defaultOwnerEmail: `ops@${id}.example`,
  unmatched: 'unresolved',
  ...extra,
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('readAppConfig', () => {
  it('has no default registry: without orgsFile it stops with one line saying what to pass', () => {
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    for (const missing of [undefined, '', '  ']) {
      const error = configError(() => readAppConfig(context({ orgsFile: missing }), repo));
      expect(error.code).toBe('MISSING_CONTEXT');
      expect(error.message).toBe(MISSING_ORGS_FILE);
      expect(error.message).not.toContain('\n');
    }
    // cdk.json gives no default either: the demo is deployed only when named.
    const cdkJson = JSON.parse(readFileSync(join(repo, 'cdk.json'), 'utf8'));
    expect(JSON.stringify(cdkJson)).not.toContain('orgsFile');
  });

  it('reads the demo registry and its capture domain when named', () => {
    const config = readAppConfig(
      context({ orgsFile: 'local/demo/orgs.json' }),
      fileURLToPath(new URL('../..', import.meta.url)),
    );
    expect(config.orgsFile).toBe(demoOrgs);
    expect(config.registry.captureDomain).toBe('capture.localhost');
    expect(config).not.toHaveProperty('hostedZone');
  });

  it('reads every option', () => {
    const config = readAppConfig(
      context({
        orgsFile: demoOrgs,
        captureDomain: 'Capture.Localhost',
        hostedZoneId: 'Z1',
        hostedZoneName: 'localhost.',
        alarmEmail: 'ops@acme.example',
        retentionDays: '7',
        createSecrets: 'false',
        activateRuleSet: false,
      }),
    );
    expect(config).toMatchObject({
      hostedZone: { hostedZoneId: 'Z1', zoneName: 'localhost.' },
      alarmEmail: 'ops@acme.example',
      retentionDays: 7,
      createSecrets: false,
      activateRuleSet: false,
    });
  });

  it('fails on a bad registry with the file and the field', () => {
    const bad = registryFile('bad.json', {
      captureDomain: 'capture.example.com',
      orgs: [{ ...org('acme'), addresses: [{ token: 'acme-k7q2m9x4p8w3', mode: 'cc' }] }],
    });
    const error = configError(() => readAppConfig(context({ orgsFile: bad })));
    expect(error.message).toContain(bad);
    expect(error.message).toContain('orgs.0.addresses.0.mode');
    const missing = configError(() => readAppConfig(context({ orgsFile: join(dir, 'nope.json') })));
    expect(missing.message).toMatch(/nope\.json: file not found/);
  });

  it('lists every bad context value in one message', () => {
    const error = configError(() =>
      readAppConfig(
        context({
          orgsFile: demoOrgs,
          captureDomain: 'capture.example.com',
          hostedZoneId: 'Z1',
          alarmEmail: 'ops',
          retentionDays: '0',
          createSecrets: 'no',
        }),
      ),
    );
    expect(error.code).toBe('INVALID_CONTEXT');
    for (const key of ['captureDomain', 'hostedZoneId', 'alarmEmail', 'retentionDays', 'createSecrets']) {
      expect(error.message).toContain(key);
    }
    const zone = configError(() =>
      readAppConfig(context({ orgsFile: demoOrgs, hostedZoneId: 'Z1', hostedZoneName: 'example.com' })),
    );
    expect(zone.message).toContain('does not contain capture.localhost');
  });
});

describe('CaptureStack with its options', () => {
  let stack: CaptureStack;
  let template: Template;

  beforeAll(() => {
    const orgsFile = registryFile('two-orgs.json', {
      captureDomain: 'capture.example.com',
      orgs: [
        org('acme', { salesforce: { secretName: 'prod/acme-salesforce' } }),
        org('globex', {
          salesforce: { secretName: 'arn:aws:secretsmanager:eu-west-1:210987654321:secret:globex-sf' },
        }),
        org('initech'),
      ],
    });
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    stack = new CaptureStack(app, 'Capture', {
      ...readAppConfig(context({ orgsFile, retentionDays: 7, activateRuleSet: 'false' })),
      syncMaxConcurrency: 3,
      env: { account: '123456789012', region: 'us-east-1' },
    });
    Aspects.of(app).add(new AwsSolutionsChecks());
    app.synth();
    template = Template.fromStack(stack);
  });

  it('passes cdk-nag', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => e.entry.data)).toEqual([]);
  });

  it('creates the secrets it can, and reads every org secret the registry names', () => {
    const names = Object.values(template.findResources('AWS::SecretsManager::Secret')).map(
      (s) => s.Properties.Name,
    );
    expect(names.sort()).toEqual(['capture/salesforce/initech', 'prod/acme-salesforce']);
    expect([...stack.sync.secretNames]).toEqual([
      ['acme', 'prod/acme-salesforce'],
      ['globex', 'arn:aws:secretsmanager:eu-west-1:210987654321:secret:globex-sf'],
      ['initech', 'capture/salesforce/initech'],
    ]);
    const policy = stack.sync.function.role?.node.tryFindChild('DefaultPolicy')?.node
      .defaultChild as CfnElement;
    const statements = template.toJSON().Resources[stack.getLogicalId(policy)].Properties.PolicyDocument
      .Statement as { Action: string; Resource: unknown[] }[];
    const read = statements.find((s) => s.Action === 'secretsmanager:GetSecretValue');
    const resources = JSON.stringify(read?.Resource);
    expect(resources).toContain(':secret:capture/salesforce/*');
    expect(resources).toContain(':secret:prod/acme-salesforce-??????');
    expect(resources).toContain('arn:aws:secretsmanager:eu-west-1:210987654321:secret:globex-sf*');
    expect(read?.Resource).toHaveLength(3);
  });

  it('leaves the active rule set alone, keeps mail 7 days, has no MX without a zone, caps sync at 3', () => {
    // No activation: only the earlier activation resource, defused (reads, never deactivates).
    template.resourceCountIs('Custom::CaptureActiveRuleSet', 0);
    const legacy = Object.values(template.findResources('Custom::AWS'));
    expect(legacy).toHaveLength(1);
    expect(legacy[0]?.Properties.Delete).toBeUndefined();
    expect(JSON.stringify(legacy[0]?.Properties.Create)).not.toContain('setActiveReceiptRuleSet');
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({ Recipients: ['capture.example.com'] }),
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Prefix: 'raw/', ExpirationInDays: 7 })]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 3 },
    });
  });

  it('skips secret creation when asked', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const noSecrets = new CaptureStack(app, 'NoSecrets', {
      ...readAppConfig(context({ orgsFile: demoOrgs, createSecrets: 'false' })),
    });
    const t = Template.fromStack(noSecrets);
    t.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(JSON.stringify(t.toJSON())).toContain(':secret:capture/salesforce/*');
  });

  it('refuses a sync concurrency SQS would reject and a partial retention day', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const error = configError(
      () =>
        new CaptureStack(app, 'Bad', {
          ...readAppConfig(context({ orgsFile: demoOrgs })),
          syncMaxConcurrency: 1,
        }),
    );
    expect(error.message).toContain('maxConcurrency 1');
    const retention = configError(
      () =>
        new CaptureStack(new App(), 'Bad', {
          ...readAppConfig(context({ orgsFile: demoOrgs })),
          retentionDays: 2.5,
        }),
    );
    expect(retention.message).toContain('retentionDays 2.5');
  });
});
