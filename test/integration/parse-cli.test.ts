/** `capture parse` through the real command line. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repo, runCapture } from '../support/cli.ts';
import { registryInput } from '../support/registry.ts';

const fixtures = join(repo, 'test/fixtures/parse');
const capture = (...args: string[]) => runCapture(args);

describe('capture parse', () => {
  it('prints the contract JSON for one file, with the attached message as forwarded', async () => {
    const { code, stdout, stderr } = await capture('parse', join(fixtures, 'rfc822-attached.eml'));
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

  it('prints JSON Lines in the given order for several files', async () => {
    const { code, stdout } = await capture(
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

  it('uses the org registry and capture address when given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capture-cli-'));
    const config = join(dir, 'orgs.json');
    writeFileSync(config, JSON.stringify(registryInput()));
    const { code, stdout } = await capture(
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
    const bad = await capture('parse', join(fixtures, 'gmail-forward.eml'), '--config', config);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^error: .*orgs\.json.*orgs\.0\.orderNumbers\.patterns\.0: is not a valid regular expression/,
    );
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 1 with one error line per unreadable input and never a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capture-cli-'));
    const empty = join(dir, 'empty.eml');
    const binary = join(dir, 'binary.eml');
    writeFileSync(empty, '');
    writeFileSync(binary, Buffer.from([0, 1, 2, 3, 255, 254, 0, 10, 13, 0]));
    const { code, stdout, stderr } = await capture(
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

  it('loads only what parsing needs: no schemas (zod), registry or AWS SDK without --config', async () => {
    const loaded = await modulesLoadedParsing(join(fixtures, 'gmail-forward.eml'));
    expect(loaded.some((line) => line.includes('/node_modules/mailparser/'))).toBe(true);
    expect(
      loaded.filter((line) => /\/node_modules\/(zod|@aws-sdk|@smithy)\/|\/config\/registry\.ts$/.test(line)),
    ).toEqual([]);
  });

  it('loads chrono-node only for a forwarded date in a shape it alone reads, and only that language', async () => {
    const chrono = (loaded: string[]) =>
      loaded
        .filter((line) => line.includes('/node_modules/chrono-node/'))
        .map((line) => line.replace(/^.*\/locales\/([a-z]+)\/index\.js$/, '$1'));
    // "Mon, 16 Nov 2026 at 10:12": a common shape, read without chrono.
    expect(chrono(await modulesLoadedParsing(join(fixtures, 'gmail-forward.eml')))).toEqual([]);
    // "6 November 2026 at 06:46:00 CET" (05:46 UTC): chrono's readers for Latin script.
    const apple = join(repo, 'test/fixtures/mailbox/mails/057-fwd-inbox-apple-en-pepper.eml');
    const loaded = await modulesLoadedParsing(apple, (stdout) => {
      expect(JSON.parse(stdout).forwarded.date).toBe('2026-11-06T05:46:00.000Z');
    });
    expect(new Set(chrono(loaded).filter((name) => /^[a-z]+$/.test(name)))).toEqual(
      new Set(['en', 'de', 'fr', 'es', 'it', 'nl', 'pt', 'sv']),
    );
  });

  it('has --help', async () => {
    const { code, stdout } = await capture('parse', '--help');
    expect(code).toBe(0);
    expect(stdout).toContain('--recipient');
  });
});

/** The modules `capture parse FILE` loads, one `module: <url>` line each (test/support/module-trace.mjs). */
async function modulesLoadedParsing(
  file: string,
  check: (stdout: string) => void = () => {},
): Promise<string[]> {
  const trace = pathToFileURL(join(repo, 'test/support/module-trace.mjs')).href;
  const { code, stdout, stderr } = await runCapture(['parse', file], {
    env: { NODE_OPTIONS: `--import ${trace}` },
  });
  expect(code).toBe(0);
  check(stdout);
  return stderr.split('\n').filter((line) => line.startsWith('module: '));
}
