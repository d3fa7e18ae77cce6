/**
 * `capture org add|rotate|list|disable` run as a process against registry files in a temporary
 * folder, and the local stack reading the registry the command wrote: mail to a new address
 * becomes a Task; after a rotation, mail to the old address is taken (as SES takes mail for the
 * whole capture domain) and recorded as `rejected` with `retired-address`, which `capture status`
 * finds.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand } from '@aws-sdk/client-sns';
import nodemailer from 'nodemailer';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#local/stack.ts';
import { pipeline } from '#shared/config/pipeline.ts';
import { parseRegistry } from '#shared/config/registry.ts';
import { runCapture } from '../support/cli.ts';
import { startTestStack } from '../support/stack.ts';

/** `capture …` in `cwd`; objects among the arguments are environment variables for it. */
function capture(cwd: string, ...args: (string | Record<string, string>)[]) {
  const env = Object.assign({}, ...args.filter((a) => typeof a !== 'string'));
  return runCapture(
    args.filter((a) => typeof a === 'string'),
    { cwd, env },
  );
}

/** Exactly one line on stderr, `error: …`. */
function oneLineError(stderr: string): string {
  expect(stderr).toMatch(/^error: [^\n]+\n$/);
  return stderr;
}

const folder = () => mkdtempSync(join(tmpdir(), 'capture-org-'));

