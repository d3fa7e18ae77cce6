/**
 * The README's deploy steps, offline: step 1's `npx capture org add` run as written (the file it
 * writes put in a temporary folder through CAPTURE_CONFIG), step 4's `cdk deploy` context read
 * by the CDK app's own reader and synthesized (MX record in the named zone, the receipt rule for
 * the capture domain, the SES identity), step 5's secret checked with the schema the sync
 * function reads it with.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MISSING_ORGS_FILE, readAppConfig } from '#infra/app-config.ts';
import { CaptureStack } from '#infra/stack.ts';
import { TOKEN_PATTERN, TOKEN_RANDOM_LENGTH } from '#shared/config/capture-token.ts';
import { parseSalesforceSecret } from '#shared/config/salesforce-secret.ts';
import { commandsIn, repo } from '../support/doc-commands.ts';

const readme = readFileSync(join(repo, 'README.md'), 'utf8');

/** The shell commands of step `n` of the README's "Deploy to AWS" list. */
function deployStep(n: number): string[] {
  const lines = readme.split('\n');
  const section = lines.findIndex((l) => l.startsWith('## Deploy to AWS'));
  const start = lines.findIndex((l, i) => i > section && l.startsWith(`${n}. **`));
  const end = lines.findIndex((l, i) => i > start && (/^\d+\. \*\*/.test(l) || l.startsWith('#')));
  expect(start, `step ${n}`).toBeGreaterThan(section);
  return commandsIn('README.md', readme)
    .filter((c) => c.block !== null && c.line > start && c.line <= end)
    .map((c) => c.text);
}

/** `-c key=value` pairs of a cdk command line. */
function contextOf(command: string): Record<string, string> {
  return Object.fromEntries([...command.matchAll(/-c (\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
}

describe("the README's deploy steps", () => {
  const dir = mkdtempSync(join(tmpdir(), 'capture-deploy-'));

  it('step 1 writes orgs.json with the capture domain and two fresh 16-character tokens', () => {
    const [command] = deployStep(1);
    expect(command).toMatch(/^npx capture org add /);
    const run = spawnSync('bash', ['-c', command!], {
      cwd: repo,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir,
        CAPTURE_CONFIG: join(dir, 'orgs.json'),
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(
      /^added org acme to .*orgs\.json\n {2}bcc {6}acme-[a-z0-9]{16}@capture\.acme\.com\n/,
    );
    const registry = JSON.parse(readFileSync(join(dir, 'orgs.json'), 'utf8'));
    expect(registry.captureDomain).toBe('capture.acme.com');
    const tokens = registry.orgs[0].addresses.map((a: { token: string }) => a.token);
    expect(tokens).toHaveLength(2);
    for (const token of tokens) {
      expect(token).toMatch(TOKEN_PATTERN);
      expect(token.slice('acme-'.length)).toHaveLength(TOKEN_RANDOM_LENGTH);
    }
  });

  it("step 4's context puts the MX record for the capture domain in the named zone", () => {
    const [command] = deployStep(4);
    expect(command).toMatch(/^npx cdk deploy /);
    const context = contextOf(command!);
    expect(context.orgsFile).toBe('orgs.json');
    // The folder step 1 wrote orgs.json to stands for the admin's checkout.
    const config = readAppConfig((key) => context[key], dir);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new CaptureStack(app, 'Capture', {
      ...config,
      env: { account: '123456789012', region: 'us-east-1' },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Type: 'MX',
      Name: 'capture.acme.com.',
      HostedZoneId: context.hostedZoneId,
      ResourceRecords: ['10 inbound-smtp.us-east-1.amazonaws.com'],
    });
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({ Recipients: ['capture.acme.com'] }),
    });
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'acme.com' });

    const { orgsFile: _, ...withoutRegistry } = context;
    expect(() => readAppConfig((key) => withoutRegistry[key], dir)).toThrow(MISSING_ORGS_FILE);
  });

  it("step 5's secret is what the sync function accepts", () => {
    const [command] = deployStep(5);
    expect(command).toMatch(/^aws secretsmanager put-secret-value --secret-id capture\/salesforce\/acme /);
    const secret = /--secret-string '([^']+)'/.exec(command!)?.[1];
    const credentials = parseSalesforceSecret(JSON.parse(secret!), 'README');
    expect(credentials).toMatchObject({ authFlow: 'jwt-bearer', username: 'integration@acme.com' });
  });
});
