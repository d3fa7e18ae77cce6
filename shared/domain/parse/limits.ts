/** Budgets for reading one message: shared by the MIME reader and the pure parse rules. */
/**
 * Budgets that keep one message from holding up the others: every scan of untrusted input is
 * bounded by one of these. Whatever a budget cuts is reported in `cutShort` and `warnings`.
 */
export interface ParseLimits {
  /**
   * Top-level header block; beyond it the rest is read as body (warning). SES accepts headers of
   * any size, so this is generous: a 2 MB Subject must still leave the later headers readable.
   */
  maxHeaderBytes: number;
  /** Subject characters kept (`subject-truncated`); the Task keeps 255 of them anyway. */
  maxSubjectChars: number;
  /** Addresses kept per address header (To, Cc, Bcc, Reply-To); the rest are dropped (`recipients-truncated`). */
  maxAddressesPerHeader: number;
  /** Message ids kept from References, the newest ones (`references-truncated`). */
  maxReferences: number;
  /**
   * MIME parts read (bodies, attachments and multipart containers). The message is cut before
   * the next part (`mime-parts`); attachments beyond it are skipped (`attachments-skipped`).
   */
  maxParts: number;
  /** Nested multipart levels; the message is cut where a deeper one starts (`mime-depth`). */
  maxMultipartDepth: number;
  /** Plain-text body kept in the CapturedEmail (`text-truncated`, `textTruncated` when cut). */
  maxTextChars: number;
  /** HTML characters converted to text; the rest is left out (`html-truncated`). */
  maxHtmlBytes: number;
  /** HTML element nesting kept when converting; deeper tags are flattened, their text kept (`html-depth`). */
  maxHtmlDepth: number;
  /** HTML elements kept when converting; later tags are dropped, their text kept (`html-elements`). */
  maxHtmlElements: number;
  /** Body text searched for an inline forward; a forward starting later is not found (`forward-scan-truncated`). */
  maxForwardScanChars: number;
  /** An attached message/rfc822 larger than this is stored but not opened (`attached-message-unopened`). */
  maxAttachedMessageBytes: number;
}

export const DEFAULT_LIMITS: ParseLimits = {
  maxHeaderBytes: 4 * 1024 * 1024,
  maxSubjectChars: 2_048,
  maxAddressesPerHeader: 1_000,
  maxReferences: 100,
  maxParts: 500,
  maxMultipartDepth: 50,
  maxTextChars: 200_000,
  maxHtmlBytes: 5 * 1024 * 1024,
  maxHtmlDepth: 100,
  maxHtmlElements: 50_000,
  maxForwardScanChars: 100_000,
  maxAttachedMessageBytes: 10 * 1024 * 1024,
};
