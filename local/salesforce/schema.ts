/** Object metadata the emulator knows: enough of Salesforce's describe for the objects Capture uses. */
export type FieldType =
  | 'id'
  | 'string'
  | 'email'
  | 'textarea'
  | 'picklist'
  | 'boolean'
  | 'date'
  | 'datetime'
  | 'reference'
  | 'base64'
  | 'junctionidlist'
  | 'int'
  | 'double';

export interface FieldDef {
  name: string;
  type: FieldType;
  length?: number;
  /** Number fields: digits in all and after the point. */
  precision?: number;
  scale?: number;
  required?: boolean;
  referenceTo?: string[];
  relationshipName?: string;
  /** The parent's name for its children through this field (Account.Contacts), for subqueries and describe. */
  childRelationshipName?: string;
  /** Read-only, computed at query time from other records (Contact.LastActivityDate). */
  derived?: 'lastActivityDate';
  externalId?: boolean;
  unique?: boolean;
  picklist?: string[];
  restrictedPicklist?: boolean;
  createable?: boolean;
  updateable?: boolean;
  defaultValue?: unknown;
  /** A picklist whose values are the org's records of this object (Task Status ← TaskStatus). */
  valuesFrom?: string;
  custom?: boolean;
  label?: string;
  /** The field exists only with this org setting (EventRelation.IsParent needs Shared Activities). */
  requires?: 'sharedActivities';
  /** Not selectable or filterable in SOQL (JunctionIdList fields are written, never queried). */
  queryable?: false;
}

export interface ObjectDef {
  name: string;
  keyPrefix: string;
  label: string;
  fields: Map<string, FieldDef>;
  /** Computed on read (Name from FirstName + LastName). */
  computeName?: boolean;
  tooling?: boolean;
  /** Setup data (TaskStatus): loaded by seeds, not created through the API. */
  readOnly?: boolean;
  /** The object exists only when this org setting is on (TaskRelation needs Shared Activities). */
  requires?: 'sharedActivities' | 'emailMessages';
  /** An activity (Task, Event): its people and records are related through this object. */
  activity?: ActivityLink;
  /** A relation object (TaskRelation, EventRelation) of this activity. */
  relationOf?: ActivityLink;
}

/** Ties an activity to its relation object: TaskRelation.TaskId points at a Task. */
export interface ActivityLink {
  activity: string;
  relation: string;
  /** The relation's field naming the activity (TaskId, EventId). */
  parentField: string;
  /** Flag set on the relations of the activity's people (EventRelation.IsParent); invitees lack it. */
  whoFlag?: string;
}

const TASK_LINK: ActivityLink = { activity: 'Task', relation: 'TaskRelation', parentField: 'TaskId' };
const EVENT_LINK: ActivityLink = {
  activity: 'Event',
  relation: 'EventRelation',
  parentField: 'EventId',
  whoFlag: 'IsParent',
};

/** Field builders: the describe attributes Salesforce gives each kind of field. */
const READ_ONLY = { createable: false, updateable: false } as const;
const text = (name: string, length: number, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  type: 'string',
  length,
  ...extra,
});
const longText = (name: string, length = 32000): FieldDef => ({ name, type: 'textarea', length });
/** EmailMessage TextBody and HtmlBody (Field Reference, "EmailMessage"). */
export const EMAIL_BODY_MAX = 131_072;
const flag = (name: string, defaultValue = false, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  type: 'boolean',
  defaultValue,
  ...extra,
});
const pick = (name: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  type: 'picklist',
  length: 40,
  ...extra,
});
/** A picklist that takes only its listed values. */
const closedPick = (name: string, values: string[], extra: Partial<FieldDef> = {}): FieldDef =>
  pick(name, { picklist: values, restrictedPicklist: true, ...extra });
const ref = (name: string, referenceTo: string[], extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  type: 'reference',
  referenceTo,
  ...extra,
});
/** A lookup to a parent whose relationship is named after it (AccountId → Account, children "Contacts"). */
const parentRef = (parent: string, children?: string, extra: Partial<FieldDef> = {}): FieldDef =>
  ref(`${parent}Id`, [parent], {
    relationshipName: parent,
    ...(children ? { childRelationshipName: children } : {}),
    ...extra,
  });
