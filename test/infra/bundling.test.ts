/**
 * The Lambda bundling options (infra/bundling.ts) as esbuild applies them: bundles built with them
 * run in a fresh Node process. One bundle of the parse code holds html-to-text once and still turns
 * an HTML-only email into text (mailparser's require of html-to-text lands on the one copy), and
 * reads every parse fixture (and the corpus) as the unbundled code does; the Salesforce adapter
 * carries no undici and still talks to the Salesforce emulator through jsforce.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdkBundling, esbuildOptionsFor, lambdaEsbuild } from '#infra/bundling.ts';
import { parseEmail } from '#shared/adapters/mime/parse-email.ts';
import { corpusFiles } from '../../bench/parse.ts';
import { crmFor, setUp, startEmulator } from '../support/salesforce.ts';

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

/** What the parse bundle reads: the HTML-only mail, then each file, as one line of JSON. */
function readable(e: Awaited<ReturnType<typeof parseEmail>>): string {
  return JSON.stringify([
    e.subject,
    e.from,
    e.to,
    e.cc,
    e.text,
    e.attachments.map((a) => [a.filename, a.size, a.checksum]),
    e.forwarded,
    e.warnings,
  ]);
}

// Each parse fixture, the mailbox's mails (forwards in many languages: some dates only chrono-node
// reads, which the bundle loads when the first one comes) and the shared corpus when CAPTURE_CORPUS
// names it, parsed by one bundle of the parse code and here, unbundled.
const CHRONO_DATE = join(repo, 'test/fixtures/mailbox/mails/057-fwd-inbox-apple-en-pepper.eml');
const files = [
  join(repo, 'test/fixtures/parse'),
  join(repo, 'test/fixtures/mailbox/mails'),
  ...(process.env.CAPTURE_CORPUS ? [process.env.CAPTURE_CORPUS] : []),
].flatMap((d) => corpusFiles(d));
let parseInputs: string[];
let bundled: { htmlOnly: { text: string; subject: string }; files: string[] };

beforeAll(async () => {
  const entry = join(dir, 'parse-entry.ts');
  writeFileSync(
    entry,
    `import { readFileSync } from 'node:fs';\n` +
      `import { parseEmail } from ${JSON.stringify(join(repo, 'shared/adapters/mime/parse-email.ts'))};\n` +
      `const html = await parseEmail(Buffer.from(${JSON.stringify(HTML_ONLY)}));\n` +
      `const out = [];\n` +
      `for (const file of ${JSON.stringify(files)}) out.push(await parseEmail(readFileSync(file)).then(readable, (e) => String(e.code ?? e.message)));\n` +
      'function readable(e) { return JSON.stringify([e.subject, e.from, e.to, e.cc, e.text, e.attachments.map((a) => [a.filename, a.size, a.checksum]), e.forwarded, e.warnings]); }\n' +
      'console.log(JSON.stringify({ htmlOnly: { text: html.text, subject: html.subject }, files: out }));\n',
  );
  const outfile = join(dir, 'parse.mjs');
  const result = await build({ ...esbuildOptionsFor(entry, outfile), metafile: true, logLevel: 'silent' });
  parseInputs = Object.keys(result.metafile?.inputs ?? {});
  const out = execFileSync(process.execPath, [outfile], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
    maxBuffer: 1 << 28,
  });
  bundled = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
}, 120_000);

