/** Picklists kept as the org's own records (TaskStatus, TaskPriority, OpportunityStage). */
import type { OrgData } from './org.ts';
import { ORG_PICKLIST_DEFAULTS } from './schema.ts';

export interface OrgValue {
  MasterLabel: string;
  ApiName?: string;
  IsDefault?: boolean;
}

/** The org's values for a picklist kept in records (TaskStatus, …), or Salesforce's defaults. */
export function orgValues(store: OrgData, object: string): OrgValue[] {
  const rows = store.all(object) as unknown as OrgValue[];
  return rows.length > 0
    ? rows
    : (((Object.hasOwn(ORG_PICKLIST_DEFAULTS, object) ? ORG_PICKLIST_DEFAULTS[object] : undefined) ??
        []) as unknown as OrgValue[]);
}
