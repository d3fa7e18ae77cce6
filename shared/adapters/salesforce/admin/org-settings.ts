/**
 * The org settings Capture depends on, as the org itself records them (Metadata API, "Settings"):
 * Shared Activities (ActivitiesSettings.allowUsersToRelateMultipleContactsToTasksAndEvents),
 * Enhanced Email (EmailAdministrationSettings.enableEnhancedEmailEnabled) and Email-to-Case
 * (EmailToCaseSettings.enableEmailToCase). EmailMessage exists with either of the last two, so
 * its existence says nothing about Enhanced Email. Reading settings takes the Metadata API
 * (Customize Application or Modify Metadata); without it a setting is unknown, with the reason.
 */
import '@jsforce/jsforce-node/lib/api/metadata.js';
import { describeError } from '../../../errors.ts';
import type { SalesforceCrm } from '../index.ts';

export type Setting = { on: boolean } | { unknown: string };

export interface OrgSettings {
  sharedActivities: Setting;
  enhancedEmail: Setting;
  emailToCase: Setting;
}

const READS = [
  [
    'sharedActivities',
    'ActivitiesSettings',
    'Activities',
    'allowUsersToRelateMultipleContactsToTasksAndEvents',
  ],
  ['enhancedEmail', 'EmailAdministrationSettings', 'EmailAdministration', 'enableEnhancedEmailEnabled'],
  ['emailToCase', 'EmailToCaseSettings', 'EmailToCase', 'enableEmailToCase'],
] as const;

export async function readOrgSettings(crm: SalesforceCrm): Promise<OrgSettings> {
  const connection = await crm.connect();
  const out: Partial<OrgSettings> = {};
  for (const [key, type, fullName, field] of READS) {
    try {
      const record = (await connection.metadata.read(type as never, fullName)) as unknown as Record<
        string,
        unknown
      >;
      const value = record?.[field];
      out[key] =
        value === undefined || value === null
          ? { unknown: `${type} has no ${field}` }
          : { on: value === true || value === 'true' };
    } catch (error) {
      out[key] = { unknown: `Metadata API: ${describeError(error)}` };
    }
  }
  return out as OrgSettings;
}
