/** In-memory NoticeStore, NoticeQueue and OutboundMail for the notices' unit tests. */
import type { DigestEntry } from '#shared/domain/notices/notice-text.ts';
import { newRecipient, type RecipientState } from '#shared/domain/notices/rate-limit.ts';
import type { NoticeQueue, NoticeStore, ReplyTarget } from '#shared/ports/notice-store.ts';
import type { OutboundMail, OutboundMessage } from '#shared/ports/outbound-mail.ts';

export class MemoryNoticeStore implements NoticeStore {
  recipients = new Map<string, { state: RecipientState; version: number }>();
  replies = new Map<string, ReplyTarget>();
  digest = new Map<string, DigestEntry>();
  /** Makes the next conditional write lose, as when another invocation wrote first. */
  conflicts = 0;

  async getRecipient(address: string) {
    const kept = this.recipients.get(address.toLowerCase());
    return kept
      ? { state: structuredClone(kept.state), version: String(kept.version) }
      : { state: newRecipient(address), version: null };
  }
  async putRecipient(state: RecipientState, version: string | null) {
    const kept = this.recipients.get(state.address);
    if (this.conflicts > 0) {
      this.conflicts--;
      return false;
    }
    if ((kept ? String(kept.version) : null) !== version) return false;
    this.recipients.set(state.address, { state: structuredClone(state), version: (kept?.version ?? 0) + 1 });
    return true;
  }
  async putReplyTarget(token: string, target: ReplyTarget) {
    this.replies.set(token, structuredClone(target));
  }
  async getReplyTarget(token: string) {
    return this.replies.get(token) ?? null;
  }
  async putDigestEntry(entry: DigestEntry) {
    this.digest.set(`${entry.orgId}/${entry.sesMessageId}`, structuredClone(entry));
  }
  async listDigestEntries(orgId: string, max: number) {
    const keys = [...this.digest.keys()].filter((k) => k.startsWith(`${orgId}/`));
    const read = keys.slice(0, max);
    return { entries: read.map((k) => this.digest.get(k)!), total: keys.length, keys: read };
  }
  async deleteDigestEntries(keys: string[]) {
    for (const k of keys) this.digest.delete(k);
  }
}

export class MemoryNoticeQueue implements NoticeQueue {
  messages: { body: unknown; delaySeconds: number }[] = [];
  async send(body: unknown, options: { delaySeconds?: number } = {}) {
    this.messages.push({ body: structuredClone(body), delaySeconds: options.delaySeconds ?? 0 });
  }
  /** The bodies sent, and forgets them. */
  take(): unknown[] {
    const bodies = this.messages.map((m) => m.body);
    this.messages = [];
    return bodies;
  }
}

export class MemoryOutbound implements OutboundMail {
  sent: OutboundMessage[] = [];
  async send(message: OutboundMessage) {
    this.sent.push(structuredClone(message));
    return { messageId: `<sent-${this.sent.length}@capture.example.com>` };
  }
}

/** A clock the test moves. */
export function fakeClock(start = '2026-03-02T07:55:00.000Z') {
  let at = Date.parse(start);
  return {
    now: () => new Date(at),
    advance: (ms: number) => {
      at += ms;
    },
    set: (iso: string) => {
      at = Date.parse(iso);
    },
  };
}

/** Deterministic "random" bytes: each token differs, and the tests stay repeatable. */
export function countingBytes() {
  let n = 0;
  return (size: number) => Uint8Array.from({ length: size }, () => (n++ * 37) % 252);
}
