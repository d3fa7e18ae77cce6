import type { Command } from 'commander';
import { registerOperations } from './operations.ts';
import { registerOrg } from './org.ts';
import { registerParse } from './parse.ts';
import { registerSalesforce } from './salesforce.ts';
import { registerSend } from './send.ts';

/** Every `capture` subcommand. */
export function registerCommands(program: Command): void {
  registerParse(program);
  registerOperations(program);
  registerSalesforce(program);
  registerOrg(program);
  registerSend(program);
}
