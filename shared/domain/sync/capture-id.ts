/** Capture ids: a stable hash of org + Message-ID, so the same mail BCC'd twice or redelivered is one Task. */
import { createHash } from 'node:crypto';
import type { CapturedEmail } from '../captured-email.ts';

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 40);

export function normaliseMessageId(id: string): string {
  return id.trim().replace(/^<|>$/g, '').trim();
}

export function captureIdForMessageId(orgId: string, messageId: string): string {
  return hash(`${orgId}\n${normaliseMessageId(messageId)}`);
}

export function captureIdOf(orgId: string, email: CapturedEmail): string {
  if (email.messageId) return captureIdForMessageId(orgId, email.messageId);
  // No Message-ID: the same content from the same sender at the same time is the same message.
  const body = createHash('sha256').update(email.text).digest('hex');
  return hash(`${orgId}\n${email.date ?? ''}\n${email.from?.address ?? ''}\n${email.subject ?? ''}\n${body}`);
}

/** Capture ids of the messages this one replies to (In-Reply-To first, then References, newest first). */
export function threadCaptureIds(orgId: string, email: CapturedEmail): string[] {
  const ids = [email.inReplyTo, ...[...email.references].reverse()].filter((id): id is string => !!id);
  return [...new Set(ids.map((id) => captureIdForMessageId(orgId, id)))];
}
