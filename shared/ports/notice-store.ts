/**
 * What the notices keep between mails (S3 in AWS and locally): per rep, the rate-limit window,
 * held notices and whether Capture may write at all; per reply address, the mail it resolves;
 * per org, the mail waiting for the admin digest.
 */
import type { DigestEntry } from '../domain/notices/notice-text.ts';
import type { RecipientState } from '../domain/notices/rate-limit.ts';

/**
 * What a reply address stands for: the rep a notice went to and, for a notice about one
 * unresolved mail, that mail (a notice about several names one address per mail in its text).
 */
export interface ReplyTarget {
  orgId: string;
  sesMessageId: string | null;
  parsedKey: string | null;
  /** The rep the notice went to: the only one whose reply counts. */
  rep: string;
  subject: string | null;
  messageId: string | null;
  createdAt: string;
}

export interface NoticeStore {
  /** The rep's state and a version for the conditional write; a fresh state when none is kept. */
  getRecipient(address: string): Promise<{ state: RecipientState; version: string | null }>;
  /** False when someone else wrote the state since `version` was read (read it again and redo). */
  putRecipient(state: RecipientState, version: string | null): Promise<boolean>;
  putReplyTarget(token: string, target: ReplyTarget): Promise<void>;
  getReplyTarget(token: string): Promise<ReplyTarget | null>;
  /** One entry per mail and org: a second one for the same mail replaces the first. */
  putDigestEntry(entry: DigestEntry): Promise<void>;
  /** Up to `max` of the org's waiting entries (oldest first) and how many wait in all. */
  listDigestEntries(
    orgId: string,
    max: number,
  ): Promise<{ entries: DigestEntry[]; total: number; keys: string[] }>;
  /** Removes entries once their digest went out (by the keys listDigestEntries gave). */
  deleteDigestEntries(keys: string[]): Promise<void>;
}

/** The notices queue, with delays: the end of a rep's window is a message delivered then. */
export interface NoticeQueue {
  send(body: unknown, options?: { delaySeconds?: number }): Promise<void>;
}
