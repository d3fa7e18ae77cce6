/**
 * Dedupe without the Capture_Id__c field: a ledger with conditional writes. A capture id is
 * claimed before its Task is created, completed with the Task id after, released on failure.
 */
export interface DedupeLedger {
  /**
   * True when this caller now owns the capture id; false when someone claimed it first. A claim
   * left pending longer than the ledger's stale period (a crashed writer) may be taken over.
   */
  claim(orgId: string, captureId: string): Promise<boolean>;
  complete(orgId: string, captureId: string, taskId: string): Promise<void>;
  release(orgId: string, captureId: string): Promise<void>;
  /** The Task id recorded for a capture id, 'pending' while claimed, null when unknown. */
  get(orgId: string, captureId: string): Promise<string | 'pending' | null>;
}
