/**
 * Each function bundled with exactly the options the CDK uses (infra/bundling.ts), its size and
 * largest packages (esbuild metafile), and its init time: importing the bundle in a fresh process.
 * The build happens in a temporary directory that is removed afterwards.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { esbuildOptionsFor } from '#infra/bundling.ts';
import { log, median, round, spread } from './stats.ts';

const root = join(import.meta.dirname, '..');

/** Bytes in the output by package (node_modules path, nested copies joined with ">"), largest first. */
export function byPackage(meta: Metafile, outfile: string): [string, number][] {
  const output = Object.entries(meta.outputs).find(([path]) =>
    outfile.endsWith(path.replace(/^.*\//, '')),
  )?.[1];
  const sizes = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const chain = path.match(/node_modules\/(@[^/]+\/)?[^/]+/g)?.map((s) => s.slice('node_modules/'.length));
    const key = chain ? chain.join('>') : '(capture)';
    sizes.set(key, (sizes.get(key) ?? 0) + input.bytesInOutput);
  }
  return [...sizes].sort((a, b) => b[1] - a[1]);
}

function initMs(file: string): number {
  const out = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`,
    ],
    // As on Lambda: the handler modules must not need a live service to load.
    {
      env: { PATH: process.env.PATH, AWS_LAMBDA_FUNCTION_NAME: 'bench', AWS_REGION: 'eu-west-1' },
      encoding: 'utf8',
    },
  );
  return Number(out.trim().split('\n').at(-1));
}

export async function benchBundle(name: 'parse' | 'sync', samples: number) {
  const dir = mkdtempSync(join(tmpdir(), `capture-bench-${name}-`));
  try {
    const outfile = join(dir, 'index.mjs');
    const result = await build({
      ...esbuildOptionsFor(join(root, `functions/${name}/handler.ts`), outfile),
      metafile: true,
      logLevel: 'silent',
    });
    const bytes = statSync(outfile).size;
    const times = Array.from({ length: samples }, () => initMs(outfile));
    const top = byPackage(result.metafile!, outfile)
      .slice(0, 8)
      .map(([pkg, b]) => `${pkg} ${round(b / 1024)}`)
      .join(', ');
    log(
      `bundle ${name}: ${round(bytes / 1024)} KB (+ ${round(statSync(`${outfile}.map`).size / 1024)} KB source map), init ms ${spread(times)}; largest KB: ${top}`,
    );
    return { bundleKB: round(bytes / 1024), initMs: round(median(times)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
