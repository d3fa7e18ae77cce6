/** The ~38 MB message: each side parsed in its own fresh process, sides alternated. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { chunked, withAttachments } from './messages.ts';
import { log, median, round, spread } from './stats.ts';

interface ChildResult {
  cpuMs: number;
  wallMs: number;
  peakRssMB: number;
  startRssMB: number;
}

function runSide(side: 'ours' | 'bare', message: Buffer): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--no-warnings=ExperimentalWarning', join(import.meta.dirname, 'large-child.ts'), side],
      { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'ERROR' } },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stdin.on('error', () => {}); // a child that died is reported by its exit code
    chunked(message).pipe(child.stdin);
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)!))
        : reject(new Error(`${side} exited ${code}`)),
    );
  });
}

export async function benchLarge(rounds: number) {
  // Four base64 attachments of 7 MB each: about 38 MB on the wire.
  const message = withAttachments(4, 7 * 1024 * 1024);
  const ours: ChildResult[] = [];
  const bare: ChildResult[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const);
    for (const side of order) (side === 'ours' ? ours : bare).push(await runSide(side, message));
  }
  const pick = (rs: ChildResult[], k: keyof ChildResult) => rs.map((x) => x[k]);
  log(
    `large message: ${round(message.length / 1024 / 1024, 1)} MB, ${rounds} fresh processes per side; ` +
      `CPU ms ours ${spread(pick(ours, 'cpuMs'))}, bare ${spread(pick(bare, 'cpuMs'))}; ` +
      `wall ms ours ${spread(pick(ours, 'wallMs'))}, bare ${spread(pick(bare, 'wallMs'))}; ` +
      `peak RSS MB ours ${spread(pick(ours, 'peakRssMB'))} (process start ${round(median(pick(ours, 'startRssMB')))}), bare ${spread(pick(bare, 'peakRssMB'))}`,
  );
  return {
    sizeMB: round(message.length / 1024 / 1024, 1),
    pipelineMs: round(median(pick(ours, 'cpuMs'))),
    bareMs: round(median(pick(bare, 'cpuMs'))),
    peakRssMB: round(median(pick(ours, 'peakRssMB'))),
  };
}
