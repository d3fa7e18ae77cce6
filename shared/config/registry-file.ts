import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { parseRegistry, type Registry, type RegistryInput } from './registry.ts';

/** Reads and validates an org registry file. Errors name the file and the bad field. */
export function loadRegistryFile(path: string): Registry {
  return readRegistryDocument(path).registry;
}

/**
 * Reads a registry file as written (`document`, for tools that edit it and must keep the admin's
 * own fields and layout of defaults) and validated (`registry`).
 */
export function readRegistryDocument(path: string): {
  document: RegistryInput;
  registry: Registry;
  /** The file as read, for writeRegistryFile's check that nobody changed it meanwhile. */
  text: string;
} {
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
  const registry = parseRegistry(json, path);
  return { document: json as RegistryInput, registry, text };
}

/**
 * Validates `document` with the registry schema and replaces the file atomically: written to a
 * temporary file beside it, flushed, then renamed over it, so readers (the local stack, `cdk
 * synth`) see the old file or the new one, never half of one. Nothing is written if it is invalid.
 * `basedOn` is the text the edit started from (null: the file must not exist yet); if the file
 * changed meanwhile, another edit would be lost, so nothing is written.
 */
export function writeRegistryFile(path: string, document: RegistryInput, basedOn?: string | null): Registry {
  const registry = parseRegistry(document, path);
  const text = `${JSON.stringify(document, null, 2)}\n`;
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let mode = 0o644;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    // a new file
  }
  try {
    const fd = openSync(temp, 'wx', mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (basedOn !== undefined && currentText(path) !== basedOn) {
      throw new ConfigError(
        'REGISTRY_CHANGED',
        `org registry ${path} changed while this command ran; nothing written, run it again`,
      );
    }
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      'REGISTRY_UNWRITABLE',
      `org registry ${path}: cannot be written (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      { cause: error },
    );
  }
  return registry;
}

function currentText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
