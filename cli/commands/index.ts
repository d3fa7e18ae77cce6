import type { Command } from 'commander';

/** Every `capture` subcommand. Add new commands here. */
export function registerCommands(program: Command): void {
  void program;
}
