/**
 * Every command the README and docs/ show is run by a test exactly as written, or is listed with
 * why it cannot be (an AWS account, a real Salesforce org, minutes of measuring) and the test
 * that runs its offline or smaller equivalent. The list is test/support/doc-commands.ts; this
 * file checks it against the documents both ways and checks each named test exists and does it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COVERAGE, commandsIn, docCommands, repo } from '../support/doc-commands.ts';

const found = docCommands();
const read = (file: string) => readFileSync(join(repo, file), 'utf8');

describe('commands in the README and docs', () => {
  it('finds shell blocks (continuations joined, comments dropped) and inline commands, not synopses', () => {
    const doc = [
      'Run `npm start -- --fresh` or `npx capture parse <file.eml>`; see `capture status`.',
      '```sh',
      '# a comment',
      'npx capture send --from a@b.example \\',
      '  --to c@d.example   # the customer',
      '```',
      '```',
      'ready',
      '```',
      'Then `AWS_ENDPOINT_URL=http://127.0.0.1:4566 npx capture status x` and `capture replay --dlq`.',
    ].join('\n');
    expect(commandsIn('x.md', doc).map((c) => [c.text, c.line, c.block])).toEqual([
      ['npm start -- --fresh', 1, null],
      ['npx capture send --from a@b.example --to c@d.example', 4, 'x.md:2'],
      ['AWS_ENDPOINT_URL=http://127.0.0.1:4566 npx capture status x', 10, null],
      ['capture replay --dlq', 10, null],
    ]);
  });

  it('each command is covered: run as written, or listed with the test of its equivalent', () => {
    const missing = found.filter((c) => !(c.text in COVERAGE)).map((c) => `${c.file}:${c.line}: ${c.text}`);
    expect(missing, 'commands with no test: add them to test/support/doc-commands.ts').toEqual([]);
    const texts = new Set(found.map((c) => c.text));
    const stale = Object.keys(COVERAGE).filter((text) => !texts.has(text));
    expect(stale, 'listed commands no document shows any more').toEqual([]);
  });

  it('each named test exists and does what it is named for', () => {
    for (const [text, coverage] of Object.entries(COVERAGE)) {
      const named =
        coverage.kind === 'test'
          ? coverage
          : coverage.kind === 'deploy'
            ? coverage.offline
            : coverage.kind === 'measure'
              ? coverage.smaller
              : null;
      if (named) {
        expect(existsSync(join(repo, named.file)), `${text}: ${named.file}`).toBe(true);
        expect(read(named.file), `${text}: ${named.file} has no ${named.marker}`).toContain(named.marker);
      }
      if (coverage.kind === 'deploy' || coverage.kind === 'measure') expect(coverage.why).not.toBe('');
      if (coverage.kind === 'first-hour' || coverage.kind === 'stack')
        expect(read('test/integration/first-hour.test.ts')).toContain(
          coverage.kind === 'stack' ? "spawn('npm', ['start']" : 'firstHourCommands()',
        );
    }
  });

  it('the suite commands run the suite', () => {
    const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
    for (const coverage of Object.values(COVERAGE)) {
      if (coverage.kind === 'suite') expect(scripts[coverage.script]).toBe(coverage.runs);
    }
  });

  it('needs nothing a Debian or Ubuntu user lacks: npm and npx, curl, sed, and aws for the deploy', () => {
    // The programs a command runs: the first word of each piece of a pipeline or substitution.
    const programs = new Set(
      found.flatMap((c) =>
        c.text
          .split(/&&|\|\||\||\$\(|;/)
          .map((piece) => piece.trim().replace(/^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s*)*/, ''))
          .filter((piece) => piece !== '')
          .map((piece) => piece.split(' ')[0]),
      ),
    );
    expect([...programs].sort()).toEqual(['aws', 'curl', 'npm', 'npx', 'sed']);
  });
});
