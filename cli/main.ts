/**
 * `capture` command line. Each command lives in cli/commands/<name>.ts and registers itself
 * (cli/program.ts); exit codes: 0 done, 1 the work failed, 2 a usage mistake (cli/usage.ts).
 */
import { runCli } from './program.ts';

process.exitCode = await runCli(process.argv);
