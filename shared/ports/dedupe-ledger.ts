/**
 * Dedupe without the Capture_Id__c field: a ledger with conditional writes. A capture id is
 * claimed before its Task is created, completed with the Task id (and the stored message it was
 * written from) after, released on failure.
 */
export type LedgerEntry =
  | { state: 'pending' }
  /** `source`: the origin digest of the stored message the Task was written from; null when unknown. */
  | { state: 'done'; taskId: string; source: string | null };

export interface DedupeLedger {
  /**
   * True when this caller now owns the capture id; false when someone claimed it first. A claim
   * left pending longer than the ledger's stale period (a crashed writer) may be taken over.
   */
  claim(orgId: string, captureId: string): Promise<boolean>;
  complete(orgId: string, captureId: string, taskId: string, source: string | null): Promise<void>;
  release(orgId: string, captureId: string): Promise<void>;
  /** What the ledger holds for a capture id; null when unknown. */
  get(orgId: string, captureId: string): Promise<LedgerEntry | null>;
}
