/**
 * What an org offers Capture, learnt from the describes of the integration user: Task statuses,
 * Shared Activities (TaskRelation answers), and Capture's custom fields. A field the describe
 * lacks was either never created (setup not run: the feature is off, as documented) or exists
 * but is hidden from this user by field-level security; a field described as neither createable
 * nor updateable is visible but read-only. Only the Tooling API tells the first two apart
 * (CustomField lists every field, whoever may see it); when it cannot be asked, a missing field
 * counts as hidden, so a missing right is never taken for a feature the org does not use.
 */
import type { CrmCapabilities } from '../../ports/crm.ts';
import {
  CAPTURE_FIELDS,
  type CaptureFeature,
  type CaptureField,
  definedOn,
  ENHANCED_EMAIL_OFF,
  qualified,
} from './capture-fields.ts';

export interface DescribedField {
  name: string;
  externalId?: boolean;
  createable?: boolean;
  updateable?: boolean;
  picklistValues?: { value: string; active?: boolean }[];
}

/** A Capture field as this user finds it. */
export type FieldState = 'ok' | 'read-only' | 'hidden' | 'absent';

export interface OrgDescribes {
  /** Fields per object as described for this user; null when the object is not available. */
  fields: Map<CaptureField['object'], DescribedField[] | null>;
  /** TaskRelation answered its describe (Shared Activities on). */
  taskRelation: boolean;
}

/**
 * Capture's fields that exist in the org ("Activity.Capture_Id__c"), from the Tooling API; null
 * when the user may not ask it (View Setup and Configuration).
 */
export type ExistingFields = Set<string> | null;

export function fieldState(
  f: CaptureField,
  described: DescribedField[] | null,
  existing: ExistingFields,
): FieldState {
  const seen = described?.find((d) => d.name.toLowerCase() === f.name.toLowerCase());
  if (seen) return seen.createable === false || seen.updateable === false ? 'read-only' : 'ok';
  if (described === null) return 'absent';
  if (existing === null) return 'hidden';
  return existing.has(`${definedOn(f.object)}.${f.name}`.toLowerCase()) ? 'hidden' : 'absent';
}

/** Whether any Capture field is missing from the describes (then the Tooling API is asked why). */
export function someFieldUndescribed(describes: OrgDescribes): boolean {
  return CAPTURE_FIELDS.some((f) => {
    const described = describes.fields.get(f.object);
    return described !== null && described !== undefined && fieldState(f, described, new Set()) === 'absent';
  });
}

/** The rights each feature lacks, in words an admin can act on ("read and edit on Task.Capture_Id__c"). */
export function missingRights(
  describes: OrgDescribes,
  existing: ExistingFields,
): Partial<Record<CaptureFeature, string>> {
  const byFeature = new Map<CaptureFeature, string[]>();
  for (const f of CAPTURE_FIELDS) {
    if (!f.feature) continue;
    const state = fieldState(f, describes.fields.get(f.object) ?? null, existing);
    if (state !== 'hidden' && state !== 'read-only') continue;
    const list = byFeature.get(f.feature) ?? [];
    list.push(`${state === 'hidden' ? 'read and edit' : 'edit'} on ${qualified(f)}`);
    byFeature.set(f.feature, list);
  }
  return Object.fromEntries(
    [...byFeature].map(([feature, rights]) => [
      feature,
      `${rights.join(', ')}; grant ${rights.length > 1 ? 'them' : 'it'} with \`capture salesforce setup\` (permission set Capture_Integration)`,
    ]),
  );
}

/** The capabilities, apart from the Task status (asked separately when the org renamed "Completed"). */
export function capabilitiesOf(describes: OrgDescribes, existing: ExistingFields): CrmCapabilities {
  const present = (object: CaptureField['object'], name: string) => {
    const f = CAPTURE_FIELDS.find((x) => x.object === object && x.name === name);
    const described = describes.fields.get(object) ?? null;
    if (!f) return false;
    const state = fieldState(f, described, existing);
    // A visible upsert key must be an External ID; a hidden one is taken as setup made it.
    const key = described?.find((d) => d.name === name);
    return state !== 'absent' && (!f.externalId || !key || key.externalId === true);
  };
  const task = describes.fields.get('Task') ?? [];
  const statuses = task
    .find((f) => f.name === 'Status')
    ?.picklistValues?.filter((v) => v.active !== false)
    .map((v) => v.value);
  const missing = missingRights(describes, existing);
  // No EmailMessage at all: Enhanced Email is off, and mail asked to be logged so fails, naming it.
  const noEmailMessage = describes.fields.get('EmailMessage') === null;
  if (noEmailMessage) missing.enhancedEmail = ENHANCED_EMAIL_OFF;
  return {
    captureIdField: present('Task', 'Capture_Id__c'),
    sourceField: present('Task', 'Capture_Source__c'),
    orderNumbersField: present('Task', 'Order_Numbers__c'),
    sharedActivities: describes.taskRelation,
    taskStatus: !statuses || statuses.length === 0 || statuses.includes('Completed') ? 'Completed' : '',
    eventFields: present('Event', 'Capture_Id__c') && present('Event', 'Capture_Sequence__c'),
    emailMessageField: noEmailMessage || present('EmailMessage', 'Capture_Id__c'),
    ...(Object.keys(missing).length > 0 ? { missingRights: missing } : {}),
  };
}

/** The Tooling query that lists Capture's custom fields, whoever may see them. */
export const EXISTING_FIELDS_SOQL = `SELECT DeveloperName, TableEnumOrId FROM CustomField WHERE DeveloperName IN (${[
  ...new Set(CAPTURE_FIELDS.map((f) => `'${f.name.replace(/__c$/, '')}'`)),
].join(', ')})`;

export function existingFieldsOf(
  records: { DeveloperName?: unknown; TableEnumOrId?: unknown }[],
): Set<string> {
  return new Set(
    records.map((r) => `${String(r.TableEnumOrId)}.${String(r.DeveloperName)}__c`.toLowerCase()),
  );
}
