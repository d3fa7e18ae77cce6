/**
 * The `capture` command line in tests, two ways:
 * - `runCapture(args, { cwd, env })`: `npx capture …` as a user runs it, a process started from
 *   bin/capture.js with only the environment a test names (and PATH), so nothing of the test run
 *   leaks into the command; `runScript` does the same for another entry point (bench/soak.ts…).
 * - `captureInProcess(...args)`: the program run in this process (the runCli the binary calls),
 *   with its stdout, stderr and exit code; process.exitCode is left as it was. For tests of many
 *   command lines, where a process per line would cost a second or more each.
 *
 *   const { code, stdout, stderr } = await runCapture(['org', 'list', '--json'], { cwd: dir });
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { vi } from 'vitest';
import { runCli } from '../../cli/program.ts';

export const repo = join(import.meta.dirname, '../..');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Working directory; default: the repository. */
  cwd?: string;
  /** Variables beside PATH. */
  env?: Record<string, string | undefined>;
}

/**
 * What an operator sets to point `capture` at a local stack's AWS stand-in (it checks no
 * credentials, but the SDK wants some).
 */
export function localAwsEnv(aws: { endpoint: string; region: string }): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: aws.endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: aws.region,
  };
}

export function runCapture(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runNode([join(repo, 'bin/capture.js'), ...args], options);
}

/** A TypeScript entry point of the repository (local/start.ts, bench/soak.ts…) under this Node. */
export function runScript(script: string, args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runNode(['--no-warnings=ExperimentalWarning', join(repo, script), ...args], options);
}

function runNode(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? repo,
      env: { PATH: process.env.PATH ?? '', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function captureInProcess(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    const code = await runCli(['node', 'capture', ...args]);
    return { code, stdout, stderr };
  } finally {
    process.exitCode = saved;
    out.mockRestore();
    err.mockRestore();
  }
}
