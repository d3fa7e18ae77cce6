/**
 * Per-org write slots shared by every sync invocation: an org with `salesforce.maxConcurrency`
 * slots has at most that many batches written to its Salesforce at once. A lease that is never
 * released (its invocation died) lapses after a while, so a slot is never lost for good.
 */
export interface OrgLease {
  /** Frees the slot; a lease that already lapsed and was taken over is left to its new holder. */
  release(): Promise<void>;
}

export interface OrgLeases {
  /** One of the org's `limit` slots, or null when every slot is held. */
  acquire(orgId: string, limit: number): Promise<OrgLease | null>;
}
