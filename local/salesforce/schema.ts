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
  requires?: 'sharedActivities' | 'enhancedEmail';
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

const system: FieldDef[] = [
  { name: 'Id', type: 'id', length: 18, createable: false, updateable: false },
  { name: 'CreatedDate', type: 'datetime', createable: false, updateable: false },
  { name: 'LastModifiedDate', type: 'datetime', createable: false, updateable: false },
  { name: 'SystemModstamp', type: 'datetime', createable: false, updateable: false },
  {
    name: 'CreatedById',
    type: 'reference',
    referenceTo: ['User'],
    relationshipName: 'CreatedBy',
    createable: false,
    updateable: false,
  },
  { name: 'IsDeleted', type: 'boolean', createable: false, updateable: false, defaultValue: false },
];

const owner: FieldDef = {
  name: 'OwnerId',
  type: 'reference',
  referenceTo: ['User'],
  relationshipName: 'Owner',
};
const nameFields: FieldDef[] = [
  { name: 'FirstName', type: 'string', length: 40 },
  { name: 'LastName', type: 'string', length: 80, required: true },
  { name: 'Name', type: 'string', length: 121, createable: false, updateable: false },
];
const WHAT_TYPES = ['Account', 'Opportunity', 'Order', 'Case', 'Contract', 'Campaign'];

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
  'User',
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
    ...tooling(),
  ];
  return new Map(defs.map((d) => [d.name.toLowerCase(), d]));
}

/** Users and the people and companies mail is about. */
/**
 * Contact and Lead LastActivityDate (Object Reference, Contact): the latest of the due dates of the
 * person's events and closed tasks; read-only, computed by Salesforce.
 */
const lastActivityDate: FieldDef = {
  name: 'LastActivityDate',
  type: 'date',
  createable: false,
  updateable: false,
  derived: 'lastActivityDate',
};