describe('capture org add', () => {
  it('creates the file with fresh unguessable tokens and prints the addresses', {
    timeout: 120_000,
  }, async () => {
    const dir = folder();
    const first = await capture(
      dir,
      'org',
      'add',
      'beta',
      '--domain',
      'Beta.example',
      'eu.beta.example',
      '--forward',
      '--capture-domain',
      'in.example.org',
      '--json',
    );
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const out = JSON.parse(first.stdout) as { addresses: { address: string; token: string; mode: string }[] };
    expect(out.addresses.map((a) => a.mode)).toEqual(['bcc', 'forward']);
    for (const a of out.addresses) {
      expect(a.token).toMatch(/^beta-[a-z0-9]{12,}$/);
      expect(a.address).toBe(`${a.token}@in.example.org`);
    }
    // The file is the default orgs.json in the working folder, valid for the registry schema.
    const registry = parseRegistry(JSON.parse(readFileSync(join(dir, 'orgs.json'), 'utf8')));
    expect(registry.orgs).toHaveLength(1);
    expect(registry.orgs[0]).toMatchObject({
      id: 'beta',
      enabled: true,
      internalDomains: ['beta.example', 'eu.beta.example'],
      defaultOwnerEmail: 'ops@beta.example',
    });
    expect(registry.orgs[0]!.addresses.map((a) => a.token)).toEqual(out.addresses.map((a) => a.token));
    expect(readdirSync(dir)).toEqual(['orgs.json']);

    // A second org gets different tokens; the human output lists the addresses.
    const second = await capture(
      dir,
      'org',
      'add',
      'gamma',
      '--domain',
      'gamma.example',
      '--owner',
      'lead@gamma.example',
    );
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(
      /^added org gamma to orgs\.json\n {2}bcc {6}gamma-[a-z0-9]{12,}@in\.example\.org\n/,
    );
    // --owner replaces the default owner, ops@ the first domain.
    const gamma = parseRegistry(JSON.parse(readFileSync(join(dir, 'orgs.json'), 'utf8'))).orgs[1];
    expect(gamma).toMatchObject({ id: 'gamma', defaultOwnerEmail: 'lead@gamma.example' });
    const tokens = parseRegistry(JSON.parse(readFileSync(join(dir, 'orgs.json'), 'utf8'))).orgs.flatMap((o) =>
      o.addresses.map((a) => a.token.slice(o.id.length + 1)),
    );
    expect(new Set(tokens).size).toBe(3);
  });

  it('refuses an existing id, a missing capture domain and bad values, changing nothing', {
    timeout: 120_000,
  }, async () => {
    const dir = folder();
    const config = join(dir, 'orgs.json');
    const missing = await capture(dir, 'org', 'add', 'beta', '--domain', 'beta.example', '--config', config);
    expect(missing.code).toBe(2);
    expect(oneLineError(missing.stderr)).toMatch(/--capture-domain/);
    expect(readdirSync(dir)).toEqual([]);

    await capture(
      dir,
      'org',
      'add',
      'beta',
      '--domain',
      'beta.example',
      '--capture-domain',
      'in.example.org',
    );
    const before = readFileSync(config, 'utf8');
    const again = await capture(dir, 'org', 'add', 'beta', '--domain', 'other.example', '--config', config);
    expect(again.code).toBe(1);
    expect(oneLineError(again.stderr)).toMatch(/"beta" already exists/);
    expect(readFileSync(config, 'utf8')).toBe(before);

    for (const args of [
      ['Beta2', '--domain', 'beta.example'],
      ['delta', '--domain', 'not_a_domain'],
      ['delta'],
      ['delta', '--domain', 'delta.example', '--owner', 'nobody'],
    ]) {
      const bad = await capture(dir, 'org', 'add', ...args);
      expect(bad.code, args.join(' ')).toBe(2);
      oneLineError(bad.stderr);
    }
    expect(readFileSync(config, 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['orgs.json']);
  });

  it('refuses to edit a registry that is already invalid, naming the field', {
    timeout: 120_000,
  }, async () => {
    const dir = folder();
    const config = join(dir, 'orgs.json');
    const broken = JSON.stringify({ captureDomain: 'in.example.org', orgs: [{ id: 'acme' }] });
    writeFileSync(config, broken);
    const result = await capture(dir, 'org', 'add', 'beta', '--domain', 'beta.example');
    expect(result.code).toBe(1);
    expect(oneLineError(result.stderr)).toMatch(/orgs\.0\.internalDomains/);
    expect(readFileSync(config, 'utf8')).toBe(broken);
  });
});

describe('capture org rotate, list and disable', () => {
  it('retires the old address after 30 days by default and lists every state', {
    timeout: 120_000,
  }, async () => {
    const dir = folder();
    const config = join(dir, 'orgs.json');
    await capture(
      dir,
      'org',
      'add',
      'beta',
      '--domain',
      'beta.example',
      '--forward',
      '--capture-domain',
      'in.example.org',
    );
    await capture(dir, 'org', 'add', 'gamma', '--domain', 'gamma.example');
    const [oldBcc, oldForward] = parseRegistry(JSON.parse(readFileSync(config, 'utf8'))).orgs[0]!.addresses;

    const started = Date.now();
    const rotated = await capture(dir, 'org', 'rotate', 'beta', '--json');
    expect(rotated.stderr).toBe('');
    expect(rotated.code).toBe(0);
    const result = JSON.parse(rotated.stdout) as {
      mode: string;
      address: { token: string };
      retiring: { token: string; retiresAt: string }[];
    };
    expect(result.mode).toBe('bcc');
    expect(result.address.token).toMatch(/^beta-[a-z0-9]{12,}$/);
    expect(result.retiring.map((r) => r.token)).toEqual([oldBcc!.token]);
    const retiresAt = Date.parse(result.retiring[0]!.retiresAt);
    const thirtyDays = 30 * 24 * 3600 * 1000;
    expect(retiresAt).toBeGreaterThanOrEqual(started + thirtyDays);
    expect(retiresAt).toBeLessThanOrEqual(Date.now() + thirtyDays);

    const now = await capture(dir, 'org', 'rotate', 'beta', '--mode', 'forward', '--retire-in', '0');
    expect(now.code).toBe(0);
    expect(now.stdout).toMatch(
      /^rotated the forward address of org beta\n {2}new {7}beta-[a-z0-9]+@in\.example\.org\n/,
    );
    expect(now.stdout).toContain(`\n  retired   ${oldForward!.token}@in.example.org\n`);
    expect((await capture(dir, 'org', 'disable', 'gamma')).stdout).toBe('org gamma disabled\n');

    const listed = await capture(dir, 'org', 'list', '--json');
    expect(listed.code).toBe(0);
    const orgs = (
      JSON.parse(listed.stdout) as { orgs: { id: string; addresses: { token: string; state: string }[] }[] }
    ).orgs;
    expect(orgs.map((o) => [o.id, o.addresses.map((a) => a.state)])).toEqual([
      ['beta', ['retiring', 'retired', 'active', 'active']],
      ['gamma', ['org-disabled']],
    ]);
    expect(orgs[0]!.addresses[1]!.token).toBe(oldForward!.token);

    const human = await capture(dir, 'org', 'list');
    const day = new Date(retiresAt).toISOString().slice(0, 10);
    expect(human.stdout).toContain(`bcc      ${oldBcc!.token}@in.example.org  retiring on ${day}`);
    expect(human.stdout).toContain(`forward  ${oldForward!.token}@in.example.org  retired`);
    expect(human.stdout).toMatch(
      /gamma {2}disabled\n {2}bcc {6}gamma-[a-z0-9]+@in\.example\.org {2}org disabled\n/,
    );
    expect(parseRegistry(JSON.parse(readFileSync(config, 'utf8'))).orgs[1]!.enabled).toBe(false);
    expect(readdirSync(dir)).toEqual(['orgs.json']);
  });

  it("gives the new address the old one's owner and description; enable undoes disable", {
    timeout: 120_000,
  }, async () => {
    const dir = folder();
    const config = join(dir, 'orgs.json');
    await capture(
      dir,
      'org',
      'add',
      'beta',
      '--domain',
      'beta.example',
      '--capture-domain',
      'in.example.org',
    );
    const document = JSON.parse(readFileSync(config, 'utf8'));
    Object.assign(document.orgs[0].addresses[0], {
      ownerEmail: 'lead@beta.example',
      description: 'Sales team',
    });
    writeFileSync(config, JSON.stringify(document));
    expect((await capture(dir, 'org', 'rotate', 'beta')).code).toBe(0);
    const [, added] = parseRegistry(JSON.parse(readFileSync(config, 'utf8'))).orgs[0]!.addresses;
    expect(added).toMatchObject({ mode: 'bcc', ownerEmail: 'lead@beta.example', description: 'Sales team' });

    expect((await capture(dir, 'org', 'disable', 'beta')).stdout).toBe('org beta disabled\n');
    expect(parseRegistry(JSON.parse(readFileSync(config, 'utf8'))).orgs[0]!.enabled).toBe(false);
    expect((await capture(dir, 'org', 'enable', 'beta')).stdout).toBe('org beta enabled\n');
    expect(parseRegistry(JSON.parse(readFileSync(config, 'utf8'))).orgs[0]!.enabled).toBe(true);
  });

  it('answers unknown orgs, bad modes and bad day counts with one line and the right exit code', {
    timeout: 120_000,
  }, async () => {
    const dir = folder();
    await capture(
      dir,
      'org',
      'add',
      'beta',
      '--domain',
      'beta.example',
      '--capture-domain',
      'in.example.org',
    );
    const before = readFileSync(join(dir, 'orgs.json'), 'utf8');
    const cases: [string[], number, RegExp][] = [
      [['rotate', 'nope'], 1, /no org "nope"/],
      [['rotate', 'beta', '--mode', 'fax'], 2, /bcc, forward/],
      [['rotate', 'beta', '--retire-in', '-3'], 2, /days/],
      [['rotate', 'beta', '--mode', 'forward'], 1, /no active forward address/],
      [['disable', 'nope'], 1, /no org "nope"/],
      [['list', '--config', join(dir, 'missing.json')], 1, /file not found/],
    ];
    for (const [args, code, message] of cases) {
      const result = await capture(dir, 'org', ...args);
      expect(result.code, args.join(' ')).toBe(code);
      expect(oneLineError(result.stderr)).toMatch(message);
    }
    expect(readFileSync(join(dir, 'orgs.json'), 'utf8')).toBe(before);
    for (const sub of ['add', 'rotate', 'list', 'disable']) {
      const help = await capture(dir, 'org', sub, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: capture org ${sub}`);
    }
  });
});

describe('the local stack with a registry written by capture org', () => {
  let stack: LocalStack | undefined;
  afterAll(() => stack?.stop());

  it('captures mail to the new address, and records mail to a rotated-out one as rejected with retired-address', {
    timeout: 120_000,
  }, async () => {
    process.env.LOG_LEVEL = 'ERROR';
    const dir = folder();
    const config = join(dir, 'orgs.json');
    const seed = join(dir, 'seed.json');
    writeFileSync(
      seed,
      JSON.stringify({
        User: [{ Email: 'rep@beta.example', FirstName: 'Rita', LastName: 'Rep', IsActive: true }],
        Contact: [{ FirstName: 'Cam', LastName: 'Customer', Email: 'cam@customer.example' }],
      }),
    );
    const added = await capture(
      dir,
      'org',
      'add',
      'beta',
      '--domain',
      'beta.example',
      '--capture-domain',
      'in.example.org',
      '--json',
    );
    const oldAddress = (JSON.parse(added.stdout) as { addresses: { address: string }[] }).addresses[0]!
      .address;

    stack = await startTestStack({ configPath: config, seedPath: seed });
    await send(stack, oldAddress, 'Quote for Cam', '<org-cli-1@beta.example>');
    await stack.idle();
    expect(await tasks(stack)).toEqual([['Email: Quote for Cam', 'rep@beta.example', 'Cam Customer']]);

    const rotated = await capture(dir, 'org', 'rotate', 'beta', '--retire-in', '0', '--json');
    expect(rotated.code).toBe(0);
    const rotation = JSON.parse(rotated.stdout) as {
      address: { address: string };
      retiring: { retiresAt: string }[];
    };
    // The stack reads the registry when it starts, as the deployed functions do on a cold start.
    await stack.stop();
    stack = await startTestStack({ configPath: config, seedPath: seed });
    expect(stack.captureAddresses.map((a) => a.address)).toEqual([rotation.address.address]);

    await send(stack, oldAddress, 'Too late', '<org-cli-2@beta.example>');
    await send(stack, rotation.address.address, 'New address works', '<org-cli-3@beta.example>');

    // SES receives for the whole capture domain, so the parse stage decides too: mail SES took
    // after the retirement is rejected and recorded; mail it took before is still captured.
    const retiredAt = Date.parse(rotation.retiring[0]!.retiresAt);
    await publishReceipt(stack, 'ses-after-retirement', oldAddress, new Date(retiredAt + 60_000), 'After');
    await publishReceipt(stack, 'ses-before-retirement', oldAddress, new Date(retiredAt - 60_000), 'Before');
    await stack.idle();

    expect(await tasks(stack)).toEqual([
      ['Email: Before', 'rep@beta.example', 'Cam Customer'],
      ['Email: New address works', 'rep@beta.example', 'Cam Customer'],
    ]);
    const outcomes = await stack.outcomes.list();
    expect(outcomes.find((o) => o.sesMessageId === 'ses-after-retirement')).toMatchObject({
      outcome: 'rejected',
      reason: 'retired-address',
      orgId: 'beta',
    });
    // The mail sent to the retired address over SMTP: found by its Message-ID, no AWS
    // credentials in the environment (the local stack needs none).
    const status = await capture(dir, 'status', '<org-cli-2@beta.example>', '--json', {
      AWS_ENDPOINT_URL: stack.aws.endpoint,
    });
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      outcome: 'rejected',
      reason: 'retired-address',
      orgId: 'beta',
      messageId: '<org-cli-2@beta.example>',
    });
  });
});

async function send(stack: LocalStack, to: string, subject: string, messageId: string): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: stack.smtpPort, secure: false });
  try {
    await transport.sendMail({
      from: 'Rita <rep@beta.example>',
      to: 'Cam <cam@customer.example>',
      bcc: to,
      subject,
      messageId,
      text: 'hello',
    });
  } finally {
    transport.close();
  }
}

/** What SES's S3 action does: the raw message in the bucket and a receipt notification on the topic. */
async function publishReceipt(
  stack: LocalStack,
  sesMessageId: string,
  to: string,
  at: Date,
  subject: string,
) {
  const { s3, sns } = stack.aws.clients;
  const objectKey = `${pipeline.keys.raw}${sesMessageId}`;
  const raw = [
    'From: Rita <rep@beta.example>',
    'To: Cam <cam@customer.example>',
    `Subject: ${subject}`,
    `Message-ID: <${sesMessageId}@beta.example>`,
    `Date: ${at.toUTCString()}`,
    '',
    'hello',
    '',
  ].join('\r\n');
  await s3.send(new PutObjectCommand({ Bucket: stack.aws.resources.bucket, Key: objectKey, Body: raw }));
  const timestamp = at.toISOString();
  const notification = {
    notificationType: 'Received',
    mail: { timestamp, source: 'rep@beta.example', messageId: sesMessageId, destination: [to] },
    receipt: {
      timestamp,
      recipients: [to],
      spamVerdict: { status: 'PASS' },
      virusVerdict: { status: 'PASS' },
      dmarcVerdict: { status: 'PASS' },
      action: { type: 'S3', bucketName: stack.aws.resources.bucket, objectKey },
    },
  };
  await sns.send(
    new PublishCommand({
      TopicArn: stack.aws.resources.topicArn,
      Subject: 'Amazon SES Email Receipt Notification',
      Message: JSON.stringify(notification),
    }),
  );
}

async function tasks(stack: LocalStack): Promise<string[][]> {
  const token = (await (
    await fetch(`${stack.salesforceUrl}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'local',
        client_secret: 'local',
      }),
    })
  ).json()) as { access_token: string };
  const soql = 'SELECT Subject, Owner.Email, Who.Name FROM Task ORDER BY Subject';
  const result = (await (
    await fetch(`${stack.salesforceUrl}/services/data/v62.0/query?q=${encodeURIComponent(soql)}`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    })
  ).json()) as { records: { Subject: string; Owner: { Email: string }; Who: { Name: string } | null }[] };
  return result.records.map((r) => [r.Subject, r.Owner.Email, r.Who?.Name ?? '']);
}
