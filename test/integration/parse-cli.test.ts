/** `capture parse` through the real command line. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registryInput } from '../support/registry.ts';

const repo = join(import.meta.dirname, '../..');
const fixtures = join(repo, 'test/fixtures/parse');

function capture(...args: string[]) {
  const result = spawnSync(process.execPath, [join(repo, 'bin/capture.js'), ...args], {
    encoding: 'utf8',
    cwd: repo,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('capture parse', () => {
  it('prints the contract JSON for one file, with the attached message as forwarded', () => {
    const { code, stdout, stderr } = capture('parse', join(fixtures, 'rfc822-attached.eml'));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const email = JSON.parse(stdout);
    for (const field of [
      'messageId',
      'subject',
      'date',
      'from',
      'to',
      'cc',
      'forwarded',
      'orderNumbers',
      'kind',
      'attachments',
      'warnings',
    ]) {
      expect(email).toHaveProperty(field);
    }
    expect(email.forwarded).toMatchObject({
      from: { address: 'juergen@kunde.example', name: 'Jürgen Müller' },
      subject: 'Rechnung für Juni',
      date: '2026-11-16T09:12:00.000Z',
    });
  });

  it('prints JSON Lines in the given order for several files', () => {
    const { code, stdout } = capture(
      'parse',
      join(fixtures, 'gmail-forward.eml'),
      join(fixtures, 'bounce.eml'),
    );
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.messageId)).toEqual(['<fwd-gmail@acme.example>', '<bounce@globex.example>']);
  });

  it('uses the org registry and capture address when given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capture-cli-'));
    const config = join(dir, 'orgs.json');
    writeFileSync(config, JSON.stringify(registryInput()));
    const { code, stdout } = capture(
      'parse',
      join(fixtures, 'gmail-forward.eml'),
      '--config',
      config,
      '--recipient',
      'ACME-INBOX-3n8v5t2r6y1z+SO-104233@capture.example.com',
    );
    expect(code).toBe(0);
    const email = JSON.parse(stdout);
    expect(email.capture).toEqual({
      orgId: 'acme',
      address: 'acme-inbox-3n8v5t2r6y1z+so-104233@capture.example.com',
      mode: 'forward',
      target: 'SO-104233',
    });
    expect(email.direction).toBe('inbound');
    expect(email.orderNumbers[0]).toBe('SO-104233');

    writeFileSync(
      config,
      JSON.stringify(registryInput({ acme: { orderNumbers: { patterns: ['(unclosed'] } } })),
    );
    const bad = capture('parse', join(fixtures, 'gmail-forward.eml'), '--config', config);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^error: .*orgs\.json.*orgs\.0\.orderNumbers\.patterns\.0: is not a valid regular expression/,
    );
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 1 with one error line per unreadable input and never a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capture-cli-'));
    const empty = join(dir, 'empty.eml');
    const binary = join(dir, 'binary.eml');
    writeFileSync(empty, '');
    writeFileSync(binary, Buffer.from([0, 1, 2, 3, 255, 254, 0, 10, 13, 0]));
    const { code, stdout, stderr } = capture(
      'parse',
      empty,
      join(fixtures, 'bounce.eml'),
      binary,
      join(dir, 'missing.eml'),
    );
    expect(code).toBe(1);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const errors = stderr.trim().split('\n');
    expect(errors).toHaveLength(3);
    for (const line of errors) expect(line).toMatch(/^error: /);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('has --help', () => {
    const { code, stdout } = capture('parse', '--help');
    expect(code).toBe(0);
    expect(stdout).toContain('--recipient');
  });
});