const dateTime = (name: string): FieldDef => ({ name, type: 'datetime' });
/** A JunctionIdList (EmailMessage.ToIds): ids of Contacts, Leads and Users, written, not queried. */
const junctionIds = (name: string): FieldDef => ({
  name,
  type: 'junctionidlist',
  referenceTo: ['Contact', 'Lead', 'User'],
  queryable: false,
});

const system: FieldDef[] = [
  { name: 'Id', type: 'id', length: 18, ...READ_ONLY },
  { name: 'CreatedDate', type: 'datetime', ...READ_ONLY },
  { name: 'LastModifiedDate', type: 'datetime', ...READ_ONLY },
  { name: 'SystemModstamp', type: 'datetime', ...READ_ONLY },
  ref('CreatedById', ['User'], { relationshipName: 'CreatedBy', ...READ_ONLY }),
  flag('IsDeleted', false, READ_ONLY),
];

const owner: FieldDef = ref('OwnerId', ['User'], { relationshipName: 'Owner' });
const nameFields: FieldDef[] = [
  text('FirstName', 40),
  text('LastName', 80, { required: true }),
  text('Name', 121, READ_ONLY),
];
const WHAT_TYPES = ['Account', 'Opportunity', 'Order', 'Case', 'Contract', 'Campaign'];

/** The fields Task and Event share: what it is, who owns it, whom and what it is about. */
function activityFields(children: string, middle: FieldDef[]): FieldDef[] {
  return [
    text('Subject', 255),
    ...middle,
    { ...owner, required: true },
    ref('WhoId', ['Contact', 'Lead'], { relationshipName: 'Who', childRelationshipName: children }),
    ref('WhatId', WHAT_TYPES, { relationshipName: 'What', childRelationshipName: children }),
  ];
}

/** TaskRelation and EventRelation: the activity and the person or record related to it. */
function relationFields(activity: string): FieldDef[] {
  return [
    parentRef(activity, undefined, { required: true, updateable: false }),
    ref('RelationId', ['Contact', 'Lead', 'User', ...WHAT_TYPES], {
      relationshipName: 'Relation',
      required: true,
      updateable: false,
    }),
  ];
}

/** Setup values kept as records (TaskStatus, TaskPriority, OpportunityStage): label, API name, order and flags. */
function setupValues(name: string, keyPrefix: string, flags: FieldDef[]): ObjectDef {
  return object(
    name,
    keyPrefix,
    [
      text('MasterLabel', 255, { required: true }),
      text('ApiName', 255),
      ...flags,
      { name: 'SortOrder', type: 'int' },
    ],
    { readOnly: true },
  );
}

export function object(
  name: string,
  keyPrefix: string,
  fields: FieldDef[],
  extra: Partial<ObjectDef> = {},
): ObjectDef {
  const map = new Map<string, FieldDef>();
  for (const f of [...system, ...fields]) {
    map.set(f.name.toLowerCase(), { createable: true, updateable: true, ...f });
  }
  return { name, keyPrefix, label: name, fields: map, ...extra };
}

/** Seeds load parents first so "@Type:Key" references resolve; other types follow in seed order. */
export const SEED_ORDER = [
  'Profile',
  'User',
  'PermissionSet',
  'ObjectPermissions',
  'FieldPermissions',
  'PermissionSetAssignment',
  'TaskStatus',
  'Account',
  'Contact',
  'Lead',
  'OpportunityStage',
  'Opportunity',
  'OpportunityContactRole',
  'Order',
  'Case',
  'Task',
  'Event',
  'EventRelation',
  'EmailMessage',
  'EmailMessageRelation',
];

/** An org's task statuses when its seed names none: Salesforce's out-of-the-box values. */
export const DEFAULT_TASK_STATUSES = [
  { MasterLabel: 'Not Started', ApiName: 'Not Started', IsClosed: false, IsDefault: true, SortOrder: 1 },
  { MasterLabel: 'In Progress', ApiName: 'In Progress', IsClosed: false, IsDefault: false, SortOrder: 2 },
  { MasterLabel: 'Completed', ApiName: 'Completed', IsClosed: true, IsDefault: false, SortOrder: 3 },
  {
    MasterLabel: 'Waiting on someone else',
    ApiName: 'Waiting on someone else',
    IsClosed: false,
    IsDefault: false,
    SortOrder: 4,
  },
  { MasterLabel: 'Deferred', ApiName: 'Deferred', IsClosed: false, IsDefault: false, SortOrder: 5 },
];