describe('Lambda bundling options', () => {
  it('bundle the parse code into one ESM file that runs and reads HTML-only mail', () => {
    const htmlToText = parseInputs.filter((p) => p.includes('node_modules/html-to-text/'));
    expect(htmlToText).toEqual([expect.stringMatching(/html-to-text\.mjs$/)]);
    expect(bundled.htmlOnly.subject).toBe('Drawings');
    expect(bundled.htmlOnly.text).toContain('The drawings for ORD-10042 are ready.');
  });

  it('bundle the parse code without he, reading every fixture as the libraries do', async () => {
    expect(parseInputs.filter((p) => p.includes('node_modules/he/'))).toEqual([]);
    const here: string[] = [];
    for (const file of files) {
      here.push(await parseEmail(readFileSync(file)).then(readable, (e) => String(e.code ?? e.message)));
    }
    expect(files.length).toBeGreaterThan(30);
    const differing = files.filter((_, i) => bundled.files[i] !== here[i]);
    expect(differing).toEqual([]);
    // "6 November 2026 at 06:46:00 CET": read by chrono-node, required lazily inside the bundle.
    const forwarded = JSON.parse(bundled.files[files.indexOf(CHRONO_DATE)] ?? '[]')[6];
    expect(forwarded.date).toBe('2026-11-06T05:46:00.000Z');
  });

  it('bundle the Salesforce adapter without undici, and it still works against the emulator', {
    timeout: 60_000,
  }, async () => {
    const entry = join(dir, 'sync-entry.ts');
    writeFileSync(
      entry,
      `import { SalesforceCrm } from ${JSON.stringify(join(repo, 'shared/adapters/salesforce/index.ts'))};\n` +
        'const crm = new SalesforceCrm({ credentials: { authFlow: "client-credentials", loginUrl: process.env.SF_URL, clientId: "local", clientSecret: "local" } });\n' +
        'const capabilities = await crm.capabilities();\n' +
        'const missing = await crm.request("GET", "/sobjects/No_Such_Object__c/describe").then(() => null, (e) => e.code ?? e.message);\n' +
        'console.log(JSON.stringify({ capabilities, missing, usage: crm.apiUsage() }));\n',
    );
    const outfile = join(dir, 'sync.mjs');
    const result = await build({ ...esbuildOptionsFor(entry, outfile), metafile: true, logLevel: 'silent' });
    expect(Object.keys(result.metafile!.inputs).filter((p) => p.includes('node_modules/undici/'))).toEqual(
      [],
    );

    const emulator = await startEmulator();
    try {
      await setUp(crmFor(emulator.url));
      const out = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          [outfile],
          { encoding: 'utf8', env: { PATH: process.env.PATH, SF_URL: emulator.url } },
          (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout)),
        ),
      );
      const parsed = JSON.parse(out.trim().split('\n').at(-1)!);
      expect(parsed.capabilities.captureIdField).toBe(true);
      expect(parsed.usage.max).toBe(100_000);
      expect(parsed.missing).toMatch(/NOT_FOUND|INVALID_TYPE/);
      const fields = emulator.exportState();
      expect(JSON.stringify(fields)).toContain('Capture_Id__c');
    } finally {
      await emulator.close();
    }
  });

  it("bundle node:http as CommonJS (no ES module facade, which loads Node's fetch), and the AWS SDK still makes requests over it", {
    timeout: 60_000,
  }, async () => {
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult><Buckets><Bucket><Name>seen-${req.method}</Name></Bucket></Buckets></ListAllMyBucketsResult>`,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const entry = join(dir, 'aws-entry.ts');
      writeFileSync(
        entry,
        `import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';\n` +
          `const s3 = new S3Client({ endpoint: 'http://127.0.0.1:${port}', region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });\n` +
          'const out = await s3.send(new ListBucketsCommand({}));\n' +
          'console.log(JSON.stringify(out.Buckets.map((b) => b.Name)));\n',
      );
      const outfile = join(dir, 'aws.mjs');
      await build({
        ...esbuildOptionsFor(entry, outfile),
        nodePaths: [join(repo, 'node_modules')],
        logLevel: 'silent',
      });
      expect(readFileSync(outfile, 'utf8')).not.toMatch(/from\s*"(node:)?http"/);
      const out = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          [outfile],
          { encoding: 'utf8', env: { PATH: process.env.PATH } },
          (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout)),
        ),
      );
      expect(JSON.parse(out.trim())).toEqual(['seen-GET']);
    } finally {
      server.close();
    }
  });

  it("build mailparser's linkify-it on first use, and it links text as the library does", async () => {
    // mailparser's own text-to-HTML, links on: the parse stage never asks for it, so the bundle
    // defers the instance it configures as it loads; asked, the links are the library's.
    const text = [
      'From: a@acme.example',
      'To: b@globex.example',
      'Subject: Links',
      '',
      'See https://example.com/orders/ORD-10042, git://host.example/x, @acme and www.globex.example.',
      '',
    ].join('\r\n');
    const entry = join(dir, 'linkify-entry.ts');
    writeFileSync(
      entry,
      `import linkify from 'linkify-it';\n` +
        `import { simpleParser } from 'mailparser';\n` +
        'const loaded = linkify.built;\n' +
        `const mail = await simpleParser(${JSON.stringify(text)});\n` +
        'console.log(JSON.stringify({ loaded, used: linkify.built, html: mail.textAsHtml }));\n',
    );
    const outfile = join(dir, 'linkify.mjs');
    await build({
      ...esbuildOptionsFor(entry, outfile),
      nodePaths: [join(repo, 'node_modules')],
      logLevel: 'silent',
    });
    const out = JSON.parse(
      execFileSync(process.execPath, [outfile], { encoding: 'utf8', env: { PATH: process.env.PATH } })
        .trim()
        .split('\n')
        .at(-1)!,
    );
    const { simpleParser } = await import('mailparser');
    const here = (await simpleParser(text)).textAsHtml;
    expect(here).toContain('<a href="https://example.com/orders/ORD-10042">');
    expect(out).toEqual({ loaded: 0, used: 1, html: here });
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
    const alias = lambdaEsbuild.alias as Record<string, string>;
    expect(cdk.esbuildArgs).toEqual({
      '--alias': Object.entries(alias).map(([name, path]) => `${name}=${path}`),
    });
    expect(Object.keys(alias)).toEqual(
      expect.arrayContaining([
        'html-to-text',
        'undici',
        'he',
        'http',
        'node:http',
        'chrono-node/en',
        'chrono-node/ja',
        'linkify-it',
        'linkify-it-eager',
      ]),
    );
    expect(alias['linkify-it-eager']).toMatch(/linkify-it\/build\/index\.cjs\.js$/);
    // The date readers' languages come from chrono-node's ES build, as html-to-text does.
    expect(alias['chrono-node/en']).toMatch(/chrono-node\/dist\/esm\/locales\/en\/index\.js$/);
    expect(alias['html-to-text']).toMatch(/html-to-text\.mjs$/);
  });
});
