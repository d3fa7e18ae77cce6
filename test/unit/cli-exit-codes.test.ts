/**
 * Exit codes of every `capture` command, table-driven: a usage mistake (missing or bad argument,
 * flags that do not go together) exits 2 with one `error: …` line, `--help` exits 0, and a
 * failure of the work exits 1. The table must name every command the program has, so a new
 * command cannot be added without its row. Runs the program in-process (the same runCli the
 * binary calls) to stay fast; the binary itself is run by the first-hour test and the CLI tests.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProgram } from '../../cli/program.ts';
import { captureInProcess } from '../support/cli.ts';

const capture = captureInProcess;

/** Every leaf command's path, e.g. `org add`, from the program itself. */
function leafCommands(command: Command, prefix: string[] = []): string[] {
  return command.commands.flatMap((c) => {
    const path = [...prefix, c.name()];
    return c.commands.length > 0 ? leafCommands(c, path) : [path.join(' ')];
  });
}

/** Usage mistakes, at least one per command: each must exit 2 with one `error:` line naming the cause. */
const USAGE_MISTAKES: Record<string, { args: string[]; says: RegExp }[]> = {
  parse: [
    { args: ['parse'], says: /missing required argument 'files'/ },
    { args: ['parse', 'a.eml', '--recipient', 'x@capture.example.com'], says: /--recipient needs --config/ },
  ],
  status: [
    { args: ['status'], says: /missing required argument 'message-id'/ },
    { args: ['status', 'x', '--stack', 'Capture', '--bucket', 'b'], says: /--stack or --bucket, not both/ },
    { args: ['status', 'x', '--wait', 'soon'], says: /soon is not a number of seconds/ },
    { args: ['status', 'x', '--org', 'acme'], says: /give a message id or --org, not both/ },
  ],
  replay: [
    { args: ['replay'], says: /say what to replay: --dlq or --unresolved/ },
    {
      args: ['replay', '--dlq', '--stage', 'all'],
      says: /'all' is invalid. Allowed choices are intake, sync, both/,
    },
    { args: ['replay', '--dlq', '--org', 'acme'], says: /--org goes with --unresolved/ },
    {
      args: ['replay', '--unresolved', '--stack', 'C', '--bucket', 'b'],
      says: /--stack or --bucket, not both/,
    },
  ],
  digest: [
    { args: ['digest', '--org', 'Acme!'], says: /--org Acme! is not an org id/ },
    { args: ['digest', '--stack', 'C', '--bucket', 'b'], says: /--stack or --bucket, not both/ },
  ],
  'salesforce check': [{ args: ['salesforce', 'check', '--jsn'], says: /unknown option '--jsn'/ }],
  'salesforce setup': [{ args: ['salesforce', 'setup', 'now'], says: /too many arguments/ }],
  'org add': [
    { args: ['org', 'add', 'acme'], says: /required option '--domain <domains...>' not specified/ },
    { args: ['org', 'add', 'Acme!', '--domain', 'acme.com'], says: /org id Acme!/ },
  ],
  'org rotate': [
    { args: ['org', 'rotate'], says: /missing required argument 'id'/ },
    { args: ['org', 'rotate', 'acme', '--mode', 'smtp'], says: /'smtp' is invalid/ },
    { args: ['org', 'rotate', 'acme', '--retire-in', 'soon'], says: /soon is not a number of days/ },
  ],
  'org list': [{ args: ['org', 'list', 'acme'], says: /too many arguments/ }],
  'org disable': [{ args: ['org', 'disable'], says: /missing required argument 'id'/ }],
  'org enable': [{ args: ['org', 'enable'], says: /missing required argument 'id'/ }],
  send: [
    { args: ['send', '--to', 'a@b.example'], says: /required option '--from <address>' not specified/ },
    { args: ['send', '--from', 'a@b.example'], says: /give at least one of --to, --cc, --bcc/ },
    { args: ['send', '--from', 'nobody', '--to', 'a@b.example'], says: /nobody is not an email address/ },
    {
      args: ['send', 'mail.eml', '--from', 'a@b.example', '--to', 'c@d.example', '--subject', 'x'],
      says: /compose a mail; not with files/,
    },
    {
      args: ['send', '--from', 'a@b.example', '--to', 'c@d.example', '--server', 'h:x'],
      says: /h:x is not host:port/,
    },
  ],
};

let savedExitCode: typeof process.exitCode;
beforeEach(() => {
  savedExitCode = process.exitCode;
  process.exitCode = undefined;
});
afterEach(() => {
  process.exitCode = savedExitCode;
});

describe('capture exit codes', () => {
  it('has a usage-mistake row for every command', async () => {
    expect(Object.keys(USAGE_MISTAKES).sort()).toEqual(leafCommands(await createProgram()).sort());
  });

  for (const [command, mistakes] of Object.entries(USAGE_MISTAKES)) {
    it(`${command}: usage mistakes exit 2 with one error line; --help exits 0`, async () => {
      for (const { args, says } of mistakes) {
        const run = await capture(...args);
        expect(run.code, args.join(' ')).toBe(2);
        expect(run.stderr, args.join(' ')).toMatch(/^error: [^\n]+\n$/);
        expect(run.stderr, args.join(' ')).toMatch(says);
        expect(run.stdout, args.join(' ')).toBe('');
      }
      const help = await capture(...command.split(' '), '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: capture ${command}`);
    });
  }

  it('an unknown command is a usage mistake; the program’s own --help exits 0', async () => {
    const unknown = await capture('stauts');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown command 'stauts'/);
    const help = await capture('--help');
    expect(help.code).toBe(0);
    for (const command of ['parse', 'status', 'replay', 'salesforce', 'org', 'send'])
      expect(help.stdout).toContain(command);
  });

  it('a failure of the work exits 1 with one error line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capture-exit-'));
    const cases: { args: string[]; says: RegExp }[] = [
      { args: ['parse', join(dir, 'missing.eml')], says: /missing\.eml: no such file/ },
      {
        args: ['org', 'list', '--config', join(dir, 'none.json')],
        says: /none\.json: file not found; check the path given by --config/,
      },
      {
        args: ['org', 'rotate', 'acme', '--config', join(dir, 'none.json')],
        says: /file not found; check the path given by --config/,
      },
      {
        // Port 1 on this machine: nothing listens there.
        args: ['send', '--from', 'a@b.example', '--to', 'c@d.example', '--server', '127.0.0.1:1'],
        says: /nothing answers at 127\.0\.0\.1:1: is npm start running\?/,
      },
    ];
    for (const { args, says } of cases) {
      const run = await capture(...args);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stderr, args.join(' ')).toMatch(/^error: [^\n]+\n$/);
      expect(run.stderr, args.join(' ')).toMatch(says);
      process.exitCode = undefined;
    }
  });
});
