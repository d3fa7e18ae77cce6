/**
 * The `capture` program run in-process (the runCli the binary calls), with its stdout, stderr and
 * exit code; process.exitCode is left as it was. For tests of many command lines, where a
 * process per line would cost seconds each.
 */
import { vi } from 'vitest';
import { runCli } from '../../cli/program.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
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