export const DEFAULT_TASK_PRIORITIES = [
  { MasterLabel: 'High', ApiName: 'High', IsDefault: false, IsHighPriority: true, SortOrder: 1 },
  { MasterLabel: 'Normal', ApiName: 'Normal', IsDefault: true, IsHighPriority: false, SortOrder: 2 },
  { MasterLabel: 'Low', ApiName: 'Low', IsDefault: false, IsHighPriority: false, SortOrder: 3 },
];

/**
 * Salesforce's out-of-the-box opportunity stages (Setup › Opportunity Stages). No IsDefault: an
 * Opportunity needs its StageName given.
 */
const stage = (label: string, probability: number, closed = false, won = false) => ({
  MasterLabel: label,
  ApiName: label,
  IsActive: true,
  IsClosed: closed,
  IsWon: won,
  DefaultProbability: probability,
});
export const DEFAULT_OPPORTUNITY_STAGES = [
  stage('Prospecting', 10),
  stage('Qualification', 10),
  stage('Needs Analysis', 20),
  stage('Value Proposition', 50),
  stage('Id. Decision Makers', 60),
  stage('Perception Analysis', 70),
  stage('Proposal/Price Quote', 75),
  stage('Negotiation/Review', 90),
  stage('Closed Won', 100, true, true),
  stage('Closed Lost', 0, true, false),
].map((s, i) => ({ ...s, SortOrder: i + 1 }));

/** Objects holding an org's picklist values, with Salesforce's defaults for orgs whose seed has none. */
export const ORG_PICKLIST_DEFAULTS: Record<string, Record<string, unknown>[]> = {
  TaskStatus: DEFAULT_TASK_STATUSES,
  TaskPriority: DEFAULT_TASK_PRIORITIES,
  OpportunityStage: DEFAULT_OPPORTUNITY_STAGES,
};

/**
 * The standard objects. To add one (Event, EmailMessage, …): add an object(...) entry to a group below with
 * its key prefix and fields, add it to SEED_ORDER if seeds reference it, and put rules beyond
 * field types (lengths, picklists, references are generic) in rules.ts.
 */
export function standardObjects(): Map<string, ObjectDef> {
  const defs = [
    ...people(),
    ...sales(),
    ...activities(),
    ...events(),
    ...emails(),
    ...content(),
    ...permissions(),
    ...tooling(),
  ];
  return new Map(defs.map((d) => [d.name.toLowerCase(), d]));
}

/**
 * Contact and Lead LastActivityDate (Object Reference, Contact): the latest of the due dates of the
 * person's events and closed tasks; read-only, computed by Salesforce.
 */
const lastActivityDate: FieldDef = {
  name: 'LastActivityDate',
  type: 'date',
  ...READ_ONLY,
  derived: 'lastActivityDate',
};

/** Users and the people and companies mail is about. */
function people(): ObjectDef[] {
  return [
    object(
      'User',
      '005',
      [
        text('Username', 80, { required: true, unique: true }),
        { name: 'Email', type: 'email', length: 128, required: true },
        ...nameFields,
        text('Alias', 8),
        flag('IsActive', true),
        // What the profile grants is modelled for the API-only integration profile (object-security.ts).
        ref('ProfileId', ['Profile'], { relationshipName: 'Profile' }),
      ],
      { computeName: true },
    ),
    object('Profile', '00e', [text('Name', 255, { required: true })], { readOnly: true }),
    object('Account', '001', [
      text('Name', 255, { required: true }),
      owner,
      text('Website', 255),
      text('Phone', 40),
    ]),
    object(
      'Contact',
      '003',
      [
        ...nameFields,
        { name: 'Email', type: 'email', length: 80 },
        text('Phone', 40),
        text('Title', 128),
        parentRef('Account', 'Contacts'),
        owner,
        lastActivityDate,
      ],
      { computeName: true },
    ),
    object(
      'Lead',
      '00Q',
      [
        ...nameFields,
        text('Company', 255, { required: true }),
        { name: 'Email', type: 'email', length: 80 },
        pick('Status', { defaultValue: 'Open - Not Contacted' }),
        pick('LeadSource'),
        flag('IsConverted', false, READ_ONLY),
        owner,
        lastActivityDate,
      ],
      { computeName: true },
    ),
  ];
}

