/**
 * Capture's custom fields in Salesforce, by the feature each one serves. `capture salesforce
 * setup` creates them (Activity fields exist on Task and Event alike) and grants read and edit on
 * every one of them; the sync adapter checks the fields its features need.
 */

/** What Capture does with its fields: dedupe Tasks, copy order numbers, write invites as Events, log Enhanced Email. */
export type CaptureFeature = 'dedupe' | 'orderNumbers' | 'events' | 'enhancedEmail';

export interface CaptureField {
  object: 'Task' | 'Event' | 'EmailMessage';
  name: string;
  /** The feature that stops without read and edit on it; none for a field Capture creates but does not use. */
  feature: CaptureFeature | null;
  /** An upsert key: the field must be an External ID. */
  externalId?: boolean;
}

export const CAPTURE_FIELDS: readonly CaptureField[] = [
  { object: 'Task', name: 'Capture_Id__c', feature: 'dedupe', externalId: true },
  { object: 'Task', name: 'Capture_Source__c', feature: 'dedupe' },
  { object: 'Task', name: 'Order_Numbers__c', feature: 'orderNumbers' },
  { object: 'Task', name: 'Capture_Sequence__c', feature: null },
  { object: 'Event', name: 'Capture_Id__c', feature: 'events', externalId: true },
  { object: 'Event', name: 'Capture_Sequence__c', feature: 'events' },
  { object: 'Event', name: 'Order_Numbers__c', feature: null },
  { object: 'Event', name: 'Capture_Source__c', feature: null },
  { object: 'EmailMessage', name: 'Capture_Id__c', feature: 'enhancedEmail', externalId: true },
  { object: 'EmailMessage', name: 'Capture_Source__c', feature: 'enhancedEmail' },
];

/** Where a field is defined (Tooling API CustomField.TableEnumOrId): Task and Event share Activity's. */
export const definedOn = (object: CaptureField['object']) =>
  object === 'EmailMessage' ? 'EmailMessage' : 'Activity';

export const qualified = (f: Pick<CaptureField, 'object' | 'name'>) => `${f.object}.${f.name}`;

/** The outcome reason of a mail whose write needs a right the integration user lacks. */
export const PERMISSION_MISSING = 'salesforce-permission-missing';

/** Why a mail of an org without Enhanced Email cannot be logged as an EmailMessage. */
export const ENHANCED_EMAIL_OFF =
  'Enhanced Email is off in this org (no EmailMessage, or one for Email-to-Case only where every message must belong to a Case): turn it on in Setup › Enhanced Email';
