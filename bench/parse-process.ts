/**
 * `capture parse` as a whole process against processes doing the same with the libraries alone
 * (bare mailparser, and the same-work peer): each side parses every corpus file once, in a fresh
 * process, and the figure is the process's whole CPU time (start-up and module loading included),
 * sides alternated. capture runs as users run it, with Node's compile cache (warmed by the first
 * round), and again with the cache off; a process that starts Node and exits shows the floor.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { log, median, round, spread } from './stats.ts';

/** `capture-uncached`: capture parse with Node's compile cache off, as on a machine's first run. */
type Side = 'capture' | 'capture-uncached' | 'bare' | 'peer' | 'node';

const ROOT = join(import.meta.dirname, '..');
const PRELOAD = pathToFileURL(join(import.meta.dirname, 'cpu-at-exit.mjs')).href;

function argsOf(side: Side, files: string[]): string[] {
  if (side === 'capture' || side === 'capture-uncached')
    return [join(ROOT, 'bin/capture.js'), 'parse', ...files];
  if (side === 'node') return ['-e', ''];
  return [join(import.meta.dirname, 'process-child.ts'), side, ...files];
}

/** CPU ms of one fresh process of `side` over the files. */
function runSide(side: Side, files: string[], dir: string): Promise<number> {
  const report = join(dir, `${side}.cpu`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--no-warnings=ExperimentalWarning', '--import', PRELOAD, ...argsOf(side, files)],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LOG_LEVEL: 'ERROR', BENCH_CPU_FILE: report },
      },
    );
    child.stderr.resume();
    child.on('error', reject);
    // capture parse exits 1 when a file had no readable header (corpora hold a few): still measured.
    child.on('close', (code) =>
      code === 0 || (side.startsWith('capture') && code === 1)
        ? resolve(Number(readFileSync(report, 'utf8')))
        : reject(new Error(`${side} exited ${code}`)),
    );
  });
}

export async function benchParseProcess(files: string[], rounds: number) {
  const dir = mkdtempSync(join(tmpdir(), 'capture-bench-'));
  const sides: Side[] = ['capture', 'capture-uncached', 'bare', 'peer', 'node'];
  const ms: Record<Side, number[]> = { capture: [], 'capture-uncached': [], bare: [], peer: [], node: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) ms[side].push(await runSide(side, files, dir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const capture = median(ms.capture);
  log(
    `capture parse as a whole process, ${files.length} files, ${rounds} fresh processes per side, CPU ms: ` +
      `capture ${spread(ms.capture)} (compile cache off ${spread(ms['capture-uncached'])}), bare ${spread(ms.bare)}, peer ${spread(ms.peer)}, node alone ${spread(ms.node)}; ` +
      `ratio ${round(median(ms.bare) / capture, 3)}, to the peer ${round(median(ms.peer) / capture, 3)}`,
  );
  return {
    files: files.length,
    captureMs: round(capture),
    captureUncachedMs: round(median(ms['capture-uncached'])),
    bareMs: round(median(ms.bare)),
    peerMs: round(median(ms.peer)),
    nodeMs: round(median(ms.node)),
    ratio: round(median(ms.bare) / capture, 3),
    peerRatio: round(median(ms.peer) / capture, 3),
  };
}
