/**
 * Which org registry file a local tool reads when none is named: the same answer for `npm start`
 * and every `capture` command. `--config <file>` first, then `CAPTURE_CONFIG`, then `orgs.json`
 * in the current folder. Where that file does not exist, tools that only read (`npm start`,
 * `capture org list`) fall back to the demo registry shipped with the project; tools that edit
 * never touch the demo (its tokens are quoted in the README and used by the tests).
 */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REGISTRY_FILE_NAME = 'orgs.json';
export const DEMO_REGISTRY_PATH = fileURLToPath(new URL('../../local/demo/orgs.json', import.meta.url));

export type RegistrySource = 'flag' | 'env' | 'cwd' | 'demo';

export interface RegistryLocation {
  path: string;
  source: RegistrySource;
}

export function registryLocation(options: {
  flag?: string | undefined;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Readers may fall back to the demo registry when `orgs.json` is missing; editors may not. */
  demoFallback: boolean;
}): RegistryLocation {
  if (options.flag) return { path: options.flag, source: 'flag' };
  const fromEnv = (options.env ?? process.env).CAPTURE_CONFIG;
  if (fromEnv) return { path: fromEnv, source: 'env' };
  const cwd = options.cwd ?? process.cwd();
  const here = resolve(cwd, REGISTRY_FILE_NAME);
  if (existsSync(here) || !options.demoFallback) return { path: REGISTRY_FILE_NAME, source: 'cwd' };
  return { path: DEMO_REGISTRY_PATH, source: 'demo' };
}

/** One line saying which registry is used and how to name another, for tools that print it. */
export function describeLocation(location: RegistryLocation, cwd = process.cwd()): string {
  const shown = location.source === 'demo' ? relative(cwd, location.path) || location.path : location.path;
  switch (location.source) {
    case 'demo':
      return `${shown} (the demo; ${REGISTRY_FILE_NAME} in this folder, CAPTURE_CONFIG or --config names yours)`;
    case 'env':
      return `${shown} (CAPTURE_CONFIG)`;
    case 'flag':
      return `${shown} (--config)`;
    case 'cwd':
      return `${shown} (in this folder)`;
  }
}

/** The hint an error about a missing registry ends with. */
export function missingRegistryHint(location: RegistryLocation): string {
  if (location.source === 'cwd')
    return `give --config <file> or set CAPTURE_CONFIG (default: ${REGISTRY_FILE_NAME} in the current folder), or create one with capture org add <id> --domain <domain> --capture-domain <domain>`;
  return `check the path given by ${location.source === 'env' ? 'CAPTURE_CONFIG' : '--config'}`;
}
