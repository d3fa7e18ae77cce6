/**
 * A new user's first hour, from the installed tree (scripts/first-hour.sh runs this file in a
 * fresh clone after `npm ci`): `npm start` as a process with a temporary data folder and free
 * ports, every command of the README and docs that the tests run as written
 * (test/support/doc-commands.ts, kind `first-hour`) run through bash, ports substituted, with no
 * AWS variable in the environment; the Task on the local page; a second `npm start` on a port in
 * use; `capture org list` reading the registry `npm start` reads; SIGTERM and a clean exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPaths } from '#local/stack.ts';
import { COVERAGE, type Coverage, type DocCommand, docCommands, repo } from '../support/doc-commands.ts';

type FirstHour = DocCommand & { coverage: Extract<Coverage, { kind: 'first-hour' }> };

/** The commands this file runs as written, in document order. */
function firstHourCommands(): FirstHour[] {
  return docCommands().flatMap((c) => {
    const coverage = COVERAGE[c.text];
    return coverage?.kind === 'first-hour' ? [{ ...c, coverage }] : [];
  });
}

/** A user's shell: no AWS or CAPTURE variables beyond the ones named. */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'USER'];
  const env = Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : [])));
  return { ...env, ...extra };
}

interface Stack {
  child: ChildProcess;
  out: string;
  err: string;
  ports: { smtp: number; aws: number; sf: number };
  dataDir: string;
  exit: Promise<number | null>;
}

let stack: Stack;
/** What each documented command printed, for the checks that read it again. */
const printed = new Map<string, string>();

