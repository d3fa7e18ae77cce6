/**
 * Exit codes of every `capture` command: 0 done, 1 the work failed, 2 a usage mistake (a missing
 * or bad argument, flags that do not go together). Usage mistakes are reported through commander,
 * which prints the one `error: …` line; failures are thrown and printed by the program.
 */
import type { Command } from 'commander';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Stops the command as a usage mistake (exit 2) with one `error: …` line on stderr. */
export function usageError(command: Command, message: string): never {
  command.error(`error: ${message}`, { exitCode: EXIT.usage, code: 'capture.usage' });
}
