/**
 * The local stack's outbox as the page shows it: each `.eml` the notices function wrote, with
 * its recipients and subject read from its header block, newest first.
 */
import { simpleParser } from 'mailparser';
import { listOutbox, readOutboxFile } from '#shared/adapters/outbox-outbound-mail.ts';

export interface OutboxMessage {
  file: string;
  at: string;
  to: string;
  subject: string;
  replyTo: string;
}

/** The page lists at most this many (the newest). */
const LISTED = 100;

export async function outboxMessages(dir: string): Promise<OutboxMessage[]> {
  const files = (await listOutbox(dir)).slice(0, LISTED);
  return Promise.all(
    files.map(async ({ file, at }) => {
      const raw = (await readOutboxFile(dir, file)) ?? Buffer.alloc(0);
      const end = raw.indexOf('\r\n\r\n');
      const parsed = await simpleParser(end === -1 ? raw : raw.subarray(0, end + 4)).catch(() => null);
      const text = (v: { text?: string } | { text?: string }[] | undefined) =>
        (Array.isArray(v) ? v : v ? [v] : []).map((x) => x.text ?? '').join(', ');
      return {
        file,
        at: (parsed?.date ?? at).toISOString(),
        to: text(parsed?.to),
        subject: parsed?.subject ?? '',
        replyTo: text(parsed?.replyTo),
      };
    }),
  );
}
