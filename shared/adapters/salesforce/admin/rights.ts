/**
 * Everything Capture needs in a Salesforce org, in one table: `capture salesforce setup` grants
 * it (permission set Capture_Integration), `capture salesforce check` looks for it, and the
 * README lists it (a test holds the README to this table).
 */
import { CAPTURE_FIELDS, type CaptureFeature, qualified } from '../capture-fields.ts';

/** The permission set setup creates and assigns to the integration user. */
export const PERMISSION_SET = {
  Name: 'Capture_Integration',
  Label: 'Capture Integration',
  Description:
    'Created by capture salesforce setup: what Capture needs to turn email into Salesforce activity. Changed back on every setup.',
} as const;

export type ObjectRight = 'Read' | 'Create' | 'Edit' | 'Delete';

export interface Right {
  /** What the right is on: an object, a field or (for user permissions) the org. */
  on: string;
  rights: string;
  why: string;
  /** The licence, edition or org setting it takes. */
  needs: string;
}

/** Object permissions (ObjectPermissions rows): only objects that have them. */
export const OBJECT_RIGHTS: readonly { object: string; rights: ObjectRight[]; why: string }[] = [
  { object: 'Contact', rights: ['Read'], why: 'find the people of a mail by their address' },
  {
    object: 'Lead',
    rights: ['Read', 'Create'],
    why: 'find people by address; create a Lead for an unknown sender (unmatched policy create-lead)',
  },
  { object: 'Account', rights: ['Read'], why: 'the account of a record a sub-address or `ref:` names' },
  {
    object: 'Opportunity',
    rights: ['Read'],
    why: 'relate a mail to a contact’s one open opportunity (contact roles), or one a sub-address names',
  },
  { object: 'Order', rights: ['Read'], why: 'match order numbers in a mail (Order.OrderNumber)' },
  { object: 'Case', rights: ['Read'], why: 'a record a sub-address or `ref:` names may be a Case' },
];

/**
 * User permissions (PermissionSet fields). Tasks, Events and their relations have no object
 * permissions: Edit Tasks and Edit Events decide; EmailMessage follows its Task.
 */
export const USER_PERMISSIONS: readonly { field: string; label: string; why: string; needs: string }[] = [
  {
    field: 'PermissionsApiEnabled',
    label: 'API Enabled',
    why: 'every call Capture makes is an API call',
    needs:
      'an edition with API access (Enterprise, Performance, Unlimited, Developer; Professional with API add-on)',
  },
  {
    field: 'PermissionsEditTask',
    label: 'Edit Tasks',
    why: 'create each mail’s Task and its TaskRelations, update the Task of an EmailMessage, log EmailMessages',
    needs: 'a Salesforce or Salesforce Platform licence',
  },
  {
    field: 'PermissionsEditEvent',
    label: 'Edit Events',
    why: 'write meeting invites as Events with their EventRelations, mark or delete cancelled ones',
    needs: 'a Salesforce or Salesforce Platform licence',
  },
];

const FEATURE_WHY: Record<CaptureFeature, string> = {
  dedupe: 'the key that makes each mail one Task, however often it arrives',
  orderNumbers: 'the order numbers found in the mail',
  events: 'invites written as Events, updated and cancelled by their UID and SEQUENCE',
  enhancedEmail: 'Enhanced Email: each message’s own key, so a redelivery makes no second message',
};

const FIELD_NEEDS: Record<string, string> = {
  Task: 'setup creates the field (Activity custom field)',
  Event: 'setup creates the field (Activity custom field)',
  EmailMessage: 'Enhanced Email on (Setup › Enhanced Email); setup creates the field',
};

/** Read and edit on every Capture field (FieldPermissions rows). */
export const FIELD_RIGHTS: readonly { field: string; object: string; why: string }[] = CAPTURE_FIELDS.map(
  (f) => ({
    field: qualified(f),
    object: f.object,
    why: f.feature
      ? FEATURE_WHY[f.feature]
      : 'created with the other Activity fields; not used on this object',
  }),
);

/** Every right as a row of the README's table. */
export function rightsTable(): Right[] {
  return [
    ...USER_PERMISSIONS.map((p) => ({
      on: `user permission ${p.label}`,
      rights: 'on',
      why: p.why,
      needs: p.needs,
    })),
    ...OBJECT_RIGHTS.map((o) => ({
      on: o.object,
      rights: o.rights.join(', '),
      why: o.why,
      needs: o.object === 'Order' ? 'Orders enabled (Setup › Order Settings)' : 'a Salesforce licence',
    })),
    ...FIELD_RIGHTS.map((f) => ({
      on: f.field,
      rights: 'Read, Edit',
      why: f.why,
      needs: FIELD_NEEDS[f.object] ?? '',
    })),
  ];
}
