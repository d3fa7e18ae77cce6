/**
 * `npm run bench [-- --corpus DIR] [-- --quick]`: measures the pipeline and prints a human summary
 * on stderr, then (last stdout line) one JSON object whose shape outside tools rely on (see
 * docs/benchmarks.md). The parse figures use the .eml files under DIR (default: the project's own
 * fixtures, test/fixtures/parse). `--quick` runs fewer rounds and emails, for iterating; the full
 * run is the default and the one to quote.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

process.env.LOG_LEVEL = 'ERROR';
const { benchCorpus, benchCurves, corpusFiles } = await import('./parse.ts');
const { benchParseProcess } = await import('./parse-process.ts');
const { benchLarge } = await import('./large.ts');
const { benchSyncCurve } = await import('./salesforce.ts');
const { benchE2e } = await import('./e2e.ts');
const { benchBundle } = await import('./bundles.ts');
const { benchCost } = await import('./cost-report.ts');
const { benchFairness, defaultFairness } = await import('./fairness.ts');
const { log } = await import('./stats.ts');
const { pipeline } = await import('#shared/config/pipeline.ts');

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string' },
    quick: { type: 'boolean', default: false },
    fairness: { type: 'boolean', default: false },
  },
});
const quick = args.quick ?? false;
const corpusDir = args.corpus ? resolve(args.corpus) : join(import.meta.dirname, '../test/fixtures/parse');
const emails = Number(process.env.BENCH_E2E_EMAILS ?? (quick ? 120 : 600));
const rate = Number(process.env.BENCH_E2E_RATE ?? 60);

// Exploration only: other batching windows ("intake,sync" seconds) for the end-to-end run.
if (process.env.BENCH_WINDOWS) {
  const [intake, sync] = process.env.BENCH_WINDOWS.split(',').map(Number);
  const set = (q: object, seconds: number | undefined) => {
    if (seconds !== undefined && Number.isFinite(seconds))
      (q as { maxBatchingWindowSeconds: number }).maxBatchingWindowSeconds = seconds;
  };
  set(pipeline.queues.intake, intake);
  set(pipeline.queues.lines, intake);
  set(pipeline.queues.sync, sync);
}
log(
  `batching windows: intake ${pipeline.queues.intake.maxBatchingWindowSeconds} s, sync ${pipeline.queues.sync.maxBatchingWindowSeconds} s`,
);
if (args.fairness) {
  // `--fairness`: the noisy-neighbour figures alone.
  const { fairness } = await benchFairness();
  console.log(JSON.stringify({ fairness }));
  process.exit(0);
}
log(`bench (${quick ? 'quick' : 'full'} run; CPU times are user + system of the measuring process)`);
const parse = {
  ...(await benchCorpus(corpusDir, quick ? 5 : 30)),
  process: await benchParseProcess(corpusFiles(corpusDir), quick ? 2 : 7),
};
await benchCurves(quick);
const largeMessage = await benchLarge(quick ? 1 : 5);
await benchSyncCurve(quick ? [1, 10, 25] : [1, 5, 10, 25, 50]);
const { e2e, salesforce } = await benchE2e(emails, rate);
const coldStart = {
  parse: await benchBundle('parse', quick ? 3 : 7),
  sync: await benchBundle('sync', quick ? 3 : 7),
};
const cost = await benchCost();
const { fairness } = await benchFairness(
  quick ? { ...defaultFairness, quietMails: 20, burstMails: 500 } : undefined,
);
console.log(JSON.stringify({ parse, largeMessage, salesforce, e2e, coldStart, fairness, cost }));
process.exit(0);
