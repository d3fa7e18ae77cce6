/**
 * `capture` command line. Each command lives in cli/commands/<name>.ts and registers itself.
 * Errors are one readable line on stderr (`error: …`) with a meaningful exit code; never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { describeError } from '#shared/errors.ts';
import { registerCommands } from './commands/index.ts';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

const program = new Command('capture')
  .description('Capture: turn email into Salesforce activity')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text.endsWith('\n') ? text : `${text}\n`) });

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; usage mistakes exit 2 (commander already printed the message).
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    process.stderr.write(`error: ${describeError(error)}\n`);
    process.exitCode = EXIT.failure;
  }
}