/** Records a mail can be about (WhatId). */
function sales(): ObjectDef[] {
  return [
    object('Order', '801', [
      text('OrderNumber', 30, READ_ONLY),
      text('Name', 80),
      parentRef('Account', 'Orders', { required: true }),
      pick('Status', { required: true, defaultValue: 'Draft' }),
      { name: 'EffectiveDate', type: 'date', required: true },
      text('PoNumber', 80),
      owner,
    ]),
    object('Opportunity', '006', [
      text('Name', 120, { required: true }),
      pick('StageName', { length: 255, required: true, valuesFrom: 'OpportunityStage' }),
      { name: 'CloseDate', type: 'date', required: true },
      parentRef('Account', 'Opportunities'),
      // Derived from the stage's OpportunityStage record (rules.ts).
      flag('IsClosed', false, READ_ONLY),
      flag('IsWon', false, READ_ONLY),
      owner,
    ]),
    setupValues('OpportunityStage', '01Y', [
      flag('IsActive', true),
      flag('IsClosed'),
      flag('IsWon'),
      { name: 'DefaultProbability', type: 'double' },
    ]),
    object('OpportunityContactRole', '00K', [
      parentRef('Opportunity', 'OpportunityContactRoles', { required: true, updateable: false }),
      parentRef('Contact', 'OpportunityContactRoles', { required: true }),
      pick('Role', { picklist: CONTACT_ROLES }),
      flag('IsPrimary'),
    ]),
    object('Case', '500', [
      text('Subject', 255),
      longText('Description'),
      pick('Status', { defaultValue: 'New' }),
      text('CaseNumber', 30, READ_ONLY),
      parentRef('Account', 'Cases'),
      parentRef('Contact', 'Cases'),
      owner,
    ]),
  ];
}

/** OpportunityContactRole.Role: Salesforce's default values (the picklist is not restricted). */
const CONTACT_ROLES = [
  'Business User',
  'Decision Maker',
  'Economic Buyer',
  'Economic Decision Maker',
  'Evaluator',
  'Executive Sponsor',
  'Influencer',
  'Technical Buyer',
  'Other',
];

/** Tasks, the org's task statuses and priorities and, with Shared Activities, task relations. */
function activities(): ObjectDef[] {
  return [
    object(
      'Task',
      '00T',
      activityFields('Tasks', [
        longText('Description'),
        pick('Status', { required: true, valuesFrom: 'TaskStatus' }),
        pick('Priority', { required: true, valuesFrom: 'TaskPriority' }),
        closedPick('TaskSubtype', ['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'LinkedIn'], {
          updateable: false,
        }),
        pick('Type'),
        { name: 'ActivityDate', type: 'date' },
      ]),
      { activity: TASK_LINK },
    ),
    setupValues('TaskStatus', '01J', [flag('IsClosed'), flag('IsDefault')]),
    setupValues('TaskPriority', '01K', [flag('IsDefault'), flag('IsHighPriority')]),
    object('TaskRelation', '0RT', [...relationFields('Task'), flag('IsWhat', false, { updateable: false })], {
      requires: 'sharedActivities',
      relationOf: TASK_LINK,
    }),
  ];
}

/** Calendar events and their relations (invitees; with Shared Activities also the related people and records). */
function events(): ObjectDef[] {
  return [
    object(
      'Event',
      '00U',
      activityFields('Events', [
        text('Location', 255),
        longText('Description'),
        // Start, end, duration and the due date fields are kept consistent by events.ts.
        dateTime('StartDateTime'),
        dateTime('EndDateTime'),
        { name: 'DurationInMinutes', type: 'int' },
        flag('IsAllDayEvent'),
        { name: 'ActivityDate', type: 'date' },
        dateTime('ActivityDateTime'),
        { name: 'EndDate', type: 'date', ...READ_ONLY },
        closedPick('ShowAs', ['Busy', 'OutOfOffice', 'Free'], { defaultValue: 'Busy' }),
        pick('Type'),
        closedPick('EventSubtype', ['Event'], { defaultValue: 'Event', updateable: false }),
        flag('IsPrivate'),
        flag('IsReminderSet'),
        dateTime('ReminderDateTime'),
      ]),
      { activity: EVENT_LINK },
    ),
    // Invitees and, with Shared Activities, the event's people (IsParent) and record (IsWhat). Unlike
    // TaskRelation it exists without Shared Activities too, for invitees only.
    object(
      'EventRelation',
      '0RE',
      [
        ...relationFields('Event'),
        // Visible only with Shared Activities ("IsInvitee is visible when Shared Activities is enabled").
        { name: 'IsInvitee', type: 'boolean', requires: 'sharedActivities' },
        flag('IsParent', false, { requires: 'sharedActivities' }),
        flag('IsWhat', false, { updateable: false, requires: 'sharedActivities' }),
        closedPick('Status', ['New', 'Accepted', 'Declined'], { defaultValue: 'New' }),
        dateTime('RespondedDate'),
        text('Response', 255),
      ],
      { relationOf: EVENT_LINK },
    ),
  ];
}

