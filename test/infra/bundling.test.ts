/**
 * The Lambda bundling options (infra/bundling.ts) as esbuild applies them: bundles built with them
 * run in a fresh Node process. The parse code holds html-to-text once and still turns an HTML-only
 * email into text (mailparser's require of html-to-text lands on the one copy); the Salesforce
 * adapter carries no undici and still talks to the Salesforce emulator through jsforce.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { cdkBundling, esbuildOptionsFor, lambdaEsbuild } from '#infra/bundling.ts';
import { startEmulator } from '../support/salesforce.ts';

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
      `import { parseEmail } from ${JSON.stringify(join(repo, 'shared/adapters/mime/parse-email.ts'))};\n` +
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

  it('bundle the Salesforce adapter without undici, and it still works against the emulator', {
    timeout: 60_000,
  }, async () => {
    const entry = join(dir, 'sync-entry.ts');
    writeFileSync(
      entry,
      `import { SalesforceCrm } from ${JSON.stringify(join(repo, 'shared/adapters/salesforce/index.ts'))};\n` +
        'const crm = new SalesforceCrm({ credentials: { authFlow: "client-credentials", loginUrl: process.env.SF_URL, clientId: "local", clientSecret: "local" } });\n' +
        'const setup = await crm.setupFields();\n' +
        'const capabilities = await crm.capabilities();\n' +
        'const missing = await crm.describe("No_Such_Object__c").then(() => null, (e) => e.code ?? e.message);\n' +
        'console.log(JSON.stringify({ setup, capabilities, missing }));\n',
    );
    const outfile = join(dir, 'sync.mjs');
    const result = await build({ ...esbuildOptionsFor(entry, outfile), metafile: true, logLevel: 'silent' });
    expect(Object.keys(result.metafile!.inputs).filter((p) => p.includes('node_modules/undici/'))).toEqual(
      [],
    );

    const emulator = await startEmulator();
    try {
      const out = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          [outfile],
          { encoding: 'utf8', env: { PATH: process.env.PATH, SF_URL: emulator.url } },
          (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout)),
        ),
      );
      const parsed = JSON.parse(out.trim().split('\n').at(-1)!);
      expect(parsed.setup.map((f: { field: string }) => f.field)).toContain('Activity.Capture_Id__c');
      expect(parsed.capabilities.captureIdField).toBe(true);
      expect(parsed.missing).toMatch(/NOT_FOUND|INVALID_TYPE/);
      const fields = emulator.exportState();
      expect(JSON.stringify(fields)).toContain('Capture_Id__c');
    } finally {
      await emulator.close();
    }
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
    expect(cdk.esbuildArgs).toEqual({
      '--alias': [
        `html-to-text=${lambdaEsbuild.alias['html-to-text']}`,
        `undici=${lambdaEsbuild.alias.undici}`,
      ],
    });
  });
});
