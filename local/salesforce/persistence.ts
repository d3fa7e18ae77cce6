/**
 * Keeps the emulator's state in a JSON file across restarts: loaded at start, saved after
 * committed writes (debounced), always by writing a temporary file and renaming it over the old
 * one, so a crash mid-write leaves the previous state intact.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StoreState } from './store.ts';

export function loadStateFile(path: string): StoreState | null {
  if (!existsSync(path)) return null;
  return JSON.parse(readFileSync(path, 'utf8')) as StoreState;
}

export function saveStateFile(path: string, state: StoreState): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(state));
  renameSync(temp, path);
}

/** Debounces saves: many writes in a burst cost one file write; flush() writes what is pending now. */
export class StateSaver {
  readonly #path: string;
  readonly #read: () => StoreState;
  readonly #delayMs: number;
  #timer: NodeJS.Timeout | null = null;

  constructor(path: string, read: () => StoreState, delayMs = 50) {
    this.#path = path;
    this.#read = read;
    this.#delayMs = delayMs;
  }

  schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => this.flush(), this.#delayMs);
    this.#timer.unref();
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    saveStateFile(this.#path, this.#read());
  }

  get pending(): boolean {
    return this.#timer !== null;
  }
}
