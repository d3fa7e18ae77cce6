/**
 * What one REST call carries through the resources (rest.ts, composite.ts, collections.ts): the
 * org, the usage counter, query cursors, the session and the fault drawn for it.
 */
import type { ApiUsage, FaultCode } from './faults.ts';
import type { WriteContext } from './org.ts';
import type { Store } from './store.ts';

/** How a composite request over its limits is refused (see composite.ts). */
export type CompositeShape = 'compositeResponse' | 'http400';

export interface RestContext {
  store: Store;
  usage: ApiUsage;
  cursors: Map<string, { records: Record<string, unknown>[]; totalSize: number }>;
  compositeShape: CompositeShape;
  /** The session's user (writes default OwnerId to it) and its field access. */
  write: WriteContext;
  fault: FaultCode | null;
  version: string;
}

export interface RestResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
