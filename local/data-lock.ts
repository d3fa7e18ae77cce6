/**
 * One local stack per data directory: a second one would hand back messages the first is working
 * on and overwrite its records. The lock file names its owner by pid, the process's start time
 * and the boot it started in (Linux: /proc), so a pid the system has since given to another
 * process does not keep a dead owner's lock; where the start time cannot be read, the pid alone
 * decides. A lock is only ever taken over from an owner that is gone, and two processes taking
 * over the same stale lock do it one at a time (a second file, `lock.break`, held while one
 * checks and removes it).
 */
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError } from '#shared/errors.ts';

export interface LockOwner {
  pid: number;
  /** When the process started (clock ticks since boot, /proc/<pid>/stat); null where unknown. */
  started: string | null;
  /** The boot the process started in (/proc/sys/kernel/random/boot_id); null where unknown. */
  boot: string | null;
  host: string;
}

/** A lock younger than this with no readable owner is being written: left alone. */
const WRITING_MS = 10_000;

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The start time of process `pid` as /proc shows it; null where there is no /proc or no such process. */
export function processStart(pid: number): string | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // Field 22 (starttime), counted after the command name, which may hold spaces and parentheses.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}

export function currentOwner(pid = process.pid): LockOwner {
  return {
    pid,
    started: processStart(pid),
    boot: readText('/proc/sys/kernel/random/boot_id')?.trim() ?? null,
    host: hostname(),
  };
}

function parseOwner(text: string | null): LockOwner | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (!Number.isInteger(value.pid) || (value.pid ?? 0) <= 0) return null;
    return {
      pid: value.pid as number,
      started: value.started ?? null,
      boot: value.boot ?? null,
      host: value.host ?? hostname(),
    };
  } catch {
    // A lock written by an older Capture: the pid alone.
    const pid = Number(text.trim());
    return Number.isInteger(pid) && pid > 0 ? { pid, started: null, boot: null, host: hostname() } : null;
  }
}

function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the lock's owner still runs: same machine, its pid alive, and (when known) the same process. */
export function ownerAlive(owner: LockOwner, me: LockOwner = currentOwner()): boolean {
  if (owner.host !== me.host) return true; // Another machine's process: cannot be checked from here.
  if (!pidRunning(owner.pid)) return false;
  if (owner.boot && me.boot && owner.boot !== me.boot) return false;
  const started = processStart(owner.pid);
  return !(owner.started && started && owner.started !== started);
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function inUse(dataDir: string, why: string): ConfigError {
  return new ConfigError('DATA_DIR_IN_USE', `data directory ${dataDir} is in use ${why}`);
}

/** Takes the lock at `lock` for this process; throws DATA_DIR_IN_USE while a live process holds it. Returns the release. */
export function takeLock(lock: string, dataDir: string): () => void {
  const mine = JSON.stringify(currentOwner());
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(lock, mine, { flag: 'wx' });
      // Released only while it is still this process's lock.
      return () => {
        if (readText(lock) === mine) rmSync(lock, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const text = readText(lock);
    if (text === null) continue; // Gone in between: try again.
    const owner = parseOwner(text);
    if (owner === null) {
      if (ageMs(lock) < WRITING_MS) throw inUse(dataDir, 'by a process starting now');
    } else if (owner.pid === process.pid && owner.started === currentOwner().started) {
      throw inUse(dataDir, 'by this process already');
    } else if (ownerAlive(owner)) {
      throw inUse(dataDir, `by process ${owner.pid}${owner.host !== hostname() ? ` on ${owner.host}` : ''}`);
    }
    removeStale(lock, text, dataDir);
  }
  throw inUse(dataDir, 'by processes starting at the same time');
}

/** Removes a stale lock, unless another process took it over first; one process at a time. */
function removeStale(lock: string, staleText: string, dataDir: string): void {
  const breaker = `${lock}.break`;
  try {
    writeFileSync(breaker, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // A taker that died holding it leaves it behind; a live one is done within milliseconds.
    if (ageMs(breaker) > WRITING_MS) rmSync(breaker, { force: true });
    else throw inUse(dataDir, 'by a process taking over its stale lock');
    return;
  }
  try {
    if (readText(lock) === staleText) rmSync(lock, { force: true });
  } finally {
    rmSync(breaker, { force: true });
  }
}
