/**
 * OutboundMail for the local stack: every message is kept as an `.eml` file in the outbox folder
 * (CAPTURE_DATA_DIR/outbox), where the local page lists it. Written whole, then renamed, so a
 * reader never sees half a file. Names sort by the time they were sent.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TransientError } from '../errors.ts';
import type { OutboundMail, OutboundMessage } from '../ports/outbound-mail.ts';
import { composeMail } from './compose-mail.ts';

export class OutboxOutboundMail implements OutboundMail {
  readonly #dir: string;
  readonly #now: () => Date;

  constructor(dir: string, now: () => Date = () => new Date()) {
    this.#dir = dir;
    this.#now = now;
  }

  async send(message: OutboundMessage): Promise<{ messageId: string }> {
    const at = this.#now();
    const { raw, messageId } = await composeMail(message, at);
    const name = `${at.toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`;
    try {
      await mkdir(this.#dir, { recursive: true });
      const partial = join(this.#dir, `.${name}.part`);
      await writeFile(partial, raw);
      await rename(partial, join(this.#dir, name));
    } catch (error) {
      throw new TransientError('OUTBOX_WRITE_FAILED', `writing ${name} to the outbox failed`, {
        cause: error,
      });
    }
    return { messageId };
  }
}

export interface OutboxEntry {
  file: string;
  at: Date;
  size: number;
}

/** The outbox's messages, newest first (missing folder: none). */
export async function listOutbox(dir: string): Promise<OutboxEntry[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.eml') && !n.startsWith('.'));
  } catch {
    return [];
  }
  const entries = await Promise.all(
    names.map(async (file) => {
      const info = await stat(join(dir, file)).catch(() => null);
      return info ? { file, at: info.mtime, size: info.size } : null;
    }),
  );
  return entries.filter((e) => e !== null).sort((a, b) => b.file.localeCompare(a.file));
}

/** One outbox message's bytes; null for a name that is not one of its files. */
export async function readOutboxFile(dir: string, file: string): Promise<Buffer | null> {
  if (!/^[A-Za-z0-9._-]+\.eml$/.test(file) || file.startsWith('.')) return null;
  return readFile(join(dir, file)).catch(() => null);
}
