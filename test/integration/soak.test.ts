/**
 * `npm run soak` as a process, small: with --sabotage the sync stage drops one mail unworked
 * and dead-letters a copy of another after making its Task. Counting emails − Tasks − DLQ
 * entries would call that run clean; the soak counts each Message-ID on its own and must say
 * exactly 2 lost (and nothing else), and fail.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));

function soak(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--no-warnings=ExperimentalWarning', join(repo, 'bench/soak.ts'), ...args],
      { cwd: repo, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'SILENT' } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run soak', () => {
  it('counts every Message-ID on its own: a mail with no ending and one with two are both lost', async () => {
    const run = await soak(['--emails', '12', '--fault-rate', '0.5', '--seed', '7', '--sabotage']);
    const last = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(Object.keys(last)).toEqual(['emails', 'tasks', 'dlq', 'lost', 'duplicates', 'faultsInjected']);
    expect(last).toMatchObject({ emails: 12, lost: 2, duplicates: 0 });
    expect(last.faultsInjected).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/soak-0@\S+ \(plain\): 0 Tasks, 0 DLQ entries/);
    expect(run.stderr).toMatch(/soak-1@\S+ \(plain\): 1 Tasks, [1-9]\d* DLQ entries/);
    // Faults of single emails fired, not only faults of whole requests.
    expect(run.stderr).toMatch(/per email \{"[a-z-]+":[1-9]/);
    expect(run.code).toBe(1);
  }, 60_000);
});
