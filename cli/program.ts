/**
 * The `capture` program: every command, and how its outcome becomes an exit code (cli/usage.ts).
 * Only the command being run is loaded (cli/commands/index.ts). Errors are one readable line on
 * stderr (`error: …`); never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { describeError } from '#shared/errors.ts';
import { registerCommands } from './commands/index.ts';
import { safeLine } from './output.ts';
import { EXIT } from './usage.ts';

/** The program with the command `args` name (the arguments after `capture`), or every command. */
export async function createProgram(args: readonly string[] = []): Promise<Command> {
  const program = new Command('capture')
    .description('Capture: turn email into Salesforce activity')
    .exitOverride()
    // Usage errors in one line, commander's "(Did you mean --json?)" hint included.
    .configureOutput({ outputError: (text, write) => write(`${oneLine(text.trim())}\n`) });
  await registerCommands(program, args);
  return program;
}

/**
 * Runs one command line (`argv` as in process.argv) and returns its exit code. Commands that
 * finish with a partial failure (some files unreadable, a blocking check) set process.exitCode.
 */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await (await createProgram(argv.slice(2))).parseAsync(argv);
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage mistakes exit 2 (commander already printed the message).
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`error: ${oneLine(describeError(error))}\n`);
    return EXIT.failure;
  }
}

/** One line, inert on a terminal (an error may quote a file name or text from mail). */
function oneLine(text: string): string {
  return safeLine(text.replace(/\s*\n\s*/g, ' '));
}