function people(): ObjectDef[] {
  return [
    object(
      'User',
      '005',
      [
        { name: 'Username', type: 'string', length: 80, required: true, unique: true },
        { name: 'Email', type: 'email', length: 128, required: true },
        ...nameFields,
        { name: 'Alias', type: 'string', length: 8 },
        { name: 'IsActive', type: 'boolean', defaultValue: true },
      ],
      { computeName: true },
    ),
    object('Account', '001', [
      { name: 'Name', type: 'string', length: 255, required: true },
      owner,
      { name: 'Website', type: 'string', length: 255 },
      { name: 'Phone', type: 'string', length: 40 },
    ]),
    object(
      'Contact',
      '003',
      [
        ...nameFields,
        { name: 'Email', type: 'email', length: 80 },
        { name: 'Phone', type: 'string', length: 40 },
        { name: 'Title', type: 'string', length: 128 },
        {
          name: 'AccountId',
          type: 'reference',
          referenceTo: ['Account'],
          relationshipName: 'Account',
          childRelationshipName: 'Contacts',
        },
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
        { name: 'Company', type: 'string', length: 255, required: true },
        { name: 'Email', type: 'email', length: 80 },
        { name: 'Status', type: 'picklist', length: 40, defaultValue: 'Open - Not Contacted' },
        { name: 'LeadSource', type: 'picklist', length: 40 },
        { name: 'IsConverted', type: 'boolean', defaultValue: false, createable: false, updateable: false },
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
      { name: 'OrderNumber', type: 'string', length: 30, createable: false, updateable: false },
      { name: 'Name', type: 'string', length: 80 },
      {
        name: 'AccountId',
        type: 'reference',
        referenceTo: ['Account'],
        relationshipName: 'Account',
        childRelationshipName: 'Orders',
        required: true,
      },
      { name: 'Status', type: 'picklist', length: 40, required: true, defaultValue: 'Draft' },
      { name: 'EffectiveDate', type: 'date', required: true },
      { name: 'PoNumber', type: 'string', length: 80 },
      owner,
    ]),
    object('Opportunity', '006', [
      { name: 'Name', type: 'string', length: 120, required: true },
      { name: 'StageName', type: 'picklist', length: 255, required: true, valuesFrom: 'OpportunityStage' },
      { name: 'CloseDate', type: 'date', required: true },
      {
        name: 'AccountId',
        type: 'reference',
        referenceTo: ['Account'],
        relationshipName: 'Account',
        childRelationshipName: 'Opportunities',
      },
      // Derived from the stage's OpportunityStage record (rules.ts).
      { name: 'IsClosed', type: 'boolean', defaultValue: false, createable: false, updateable: false },
      { name: 'IsWon', type: 'boolean', defaultValue: false, createable: false, updateable: false },
      owner,
    ]),
    object(
      'OpportunityStage',
      '01Y',
      [
        { name: 'MasterLabel', type: 'string', length: 255, required: true },
        { name: 'ApiName', type: 'string', length: 255 },
        { name: 'IsActive', type: 'boolean', defaultValue: true },
        { name: 'IsClosed', type: 'boolean', defaultValue: false },
        { name: 'IsWon', type: 'boolean', defaultValue: false },
        { name: 'DefaultProbability', type: 'double' },
        { name: 'SortOrder', type: 'int' },
      ],
      { readOnly: true },
    ),
    object('OpportunityContactRole', '00K', [
      {
        name: 'OpportunityId',
        type: 'reference',
        referenceTo: ['Opportunity'],
        relationshipName: 'Opportunity',
        childRelationshipName: 'OpportunityContactRoles',
        required: true,
        updateable: false,
      },
      {
        name: 'ContactId',
        type: 'reference',
        referenceTo: ['Contact'],
        relationshipName: 'Contact',
        childRelationshipName: 'OpportunityContactRoles',
        required: true,
      },
      { name: 'Role', type: 'picklist', length: 40, picklist: CONTACT_ROLES },
      { name: 'IsPrimary', type: 'boolean', defaultValue: false },
    ]),
    object('Case', '500', [
      { name: 'Subject', type: 'string', length: 255 },
      { name: 'Description', type: 'textarea', length: 32000 },
      { name: 'Status', type: 'picklist', length: 40, defaultValue: 'New' },
      { name: 'CaseNumber', type: 'string', length: 30, createable: false, updateable: false },
      {
        name: 'AccountId',
        type: 'reference',
        referenceTo: ['Account'],
        relationshipName: 'Account',
        childRelationshipName: 'Cases',
      },
      {
        name: 'ContactId',
        type: 'reference',
        referenceTo: ['Contact'],
        relationshipName: 'Contact',
        childRelationshipName: 'Cases',
      },
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
      [
        { name: 'Subject', type: 'string', length: 255 },
        { name: 'Description', type: 'textarea', length: 32000 },
        { name: 'Status', type: 'picklist', length: 40, required: true, valuesFrom: 'TaskStatus' },
        { name: 'Priority', type: 'picklist', length: 40, required: true, valuesFrom: 'TaskPriority' },
        {
          name: 'TaskSubtype',
          type: 'picklist',
          length: 40,
          picklist: ['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'LinkedIn'],
          restrictedPicklist: true,
          updateable: false,
        },
        { name: 'Type', type: 'picklist', length: 40 },
        { name: 'ActivityDate', type: 'date' },
        { ...owner, required: true },
        {
          name: 'WhoId',
          type: 'reference',
          referenceTo: ['Contact', 'Lead'],
          relationshipName: 'Who',
          childRelationshipName: 'Tasks',
        },
        {
          name: 'WhatId',
          type: 'reference',
          referenceTo: WHAT_TYPES,
          relationshipName: 'What',
          childRelationshipName: 'Tasks',
        },
      ],
      { activity: TASK_LINK },
    ),
    object(
      'TaskStatus',
      '01J',
      [
        { name: 'MasterLabel', type: 'string', length: 255, required: true },
        { name: 'ApiName', type: 'string', length: 255 },
        { name: 'IsClosed', type: 'boolean', defaultValue: false },
        { name: 'IsDefault', type: 'boolean', defaultValue: false },
        { name: 'SortOrder', type: 'int' },
      ],
      { readOnly: true },
    ),
    object(
      'TaskPriority',
      '01K',
      [
        { name: 'MasterLabel', type: 'string', length: 255, required: true },
        { name: 'ApiName', type: 'string', length: 255 },
        { name: 'IsDefault', type: 'boolean', defaultValue: false },
        { name: 'IsHighPriority', type: 'boolean', defaultValue: false },
        { name: 'SortOrder', type: 'int' },
      ],
      { readOnly: true },
    ),
    object(
      'TaskRelation',
      '0RT',
      [
        {
          name: 'TaskId',
          type: 'reference',
          referenceTo: ['Task'],
          relationshipName: 'Task',
          required: true,
          updateable: false,
        },
        {
          name: 'RelationId',
          type: 'reference',
          referenceTo: ['Contact', 'Lead', 'User', ...WHAT_TYPES],
          relationshipName: 'Relation',
          required: true,
          updateable: false,
        },
        { name: 'IsWhat', type: 'boolean', defaultValue: false, updateable: false },
      ],
      { requires: 'sharedActivities', relationOf: TASK_LINK },
    ),
  ];
}

/** Calendar events and their relations (invitees; with Shared Activities also the related people and records). */
function events(): ObjectDef[] {
  const dt = (name: string, extra: Partial<FieldDef> = {}): FieldDef => ({
    name,
    type: 'datetime',
    ...extra,
  });
  return [
    object(
      'Event',
      '00U',
      [
        { name: 'Subject', type: 'string', length: 255 },
        { name: 'Location', type: 'string', length: 255 },
        { name: 'Description', type: 'textarea', length: 32000 },
        // Start, end, duration and the due date fields are kept consistent by events.ts.
        dt('StartDateTime'),
        dt('EndDateTime'),
        { name: 'DurationInMinutes', type: 'int' },
        { name: 'IsAllDayEvent', type: 'boolean', defaultValue: false },
        { name: 'ActivityDate', type: 'date' },
        dt('ActivityDateTime'),
        { name: 'EndDate', type: 'date', createable: false, updateable: false },
        {
          name: 'ShowAs',
          type: 'picklist',
          length: 40,
          picklist: ['Busy', 'OutOfOffice', 'Free'],
          restrictedPicklist: true,
          defaultValue: 'Busy',
        },
        { name: 'Type', type: 'picklist', length: 40 },
        {
          name: 'EventSubtype',
          type: 'picklist',
          length: 40,
          picklist: ['Event'],
          restrictedPicklist: true,
          defaultValue: 'Event',
          updateable: false,
        },
        { name: 'IsPrivate', type: 'boolean', defaultValue: false },
        { name: 'IsReminderSet', type: 'boolean', defaultValue: false },
        dt('ReminderDateTime'),
        { ...owner, required: true },
        {
          name: 'WhoId',
          type: 'reference',
          referenceTo: ['Contact', 'Lead'],
          relationshipName: 'Who',
          childRelationshipName: 'Events',
        },
        {
          name: 'WhatId',
          type: 'reference',
          referenceTo: WHAT_TYPES,
          relationshipName: 'What',
          childRelationshipName: 'Events',
        },
      ],
      { activity: EVENT_LINK },
    ),
    eventRelation(),
  ];
}

/** Invitees and, with Shared Activities, the event's people (IsParent) and record (IsWhat). */
function eventRelation(): ObjectDef {
  const dt = (name: string): FieldDef => ({ name, type: 'datetime' });
  return object(
    'EventRelation',
    '0RE',
    [
      {
        name: 'EventId',
        type: 'reference',
        referenceTo: ['Event'],
        relationshipName: 'Event',
        required: true,
        updateable: false,
      },
      {
        name: 'RelationId',
        type: 'reference',
        referenceTo: ['Contact', 'Lead', 'User', ...WHAT_TYPES],
        relationshipName: 'Relation',
        required: true,
        updateable: false,
      },
      { name: 'IsInvitee', type: 'boolean' },
      { name: 'IsParent', type: 'boolean', defaultValue: false },
      { name: 'IsWhat', type: 'boolean', defaultValue: false, updateable: false },
      {
        name: 'Status',
        type: 'picklist',
        length: 40,
        picklist: ['New', 'Accepted', 'Declined'],
        restrictedPicklist: true,
        defaultValue: 'New',
      },
      dt('RespondedDate'),
      { name: 'Response', type: 'string', length: 255 },
    ],
    // Unlike TaskRelation it exists without Shared Activities too, for invitees only.
    { relationOf: EVENT_LINK },
  );
}

/** EmailMessage.Status: New, Read, Replied, Sent, Forwarded, Draft. */
export const EMAIL_STATUSES = ['0', '1', '2', '3', '4', '5'];

/** Enhanced Email: the message (tied to the Task the org creates for it) and its senders and recipients. */
function emails(): ObjectDef[] {
  const text = (name: string, length: number, extra: Partial<FieldDef> = {}): FieldDef => ({
    name,
    type: 'string',
    length,
    ...extra,
  });
  return [
    object(
      'EmailMessage',
      '02s',
      [
        text('Subject', 3000),
        { name: 'TextBody', type: 'textarea', length: 32000 },
        { name: 'HtmlBody', type: 'textarea', length: 32000 },
        { name: 'Headers', type: 'textarea', length: 32000 },
        { name: 'FromAddress', type: 'email', length: 1000 },
        text('FromName', 1000),
        text('ToAddress', 4000),
        text('CcAddress', 4000),
        text('BccAddress', 4000),
        { name: 'MessageDate', type: 'datetime' },
        text('MessageIdentifier', 255),
        text('ThreadIdentifier', 255),
        { name: 'Incoming', type: 'boolean', defaultValue: false, updateable: false },
        {
          name: 'Status',
          type: 'picklist',
          length: 40,
          picklist: EMAIL_STATUSES,
          restrictedPicklist: true,
          required: true,
        },
        { name: 'HasAttachment', type: 'boolean', defaultValue: false, createable: false, updateable: false },
        { name: 'IsExternallyVisible', type: 'boolean', defaultValue: true },
        {
          name: 'ActivityId',
          type: 'reference',
          referenceTo: ['Task'],
          relationshipName: 'Activity',
          updateable: false,
        },
        { name: 'RelatedToId', type: 'reference', referenceTo: WHAT_TYPES, relationshipName: 'RelatedTo' },
        {
          name: 'ParentId',
          type: 'reference',
          referenceTo: ['Case'],
          relationshipName: 'Parent',
          updateable: false,
        },
      ],
      { requires: 'enhancedEmail' },
    ),
    emailMessageRelation(),
  ];
}

/** The message's senders and recipients: people (RelationId) or bare addresses. */
function emailMessageRelation(): ObjectDef {
  const text = (name: string, length: number, extra: Partial<FieldDef> = {}): FieldDef => ({
    name,
    type: 'string',
    length,
    ...extra,
  });
  return object(
    'EmailMessageRelation',
    '0EM',
    [
      {
        name: 'EmailMessageId',
        type: 'reference',
        referenceTo: ['EmailMessage'],
        relationshipName: 'EmailMessage',
        required: true,
        updateable: false,
      },
      {
        name: 'RelationId',
        type: 'reference',
        referenceTo: ['Contact', 'Lead', 'User'],
        relationshipName: 'Relation',
      },
      text('RelationAddress', 255, { updateable: false }),
      text('RelationObjectType', 40, { createable: false, updateable: false }),
      {
        name: 'RelationType',
        type: 'picklist',
        length: 40,
        picklist: ['FromAddress', 'ToAddress', 'CcAddress', 'BccAddress'],
        restrictedPicklist: true,
        required: true,
        updateable: false,
      },
    ],
    { requires: 'enhancedEmail' },
  );
}

/** Files: a version, its document and the links that share it. */
function content(): ObjectDef[] {
  return [
    object('ContentVersion', '068', [
      { name: 'Title', type: 'string', length: 255, required: true },
      { name: 'PathOnClient', type: 'string', length: 500, required: true },
      { name: 'VersionData', type: 'base64', required: true },
      { name: 'ContentSize', type: 'int', createable: false, updateable: false },
      {
        name: 'FirstPublishLocationId',
        type: 'reference',
        referenceTo: ['Task', 'Account', 'Contact', 'Lead', 'Opportunity', 'Order', 'User'],
        updateable: false,
      },
      {
        name: 'ContentDocumentId',
        type: 'reference',
        referenceTo: ['ContentDocument'],
        relationshipName: 'ContentDocument',
        createable: false,
        updateable: false,
      },
    ]),
    object('ContentDocument', '069', [
      { name: 'Title', type: 'string', length: 255 },
      {
        name: 'LatestPublishedVersionId',
        type: 'reference',
        referenceTo: ['ContentVersion'],
        createable: false,
      },
    ]),
    object('ContentDocumentLink', '06A', [
      { name: 'ContentDocumentId', type: 'reference', referenceTo: ['ContentDocument'], required: true },
      {
        name: 'LinkedEntityId',
        type: 'reference',
        referenceTo: ['Task', 'Account', 'Contact', 'Lead', 'Opportunity', 'Order', 'User'],
        required: true,
      },
      { name: 'ShareType', type: 'picklist', length: 40, defaultValue: 'V' },
      { name: 'Visibility', type: 'picklist', length: 40, defaultValue: 'AllUsers' },
    ]),
  ];
}

/** Tooling API objects. */
function tooling(): ObjectDef[] {
  return [
    object(
      'CustomField',
      '00N',
      [
        { name: 'DeveloperName', type: 'string', length: 40 },
        { name: 'TableEnumOrId', type: 'string', length: 40 },
        { name: 'FullName', type: 'string', length: 255 },
      ],
      { tooling: true },
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
    filterable: f.type !== 'textarea' && f.type !== 'base64',
    sortable: f.type !== 'textarea' && f.type !== 'base64',
    soapType: `xsd:${f.type === 'boolean' ? 'boolean' : f.type === 'int' ? 'int' : 'string'}`,
  };
}