/** EmailMessage.Status: New, Read, Replied, Sent, Forwarded, Draft. */
export const EMAIL_STATUSES = ['0', '1', '2', '3', '4', '5'];

/** Enhanced Email: the message (tied to the Task the org creates for it) and its senders and recipients. */
function emails(): ObjectDef[] {
  return [
    object(
      'EmailMessage',
      '02s',
      [
        text('Subject', 3000),
        // Field Reference, "EmailMessage": HtmlBody (and TextBody) 131,072; Headers 32,000.
        longText('TextBody', EMAIL_BODY_MAX),
        longText('HtmlBody', EMAIL_BODY_MAX),
        longText('Headers'),
        { name: 'FromAddress', type: 'email', length: 1000 },
        text('FromName', 1000),
        text('ToAddress', 4000),
        text('CcAddress', 4000),
        text('BccAddress', 4000),
        { name: 'MessageDate', type: 'datetime' },
        text('MessageIdentifier', 255),
        text('ThreadIdentifier', 255),
        flag('Incoming', false, { updateable: false }),
        closedPick('Status', EMAIL_STATUSES, { required: true }),
        flag('HasAttachment', false, READ_ONLY),
        flag('IsExternallyVisible', true),
        ref('ActivityId', ['Task'], { relationshipName: 'Activity', updateable: false }),
        ref('RelatedToId', WHAT_TYPES, { relationshipName: 'RelatedTo' }),
        ref('ParentId', ['Case'], { relationshipName: 'Parent', updateable: false }),
        // The people of the message as id lists: each id becomes an EmailMessageRelation row.
        junctionIds('ToIds'),
        junctionIds('CcIds'),
        junctionIds('BccIds'),
      ],
      { requires: 'emailMessages' },
    ),
    // The message's senders and recipients: people (RelationId) or bare addresses.
    object(
      'EmailMessageRelation',
      '0EM',
      [
        parentRef('EmailMessage', undefined, { required: true, updateable: false }),
        ref('RelationId', ['Contact', 'Lead', 'User'], { relationshipName: 'Relation' }),
        text('RelationAddress', 255, { updateable: false }),
        text('RelationObjectType', 40, READ_ONLY),
        closedPick('RelationType', ['FromAddress', 'ToAddress', 'CcAddress', 'BccAddress'], {
          required: true,
          updateable: false,
        }),
      ],
      { requires: 'emailMessages' },
    ),
  ];
}

/** Records a file can be shared with. */
const FILE_PARENTS = ['Task', 'Account', 'Contact', 'Lead', 'Opportunity', 'Order', 'User'];

/** Files: a version, its document and the links that share it. */
function content(): ObjectDef[] {
  return [
    object('ContentVersion', '068', [
      text('Title', 255, { required: true }),
      text('PathOnClient', 500, { required: true }),
      { name: 'VersionData', type: 'base64', required: true },
      { name: 'ContentSize', type: 'int', ...READ_ONLY },
      ref('FirstPublishLocationId', FILE_PARENTS, { updateable: false }),
      parentRef('ContentDocument', undefined, READ_ONLY),
    ]),
    object('ContentDocument', '069', [
      text('Title', 255),
      ref('LatestPublishedVersionId', ['ContentVersion'], { createable: false }),
    ]),
    object('ContentDocumentLink', '06A', [
      ref('ContentDocumentId', ['ContentDocument'], { required: true }),
      ref('LinkedEntityId', FILE_PARENTS, { required: true }),
      pick('ShareType', { defaultValue: 'V' }),
      pick('Visibility', { defaultValue: 'AllUsers' }),
    ]),
  ];
}

