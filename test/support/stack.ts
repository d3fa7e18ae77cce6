/**
 * The local stack as the integration tests start it: free ports, and the event sources' own
 * batching windows measured on a fake clock, so a window costs a test no waiting. Most tests
 * want the end-to-end harness (e2e.ts) instead, which starts this with mail, Salesforce and
 * outcome helpers beside it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WindowClock } from '#local/runner.ts';
import { type LocalStackOptions, startLocalStack } from '#local/stack.ts';

/**
 * A clock that runs ahead instead of waiting: each sleep returns at once, the clock that much
 * later, so a batching window takes what the queue holds and closes. While `busy()` says more is
 * on its way (the end-to-end harness: while the parse stage works) it runs at real speed, as a
 * real window catches what arrives within it (and never outlasts a visibility timeout). While
 * held (`hold()`, how a test sends mail "together") it stands still: the window stays open and
 * its batch fills until it is full or the hold is released.
 */
export class FakeWindowClock implements WindowClock {
  #now = 0;
  #holds = 0;
  busy: () => boolean = () => false;

  now(): number {
    return this.#now;
  }

  async sleep(ms: number): Promise<void> {
    if (this.#holds > 0 || this.busy()) {
      await new Promise((r) => setTimeout(r, Math.min(ms, 50)));
      if (this.#holds === 0) this.#now += Math.min(ms, 50);
      return;
    }
    this.#now += ms;
    await new Promise((r) => setImmediate(r));
  }

  /** Stops time until the returned release is called. */
  hold(): () => void {
    this.#holds++;
    let released = false;
    return () => {
      if (!released) this.#holds--;
      released = true;
    };
  }
}

export function startTestStack(options: LocalStackOptions = {}) {
  return startLocalStack({ smtpPort: 0, sfPort: 0, windowClock: new FakeWindowClock(), ...options });
}

/** A registry and a seed written as the files `npm start` reads, in a fresh temp folder. */
export function stackFiles(
  prefix: string,
  registry: object,
  seed: object,
): { dir: string; configPath: string; seedPath: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const configPath = join(dir, 'orgs.json');
  const seedPath = join(dir, 'seed.json');
  writeFileSync(configPath, JSON.stringify(registry));
  writeFileSync(seedPath, JSON.stringify(seed));
  return { dir, configPath, seedPath };
}
