import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import { parseRegistry, type Registry } from './registry.ts';

/** Reads and validates an org registry file. Errors name the file and the bad field. */
export function loadRegistryFile(path: string): Registry {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'cannot be read';
    throw new ConfigError('REGISTRY_UNREADABLE', `org registry ${path}: ${reason}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      'REGISTRY_NOT_JSON',
      `org registry ${path}: not valid JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return parseRegistry(json, path);
}
