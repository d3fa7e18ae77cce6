/**
 * Mail Capture sends (notices to reps, answers, admin digests): in AWS through SES, locally into
 * the outbox folder. The adapters compose the MIME message the same way (compose-mail.ts).
 */
export interface OutboundMessage {
  /** `Name <address>` or an address. */
  from: string;
  to: string[];
  replyTo?: string;
  subject: string;
  text: string;
  /** The Message-ID this mail is about: In-Reply-To and References, so it threads with it. */
  inReplyTo?: string | null;
  /** More header fields (Auto-Submitted, X-Auto-Response-Suppress…). */
  headers: Record<string, string>;
}

export interface OutboundMail {
  /** Sends one message; resolves with its Message-ID. Throws TransientError when a retry can help. */
  send(message: OutboundMessage): Promise<{ messageId: string }>;
}
