/**
 * `npm start` as a process: X-Capture-Test-Verdicts is honoured only when the stack runs with
 * CAPTURE_TEST_VERDICTS=1, so the sender rules can be tried locally but never by default.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
// The project runs on Node 22's type stripping; an older default node re-runs under the one npm installed.
const node =
  Number(process.versions.node.split('.')[0]) >= 22 ? process.execPath : join(repo, 'node_modules/.bin/node');
const BCC = 'acme-k7q2m9x4p8w3@capture.localhost';
let child: ChildProcess | null = null;

afterEach(async () => {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child?.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  child = null;
});

/** Starts `npm start`'s entry point on free ports; resolves with its SMTP port and page URL. */
async function start(env: Record<string, string>): Promise<{ smtpPort: number; pageUrl: string }> {
  expect(existsSync(node)).toBe(true);
  child = spawn(node, ['--no-warnings=ExperimentalWarning', 'local/start.ts'], {
    cwd: repo,
    env: {
      ...process.env,
      CAPTURE_SMTP_PORT: '0',
      CAPTURE_SF_PORT: '0',
      CAPTURE_AWS_PORT: '0',
      CAPTURE_BATCH_WINDOW_SECONDS: '0.1',
      CAPTURE_DATA_DIR: mkdtempSync(join(tmpdir(), 'capture-data-')),
      LOG_LEVEL: 'ERROR',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child!.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes('ready')) return;
      const smtp = /smtp: localhost:(\d+)/.exec(out);
      const page = /salesforce emulator: (\S+)/.exec(out);
      if (smtp && page) resolve({ smtpPort: Number(smtp[1]), pageUrl: page[1]! });
    });
    child!.once('exit', (code) => reject(new Error(`stack exited with ${code}: ${out}`)));
  });
}

/** Sends a forged-rep mail and waits until the status page lists its outcome row. */
async function sendForged(smtpPort: number, pageUrl: string, subject: string): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false });
  await transport.sendMail({
    envelope: { from: 'mallory@evil.example', to: [BCC] },
    from: 'Alice Rep <alice@acme.example>',
    to: 'Jane Doe <jane.doe@globex.example>',
    subject,
    text: 'forged',
    headers: { 'X-Capture-Test-Verdicts': 'spf=FAIL,dkim=FAIL,dmarc=GRAY,spam=PASS,virus=PASS' },
  });
  transport.close();
  for (let i = 0; i < 120; i++) {
    const html = await (await fetch(pageUrl)).text();
    const row = html.split('<tr').find((r) => r.includes(subject) && /<td><b>/.test(r));
    if (row) return row;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('no outcome for the message');
}

describe('npm start and test verdicts', () => {
  it('honours X-Capture-Test-Verdicts with CAPTURE_TEST_VERDICTS=1: the forged rep is quarantined', async () => {
    const { smtpPort, pageUrl } = await start({ CAPTURE_TEST_VERDICTS: '1' });
    const row = await sendForged(smtpPort, pageUrl, 'Forged with verdicts');
    expect(row).toContain('<b>quarantined</b>');
    expect(row).toContain('sender-not-authenticated');
  }, 60_000);

  it('ignores the header by default', async () => {
    const { smtpPort, pageUrl } = await start({});
    const row = await sendForged(smtpPort, pageUrl, 'Forged without verdicts');
    expect(row).toContain('<b>created</b>');
  }, 60_000);
});

describe('npm start and org order patterns', () => {
  it('refuses to start with a pattern that cannot run in linear time, naming the field', () => {
    const orgs = JSON.parse(readFileSync(join(repo, 'local/demo/orgs.json'), 'utf8'));
    orgs.orgs[0].orderNumbers.patterns = ['\\bORD-\\d{5,8}\\b', '(\\d+)\\1'];
    const dir = mkdtempSync(join(tmpdir(), 'capture-orgs-'));
    writeFileSync(join(dir, 'orgs.json'), JSON.stringify(orgs));
    const result = spawnSync(node, ['--no-warnings=ExperimentalWarning', 'local/start.ts'], {
      cwd: repo,
      env: {
        ...process.env,
        CAPTURE_SMTP_PORT: '0',
        CAPTURE_SF_PORT: '0',
        CAPTURE_AWS_PORT: '0',
        CAPTURE_BATCH_WINDOW_SECONDS: '0.1',
        CAPTURE_DATA_DIR: join(dir, 'data'),
        CAPTURE_CONFIG: join(dir, 'orgs.json'),
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('orgs.0.orderNumbers.patterns.1: cannot run in linear time');
  }, 60_000);

  it('refuses a batching window it cannot use, naming the variable', () => {
    const result = spawnSync(node, ['--no-warnings=ExperimentalWarning', 'local/start.ts'], {
      cwd: repo,
      env: {
        ...process.env,
        CAPTURE_SMTP_PORT: '0',
        CAPTURE_SF_PORT: '0',
        CAPTURE_AWS_PORT: '0',
        CAPTURE_BATCH_WINDOW_SECONDS: '0',
        CAPTURE_DATA_DIR: mkdtempSync(join(tmpdir(), 'capture-data-')),
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('CAPTURE_BATCH_WINDOW_SECONDS must be a number of seconds above 0');
  }, 60_000);
});