/**
 * Objects whose access a permission set grants with ObjectPermissions (Object Reference,
 * "ObjectPermissions": SobjectType is a restricted picklist of the objects that have object
 * permissions). Activities, Users, EmailMessage and Files are not among them: Task and Event
 * access comes from the user permissions Edit Tasks and Edit Events.
 */
export const PERMISSIONABLE_OBJECTS = ['Account', 'Contact', 'Lead', 'Opportunity', 'Order', 'Case'];
const OBJECT_RIGHTS = ['Read', 'Create', 'Edit', 'Delete', 'ViewAllRecords', 'ModifyAllRecords'];

/**
 * Permission sets, what they grant (ObjectPermissions, FieldPermissions, user permissions as
 * Permissions* fields) and their assignments to users. The rules are in permission-rules.ts.
 */
function permissions(): ObjectDef[] {
  const permissionSet = { required: true, updateable: false } as const;
  return [
    object('PermissionSet', '0PS', [
      text('Name', 80, { required: true }),
      text('Label', 80, { required: true }),
      text('Description', 255),
      flag('IsOwnedByProfile', false, READ_ONLY),
      flag('PermissionsApiEnabled'),
      flag('PermissionsEditTask'),
      flag('PermissionsEditEvent'),
      flag('PermissionsViewSetup'),
    ]),
    object('ObjectPermissions', '110', [
      ref('ParentId', ['PermissionSet'], { relationshipName: 'Parent', ...permissionSet }),
      closedPick('SobjectType', PERMISSIONABLE_OBJECTS, permissionSet),
      ...OBJECT_RIGHTS.map((right) => flag(`Permissions${right}`)),
    ]),
    object('FieldPermissions', '01k', [
      ref('ParentId', ['PermissionSet'], { relationshipName: 'Parent', ...permissionSet }),
      // Restricted picklists in Salesforce; their values are the org's objects and fields (permission-rules.ts).
      pick('SobjectType', permissionSet),
      pick('Field', { length: 255, ...permissionSet }),
      flag('PermissionsRead'),
      flag('PermissionsEdit'),
    ]),
    object('PermissionSetAssignment', '0Pa', [
      ref('AssigneeId', ['User'], { relationshipName: 'Assignee', ...permissionSet }),
      ref('PermissionSetId', ['PermissionSet'], { relationshipName: 'PermissionSet', ...permissionSet }),
    ]),
  ];
}

/** Tooling API objects. */
function tooling(): ObjectDef[] {
  return [
    object(
      'CustomField',
      '00N',
      [text('DeveloperName', 40), text('TableEnumOrId', 40), text('FullName', 255)],
      {
        tooling: true,
      },
    ),
  ];
}

export function describeField(f: FieldDef) {
  return {
    name: f.name,
    label: f.label ?? f.name,
    type: f.type,
    length:
      f.type === 'string' || f.type === 'email' || f.type === 'textarea' || f.type === 'picklist'
        ? (f.length ?? 255)
        : 0,
    byteLength: (f.length ?? 0) * 3,
    precision: f.precision ?? 0,
    scale: f.scale ?? 0,
    nillable: !f.required && f.type !== 'boolean' && f.name !== 'Id',
    createable: f.createable !== false,
    updateable: f.updateable !== false,
    custom: f.custom === true,
    externalId: f.externalId === true,
    unique: f.unique === true,
    idLookup: f.name === 'Id' || f.externalId === true || f.name === 'Email' || f.name === 'Username',
    referenceTo: f.referenceTo ?? [],
    relationshipName: f.relationshipName ?? null,
    polymorphicForeignKey: (f.referenceTo?.length ?? 0) > 1,
    // Picklists filled from the org's own values (Task Status, Priority) default on create, as in a real org.
    defaultedOnCreate: f.defaultValue !== undefined || f.valuesFrom !== undefined || f.name === 'Id',
    restrictedPicklist: f.restrictedPicklist === true,
    picklistValues: (f.picklist ?? []).map((value) => ({
      active: true,
      defaultValue: false,
      label: value,
      value,
    })),
    filterable: f.type !== 'textarea' && f.type !== 'base64' && f.queryable !== false,
    sortable: f.type !== 'textarea' && f.type !== 'base64' && f.queryable !== false,
    soapType: `xsd:${f.type === 'boolean' ? 'boolean' : f.type === 'int' ? 'int' : 'string'}`,
  };
}
