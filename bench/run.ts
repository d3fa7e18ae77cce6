/**
 * `npm run bench [-- --corpus DIR]`: measures the pipeline and prints a human summary, then (last
 * stdout line) one JSON object whose shape outside tools rely on (see docs/benchmarks.md).
 * Everything runs locally, side by side in one run. The parse figures use the .eml files under
 * DIR (default: the project's own fixtures, test/fixtures/parse).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline as pipe } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';

process.env.LOG_LEVEL = 'ERROR';
const { parseEmail } = await import('#shared/adapters/mime/parse-email.ts');
const { writeToSalesforce } = await import('#shared/usecases/salesforce-writes.ts');
const { startLocalStack } = await import('#local/stack.ts');
const { crmFor, org, startEmulator, MemoryAttachments, mixedBatch } = await import(
  '../test/support/salesforce.ts'
);

const root = join(import.meta.dirname, '..');
const { values: args } = parseArgs({ options: { corpus: { type: 'string' } } });
const corpusDir = args.corpus ? resolve(args.corpus) : join(root, 'test/fixtures/parse');
const log = (line: string) => process.stderr.write(`${line}\n`);

function corpusFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return corpusFiles(path);
    return /^(LICENSE|SOURCE_COMMIT|README\.md)$/.test(name) || /\.(ts|json|txt)$/.test(name) ? [] : [path];
  });
}

async function benchParse() {
  const messages = corpusFiles(corpusDir).map((f) => readFileSync(f));
  if (messages.length === 0) throw new Error(`no messages under ${corpusDir}`);
  const rounds = 5;
  const time = async (fn: (m: Buffer) => Promise<unknown>) => {
    for (const m of messages) await fn(m).catch(() => {}); // warm-up
    const started = performance.now();
    for (let r = 0; r < rounds; r++) for (const m of messages) await fn(m).catch(() => {});
    return (messages.length * rounds) / ((performance.now() - started) / 1000);
  };
  const bare = await time((m) => simpleParser(m));
  const ours = await time((m) => parseEmail(m));
  return { msgsPerSec: round(ours), bareMailparserMsgsPerSec: round(bare), ratio: round(ours / bare, 3) };
}

function largeMessage(): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < 4; i++) {
    parts.push(
      `--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="part${i}.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${randomBytes(
        7 * 1024 * 1024,
      )
        .toString('base64')
        .replace(/.{76}/g, '$&\r\n')}\r\n`,
    );
  }
  return Buffer.from(
    `From: Alice <alice@acme.example>\r\nTo: jane.doe@globex.example\r\nSubject: Large drawings\r\nMessage-ID: <large@acme.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nDrawings attached.\r\n${parts.join('')}--b--\r\n`,
  );
}

async function benchLarge() {
  const raw = largeMessage();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const discard = {
    put: async (_m: unknown, content: Readable) => {
      await pipe(content, new Writable({ write: (_c, _e, cb) => cb() }));
      return { storageKey: 'discarded' };
    },
  };
  const chunks = (buffer: Buffer) =>
    Readable.from(
      (function* () {
        for (let i = 0; i < buffer.length; i += 64 * 1024) yield buffer.subarray(i, i + 64 * 1024);
      })(),
    );
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  peak = baseline;
  let started = performance.now();
  await parseEmail(chunks(raw), { attachmentSink: discard });
  const pipelineMs = performance.now() - started;
  const pipelinePeak = peak;
  started = performance.now();
  await simpleParser(chunks(raw));
  const bareMs = performance.now() - started;
  clearInterval(sampler);
  return {
    sizeMB: round(raw.length / 1024 / 1024, 1),
    pipelineMs: round(pipelineMs),
    bareMs: round(bareMs),
    peakRssMB: round(pipelinePeak / 1024 / 1024),
  };
}

async function benchSalesforce() {
  const emulator = await startEmulator();
  try {
    const crm = crmFor(emulator.url);
    await crm.setupFields();
    const files = new MemoryAttachments();
    const emails = await mixedBatch(files, 'bench');
    const before = emulator.apiRequestCount();
    await writeToSalesforce({ org, emails, crm, attachments: files });
    const apiCalls = emulator.apiRequestCount() - before;
    return { emails: emails.length, apiCalls, callsPerEmail: round(apiCalls / emails.length, 3) };
  } finally {
    await emulator.close();
  }
}

async function benchE2e(count: number) {
  const stack = await startLocalStack({ smtpPort: 0, sfPort: 0 });
  try {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: stack.smtpPort,
      secure: false,
      pool: true,
      maxConnections: 4,
    });
    const sent = new Map<string, number>();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const messageId = `<e2e-bench-${i}@acme.example>`;
        sent.set(messageId, Date.now());
        await transport.sendMail({
          from: 'alice@acme.example',
          to: i % 3 === 0 ? 'jane.doe@globex.example' : 'carl@globex.example',
          bcc: stack.captureAddresses[0]!.address,
          subject: `Bench ${i} ORD-10042`,
          messageId,
          text: 'Benchmark message',
        });
      }),
    );
    await stack.idle();
    const elapsed = (performance.now() - started) / 1000;
    transport.close();
    const outcomes = (await stack.outcomes.list()).filter((o) => o.messageId && sent.has(o.messageId));
    const latencies = outcomes.map((o) => Date.parse(o.at) - sent.get(o.messageId!)!).sort((a, b) => a - b);
    const tasks = stack.emulator!.records('Task');
    const ids = tasks.map((t) => t.Capture_Id__c);
    return {
      emails: count,
      p50Ms: latencies[Math.floor(latencies.length * 0.5)] ?? null,
      p95Ms: latencies[Math.floor(latencies.length * 0.95)] ?? null,
      perSec: round(count / elapsed, 1),
      lost: count - new Set(outcomes.map((o) => o.messageId)).size,
      duplicates: ids.length - new Set(ids).size,
    };
  } finally {
    await stack.stop();
  }
}

async function benchColdStart(name: 'parse' | 'sync') {
  const dir = mkdtempSync(join(tmpdir(), `capture-bench-${name}-`));
  const outfile = join(dir, 'index.mjs');
  await build({
    entryPoints: [join(root, `functions/${name}/handler.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    outfile,
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'silent',
  });
  const bundleKB = round(statSync(outfile).size / 1024);
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const t = performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now() - t);`,
      ],
      {
        env: { ...process.env, AWS_LAMBDA_FUNCTION_NAME: name },
        encoding: 'utf8',
      },
    );
    samples.push(Number(out.trim()));
  }
  samples.sort((a, b) => a - b);
  return { bundleKB, initMs: round(samples[1]!) };
}

function round(n: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

const parse = await benchParse();
log(
  `parse: ${parse.msgsPerSec} msgs/s (bare mailparser ${parse.bareMailparserMsgsPerSec} msgs/s, ratio ${parse.ratio})`,
);
const large = await benchLarge();
log(
  `large message: ${large.sizeMB} MB in ${large.pipelineMs} ms (bare ${large.bareMs} ms), peak RSS ${large.peakRssMB} MB`,
);
const salesforce = await benchSalesforce();
log(
  `salesforce: ${salesforce.apiCalls} API calls for ${salesforce.emails} emails (${salesforce.callsPerEmail} per email)`,
);
const e2e = await benchE2e(Number(process.env.BENCH_E2E_EMAILS ?? 60));
log(
  `end to end: ${e2e.emails} emails, p50 ${e2e.p50Ms} ms, p95 ${e2e.p95Ms} ms, ${e2e.perSec}/s, lost ${e2e.lost}, duplicates ${e2e.duplicates}`,
);
const coldStart = { parse: await benchColdStart('parse'), sync: await benchColdStart('sync') };
log(
  `cold start: parse ${coldStart.parse.bundleKB} KB / ${coldStart.parse.initMs} ms, sync ${coldStart.sync.bundleKB} KB / ${coldStart.sync.initMs} ms`,
);
console.log(JSON.stringify({ parse, largeMessage: large, salesforce, e2e, coldStart }));
process.exit(0);
