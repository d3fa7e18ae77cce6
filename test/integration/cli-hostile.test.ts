/**
 * The command line facing text from outside: what `capture parse` prints of a mail holds no
 * terminal escape sequence, control or bidi character (the JSON keeps the values, written as
 * \u escapes), and `capture org add` refuses a public suffix as an org's domain.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'capture-cli-hostile-'));

function capture(...args: string[]) {
  const result = spawnSync(process.execPath, [join(repo, 'bin/capture.js'), ...args], {
    encoding: 'utf8',
    cwd: dir,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding what a terminal acts on is the point
const TERMINAL_ACTS_ON = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const SUBJECT = 'Quote \u001b]0;owned\u0007\u001b[2J\u009b31m\u202eexe.pdf\u2066';

describe('capture parse of a hostile mail', () => {
  it('prints JSON a terminal cannot act on, and it still reads back as the mail said', () => {
    const file = join(dir, 'hostile.eml');
    writeFileSync(
      file,
      Buffer.from(
        `From: =?utf-8?B?${Buffer.from('Mallory \u202e\u001b[1m').toString('base64')}?= <m@globex.example>\r\n` +
          `To: a@acme.example\r\nSubject: =?utf-8?B?${Buffer.from(SUBJECT).toString('base64')}?=\r\n\r\nBody \u001b[31mred\r\n`,
        'utf8',
      ),
    );
    const { code, stdout, stderr } = capture('parse', file);
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout.trimEnd()).not.toMatch(TERMINAL_ACTS_ON);
    expect(stdout.trimEnd()).not.toContain('\n');
    const email = JSON.parse(stdout);
    expect(email.subject).toBe(SUBJECT);
    expect(email.from.name).toContain('\u202e');
  });

  it('an error naming a hostile file name prints it inert', () => {
    const { code, stderr } = capture('parse', join(dir, 'missing\u001b[2J\u202e.eml'));
    expect(code).toBe(1);
    expect(stderr.trimEnd()).not.toMatch(TERMINAL_ACTS_ON);
    expect(stderr).toMatch(/^error: .*missing.*no such file/);
  });
});

describe('capture org add --domain', () => {
  it.each(['co.uk'])('refuses the public suffix %s (usage error, nothing written)', (domain) => {
    const config = join(dir, `orgs-${domain}.json`);
    const { code, stderr } = capture(
      'org',
      'add',
      'acme',
      '--domain',
      domain,
      '--config',
      config,
      '--capture-domain',
      'capture.acme.example',
    );
    expect(code).toBe(2);
    expect(stderr).toContain(`domain ${domain}: is a public suffix`);
    expect(existsSync(config)).toBe(false);
  });
});
