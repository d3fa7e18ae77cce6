import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every `capture` subcommand, by the word that starts it, loaded when asked for: `capture parse`
 * never loads the AWS SDK that `status` needs, nor the Salesforce adapter of `salesforce`.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  parse: async () => (await import('./parse.ts')).registerParse,
  status: async () => (await import('./operations.ts')).registerOperations,
  replay: async () => (await import('./operations.ts')).registerOperations,
  digest: async () => (await import('./notices.ts')).registerNotices,
  salesforce: async () => (await import('./salesforce.ts')).registerSalesforce,
  org: async () => (await import('./org.ts')).registerOrg,
  send: async () => (await import('./send.ts')).registerSend,
};

/**
 * Registers the command `args` names (the arguments after `capture`), or every command when they
 * name none or one that does not exist (or none are given): the overall help and commander's
 * "unknown command" then list them all.
 */
export async function registerCommands(program: Command, args: readonly string[] = []): Promise<void> {
  const word = args.find((a) => !a.startsWith('-'));
  const named = word !== undefined ? COMMANDS[word] : undefined;
  const loaders = named ? [named] : Object.values(COMMANDS);
  const registered = new Set<Register>();
  for (const load of loaders) {
    const register = await load();
    if (registered.has(register)) continue;
    registered.add(register);
    register(program);
  }
}