async function startStack(): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'capture-first-hour-'));
  const child = spawn('npm', ['start'], {
    cwd: repo,
    env: userEnv({
      CAPTURE_DATA_DIR: dataDir,
      CAPTURE_SMTP_PORT: '0',
      CAPTURE_AWS_PORT: '0',
      CAPTURE_SF_PORT: '0',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started: Stack = { child, out: '', err: '', ports: { smtp: 0, aws: 0, sf: 0 }, dataDir, exit };
  child.stderr?.on('data', (d: Buffer) => (started.err += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      started.out += d;
      if (/^ready$/m.test(started.out)) resolve();
    });
    void exit.then((code) => reject(new Error(`npm start exited ${code}: ${started.out}${started.err}`)));
  });
  const port = (pattern: RegExp) => Number(pattern.exec(started.out)?.[1]);
  started.ports = {
    smtp: port(/^smtp: localhost:(\d+)$/m),
    aws: port(/^aws \(S3\/SNS\/SQS\): http:\/\/127\.0\.0\.1:(\d+) /m),
    sf: port(/^salesforce emulator: http:\/\/127\.0\.0\.1:(\d+) /m),
  };
  return started;
}

/** The documented addresses with this stack's ports. */
function withPorts(text: string): string {
  return text
    .replaceAll('127.0.0.1:4566', `127.0.0.1:${stack.ports.aws}`)
    .replaceAll('127.0.0.1:8484', `127.0.0.1:${stack.ports.sf}`)
    .replaceAll('localhost:2525', `localhost:${stack.ports.smtp}`);
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` in bash as a user would, optionally until a line shows (then stops it). */
function bash(script: string, options: { until?: RegExp; env?: Record<string, string> } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], {
      cwd: repo,
      env: userEnv({ CAPTURE_SMTP_PORT: String(stack.ports.smtp), ...options.env }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      if (options.until?.test(stdout) && child.pid) process.kill(-child.pid, 'SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One documented block run as one script, with each command's own output and exit code. */
async function runBlock(commands: FirstHour[]): Promise<void> {
  // After each command a marker line with its index and exit code (on a line of its own even
  // when the command's output has no final newline; that added newline is taken off again).
  const script = commands
    .map((c, i) => `${withPorts(c.text)}\ncode=$?; printf '\\n@@${i} %s\\n' "$code"`)
    .join('\n');
  const until = commands.find((c) => c.coverage.runsUntil)?.coverage.runsUntil;
  const ran = await bash(script, until ? { until } : {});
  const parts = ran.stdout.split(/\n@@(\d+) (\d+)\n/);
  commands.forEach((c, i) => {
    const where = `${c.file}:${c.line}: ${c.text}\n${ran.stdout}${ran.stderr}`;
    if (c.coverage.runsUntil) {
      expect(ran.stdout, where).toMatch(c.coverage.prints);
      return;
    }
    expect(parts[1 + i * 3], where).toBe(String(i));
    expect(parts[2 + i * 3], where).toBe('0');
    expect(parts[i * 3], where).toMatch(c.coverage.prints);
    printed.set(c.text, parts[i * 3] ?? '');
  });
}

async function pageShows(text: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const html = await (await fetch(`http://127.0.0.1:${stack.ports.sf}/`)).text();
    if (html.includes(text)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the local page never showed ${text}`);
}

/** Commands that talk to the stack (its addresses or its mail) run in order; the rest meanwhile. */
const usesStack = (c: FirstHour) => /127\.0\.0\.1:(4566|8484)|capture\.localhost|capture send/.test(c.text);

function blocks(commands: FirstHour[]): FirstHour[][] {
  const grouped: FirstHour[][] = [];
  for (const c of commands) {
    const last = grouped.at(-1);
    if (c.block !== null && last?.[0]?.block === c.block) last.push(c);
    else grouped.push([c]);
  }
  return grouped;
}

/** Checks that need only the running stack, started beside the documented commands. */
let alongside: { secondStart: Promise<Ran>; orgList: Promise<Ran>; statusWithoutEndpoint: Promise<Ran> };

beforeAll(async () => {
  stack = await startStack();
  alongside = {
    secondStart: bash('npm start', {
      env: {
        CAPTURE_DATA_DIR: mkdtempSync(join(tmpdir(), 'capture-second-')),
        CAPTURE_AWS_PORT: String(stack.ports.aws),
        CAPTURE_SMTP_PORT: '0',
        CAPTURE_SF_PORT: '0',
      },
    }),
    orgList: bash('node bin/capture.js org list'),
    statusWithoutEndpoint: bash("node bin/capture.js status '<order-10042@acme.example>'"),
  };
}, 120_000);

afterAll(async () => {
  if (stack?.child.exitCode === null && stack.child.pid) {
    stack.child.kill('SIGKILL');
    await stack.exit;
  }
});

describe('the first hour', () => {
  it('npm start prints what the README shows, with the registry it reads', () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const shown = /It prints:\n\n```\n([\s\S]*?)\n```/.exec(readme)?.[1]?.split('\n') ?? [];
    expect(shown.at(-1)).toBe('ready');
    const printed = stack.out.split('\n').filter((l) => !l.startsWith('>') && l !== '');
    const pattern = (line: string) =>
      new RegExp(
        `^${line
          .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
          .replace(/2525|4566|8484/g, '\\d+')
          .replace('/path/to/capture/\\.capture', '\\S+')}$`,
      );
    expect(printed).toHaveLength(shown.length);
    for (const [i, line] of shown.entries()) expect(printed[i]).toMatch(pattern(line));
  });

  it('runs every command the docs show for a new user, as written', { timeout: 300_000 }, async () => {
    const all = firstHourCommands();
    expect(all.length).toBeGreaterThanOrEqual(8);
    const independent = blocks(all.filter((c) => !usesStack(c)));
    const alongside = Promise.all(independent.map(runBlock));
    for (const block of blocks(all.filter(usesStack))) {
      if (block.some((c) => c.coverage.afterTask))
        await pageShows('Email: Your order ORD-10042 ships Monday');
      await runBlock(block);
    }
    await alongside;
  });

  it('shows the Task on the local page, with its owner, contact and order', async () => {
    const html = await (await fetch(`http://127.0.0.1:${stack.ports.sf}/`)).text();
    const row = html.split('<tr').find((r) => r.includes('Email: Your order ORD-10042 ships Monday'));
    expect(row).toBeDefined();
    expect(row).toContain('alice@acme.example');
    expect(row).toContain('jane.doe@globex.example');
    expect(row).toContain('ORD-10042');
  });

  it('npm start -- --help lists every variable the docs list', () => {
    const help = printed.get('npm start -- --help') ?? '';
    const table = readFileSync(join(repo, 'docs/local-stack.md'), 'utf8');
    const variables = [...table.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(variables.length).toBeGreaterThanOrEqual(8);
    for (const variable of variables) expect(help).toContain(variable!);
  });

  it('a second npm start on a port in use says which variable moves it', async () => {
    const second = await alongside.secondStart;
    expect(second.code).toBe(1);
    const errors = second.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toEqual([
      `error: port ${stack.ports.aws} for fauxqs (S3/SNS/SQS) is already in use (another npm start?); stop what holds it or set CAPTURE_AWS_PORT to a free port (0 picks one)`,
    ]);
  });

  it('capture org list reads the registry npm start reads; status without an endpoint names the variables', async () => {
    const list = await alongside.orgList;
    expect(list.code).toBe(0);
    expect(list.stderr).toBe(
      'org registry: local/demo/orgs.json (the demo; orgs.json in this folder, CAPTURE_CONFIG or --config names yours)\n',
    );
    for (const address of stack.out.matchAll(/^capture address \(\w+, org [\w-]+\): (\S+)$/gm))
      expect(list.stdout).toContain(address[1]);

    const status = await alongside.statusWithoutEndpoint;
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/^error: no AWS credentials: set AWS_PROFILE .*AWS_ENDPOINT_URL=http/);
    expect(status.stderr.split('\n')).toHaveLength(2);
  });

  it('stops on SIGTERM after the mail in flight, and exits 0', async () => {
    const lock = dataPaths(stack.dataDir).lock;
    const { pid } = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number };
    process.kill(pid, 'SIGTERM');
    expect(await stack.exit).toBe(0);
    expect(stack.out).toContain('SIGTERM: draining in-flight mail and stopping');
    expect(existsSync(lock)).toBe(false);
  });
});
