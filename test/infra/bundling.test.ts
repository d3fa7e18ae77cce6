/**
 * The Lambda bundling options (infra/bundling.ts) as esbuild applies them: a bundle of the parse
 * code built with them runs in a fresh Node process, holds html-to-text once, and still turns an
 * HTML-only email into text (mailparser's require of html-to-text lands on the one copy).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { cdkBundling, esbuildOptionsFor, lambdaEsbuild } from '#infra/bundling.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'capture-bundling-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HTML_ONLY = [
  'From: Alice <alice@acme.example>',
  'To: jane.doe@globex.example',
  'Subject: Drawings',
  'Message-ID: <html-only@acme.example>',
  'MIME-Version: 1.0',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<html><body><p>The drawings for <b>ORD-10042</b> are ready.</p></body></html>',
  '',
].join('\r\n');

describe('Lambda bundling options', () => {
  it('bundle the parse code into one ESM file that runs and reads HTML-only mail', {
    timeout: 60_000,
  }, async () => {
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      `import { parseEmail } from ${JSON.stringify(join(repo, 'shared/domain/parse/parse-email.ts'))};\n` +
        `const email = await parseEmail(Buffer.from(${JSON.stringify(HTML_ONLY)}));\n` +
        'console.log(JSON.stringify({ text: email.text, subject: email.subject }));\n',
    );
    const outfile = join(dir, 'index.mjs');
    const result = await build({ ...esbuildOptionsFor(entry, outfile), metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile!.inputs).filter((p) =>
      p.includes('node_modules/html-to-text/'),
    );
    expect(inputs).toEqual([expect.stringMatching(/html-to-text\.mjs$/)]);

    const out = execFileSync(process.execPath, [outfile], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    const parsed = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(parsed.subject).toBe('Drawings');
    expect(parsed.text).toContain('The drawings for ORD-10042 are ready.');
  });

  it('give NodejsFunction the same options, the alias in its esbuild CLI form', () => {
    const cdk = cdkBundling();
    expect(cdk).toMatchObject({
      format: lambdaEsbuild.format,
      target: lambdaEsbuild.target,
      minify: lambdaEsbuild.minify,
      sourceMap: lambdaEsbuild.sourcemap,
      mainFields: lambdaEsbuild.mainFields,
      banner: lambdaEsbuild.banner,
      externalModules: lambdaEsbuild.external,
    });
    expect(cdk.esbuildArgs).toEqual({ '--alias': `html-to-text=${lambdaEsbuild.alias['html-to-text']}` });
  });
});
