/**
 * `capture salesforce check`: what the org offers Capture and what the integration user lacks,
 * as named checks. Each failed check names the rights or settings that are missing, so an admin
 * knows what to grant (most of it: `capture salesforce setup`).
 */
import { describeError } from '../../../errors.ts';
import {
  type DescribedField,
  EXISTING_FIELDS_SOQL,
  type ExistingFields,
  existingFieldsOf,
  type FieldState,
  fieldState,
} from '../capabilities.ts';
import { CAPTURE_FIELDS, type CaptureField, qualified } from '../capture-fields.ts';
import { readComposite, type Subresponse } from '../composite.ts';
import type { SalesforceCrm } from '../index.ts';
import { soqlString } from '../soql.ts';
import { type OrgSettings, readOrgSettings, type Setting } from './org-settings.ts';
import { OBJECT_RIGHTS, PERMISSION_SET, USER_PERMISSIONS } from './rights.ts';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** A failed check that stops Capture from syncing (others are advice). */
  blocking: boolean;
  /** The rights or settings missing, by name ("Create on Lead", "Read and Edit on Task.Capture_Id__c"). */
  missing?: string[];
}

export interface CheckReport {
  ok: boolean;
  checks: Check[];
  /** Every missing right of every check, by name. */
  missing: string[];
}

interface ObjectDescribe {
  queryable?: boolean;
  createable?: boolean;
  updateable?: boolean;
  deletable?: boolean;
  fields: (DescribedField & { type: string; nillable: boolean; defaultedOnCreate: boolean })[];
}

const OBJECTS = [
  'Task',
  'Event',
  'EmailMessage',
  'TaskRelation',
  'User',
  'ContentVersion',
  ...OBJECT_RIGHTS.map((o) => o.object),
];
/** Usage at or above this share of the daily limit is worth a warning. */
const USAGE_WARNING = 0.8;

export async function checkOrg(crm: SalesforceCrm): Promise<CheckReport> {
  const checks: Check[] = [];
  const add = (check: Check) => checks.push(check);
  try {
    await crm.query('SELECT Id FROM User LIMIT 1');
    add({ name: 'authentication', ok: true, detail: 'token issued and accepted', blocking: true });
  } catch (error) {
    add({ name: 'authentication', ok: false, detail: describeError(error), blocking: true });
    return report(checks);
  }
  await apiVersion(crm, add);
  const described = await describeObjects(crm);
  objectRights(described, add);
  taskFields(described.get('Task') ?? null, add);
  leadCreation(described.get('Lead') ?? null, add);
  await captureFields(crm, described, add);
  await permissionSet(crm, add);
  settingsChecks(await readOrgSettings(crm), described, add);
  await apiUsage(crm, add);
  return report(checks);
}

function report(checks: Check[]): CheckReport {
  return {
    ok: !checks.some((c) => !c.ok && c.blocking),
    checks,
    missing: [...new Set(checks.flatMap((c) => (c.ok ? [] : (c.missing ?? []))))],
  };
}

async function apiVersion(crm: SalesforceCrm, add: (c: Check) => void): Promise<void> {
  try {
    const list = await crm.request<{ version: string }[]>('GET', '/services/data');
    const available = list.map((v) => v.version);
    const using = crm.apiVersion;
    add({
      name: 'API version',
      ok: available.includes(using),
      detail: available.includes(using)
        ? `v${using} (org offers up to v${available.at(-1)})`
        : `v${using} is not offered by this org (it offers ${available.join(', ')}); set SALESFORCE_API_VERSION`,
      blocking: true,
    });
  } catch (error) {
    add({ name: 'API version', ok: false, detail: describeError(error), blocking: true });
  }
}

/** Every object's describe in one composite (describes are not queries); null when not available. */
async function describeObjects(crm: SalesforceCrm): Promise<Map<string, ObjectDescribe | null>> {
  const base = `/services/data/v${crm.apiVersion}`;
  const sent = OBJECTS.map((o) => ({ method: 'GET', url: `${base}/sobjects/${o}/describe`, referenceId: o }));
  const answers = readComposite(
    await crm.request<unknown>('POST', '/composite', { allOrNone: false, compositeRequest: sent }),
    sent,
    'describe',
  );
  const out = new Map<string, ObjectDescribe | null>();
  for (const o of OBJECTS) {
    const sub = answers.get(o) as Subresponse;
    out.set(o, sub.httpStatusCode < 400 ? (sub.body as ObjectDescribe) : null);
  }
  return out;
}

/** The object rights Capture uses, from what the describes say this user may do. */
function objectRights(described: Map<string, ObjectDescribe | null>, add: (c: Check) => void): void {
  const missing: string[] = [];
  const need = (object: string, right: 'Read' | 'Create' | 'Edit' | 'Delete', permission?: string) => {
    const d = described.get(object);
    const flag = {
      Read: 'queryable',
      Create: 'createable',
      Edit: 'updateable',
      Delete: 'deletable',
    } as const;
    if (!d || d[flag[right]] === false) missing.push(permission ?? `${right} on ${object}`);
  };
  for (const o of OBJECT_RIGHTS) for (const r of o.rights) need(o.object, r);
  need('User', 'Read');
  need('Task', 'Create', 'Edit Tasks (user permission)');
  need('Event', 'Delete', 'Edit Events (user permission)');
  need('ContentVersion', 'Create', 'Create on ContentVersion (Files)');
  const blocking = ['Read on Contact', 'Read on User', 'Edit Tasks (user permission)'];
  add({
    name: 'object rights',
    ok: missing.length === 0,
    detail:
      missing.length === 0
        ? `${USER_PERMISSIONS.slice(1)
            .map((p) => p.label)
            .join(', ')}, ${OBJECT_RIGHTS.map((o) => `${o.object} ${o.rights.join('/')}`).join(', ')}`
        : `missing: ${missing.join(', ')}`,
    blocking: missing.some((m) => blocking.includes(m)),
    missing,
  });
}

const TASK_FIELDS = [
  'Subject',
  'Description',
  'Status',
  'TaskSubtype',
  'ActivityDate',
  'OwnerId',
  'WhoId',
  'WhatId',
];

/** Fields a record cannot be created without that `filled` does not cover. */
function requiredBeyond(fields: ObjectDescribe['fields'], filled: string[]): ObjectDescribe['fields'] {
  return fields.filter(
    (f) =>
      f.createable && !f.nillable && !f.defaultedOnCreate && f.type !== 'boolean' && !filled.includes(f.name),
  );
}

function taskFields(task: ObjectDescribe | null, add: (c: Check) => void): void {
  if (!task) {
    add({
      name: 'Task fields createable',
      ok: false,
      detail: 'Task is not available',
      blocking: true,
      missing: ['Read on Task'],
    });
    return;
  }
  const missing = TASK_FIELDS.filter((f) => !task.fields.some((x) => x.name === f && x.createable));
  add({
    name: 'Task fields createable',
    ok: missing.length === 0,
    detail: missing.length === 0 ? TASK_FIELDS.join(', ') : `not createable: ${missing.join(', ')}`,
    blocking: true,
    missing: missing.map((f) => `Edit on Task.${f}`),
  });
  // Re-sent Tasks are matched by Capture_Id__c, never rewritten: updateable only matters as advice.
  const fixed = TASK_FIELDS.filter(
    (f) => f !== 'TaskSubtype' && task.fields.some((x) => x.name === f && !x.updateable),
  );
  add({
    name: 'Task fields updateable',
    ok: fixed.length === 0,
    detail: fixed.length === 0 ? 'yes' : `not updateable: ${fixed.join(', ')}`,
    blocking: false,
  });
  const required = requiredBeyond(task.fields, TASK_FIELDS);
  add({
    name: 'no extra required Task fields',
    ok: required.length === 0,
    detail:
      required.length === 0 ? 'none' : `Capture does not fill: ${required.map((f) => f.name).join(', ')}`,
    blocking: true,
  });
}

function leadCreation(lead: ObjectDescribe | null, add: (c: Check) => void): void {
  // The create-lead policy fills these; anything else required stops Lead creation.
  const filled = ['FirstName', 'LastName', 'Company', 'Email', 'LeadSource'];
  const required = lead ? requiredBeyond(lead.fields, filled) : [];
  const ok =
    lead !== null &&
    required.length === 0 &&
    filled.every((n) => lead.fields.some((f) => f.name === n && f.createable));
  add({
    name: 'Lead creatable (create-lead policy)',
    ok,
    detail: !lead
      ? 'Lead is not available'
      : required.length === 0
        ? filled.join(', ')
        : `Capture does not fill: ${required.map((f) => f.name).join(', ')}`,
    blocking: false,
  });
}

const FALLBACK: Record<string, string> = {
  dedupe: 'until then an S3 ledger deduplicates',
  orderNumbers: 'order numbers are left out until then',
  events: 'invites are logged as Tasks until then',
  enhancedEmail: 'orgs with salesforce.enhancedEmail get plain Tasks until then',
};

/** Each Capture field: visible and editable, read-only, hidden by field-level security, or never created. */
async function captureFields(
  crm: SalesforceCrm,
  described: Map<string, ObjectDescribe | null>,
  add: (c: Check) => void,
): Promise<void> {
  let existing: ExistingFields = null;
  let why = '';
  try {
    const rows = await crm.request<{ records: { DeveloperName?: string; TableEnumOrId?: string }[] }>(
      'GET',
      `/tooling/query?q=${encodeURIComponent(EXISTING_FIELDS_SOQL)}`,
    );
    existing = existingFieldsOf(rows.records);
  } catch (error) {
    why = ` (the Tooling API, which tells, answered ${describeError(error)})`;
  }
  for (const f of CAPTURE_FIELDS) {
    const fields = described.get(f.object)?.fields ?? null;
    const state = fieldState(f, fields, existing);
    add(fieldCheck(f, state, fields, why));
  }
}

function fieldCheck(f: CaptureField, state: FieldState, fields: DescribedField[] | null, why: string): Check {
  const name = `field ${qualified(f)}`;
  const used = f.feature !== null;
  if (state === 'ok') {
    const d = fields?.find((x) => x.name === f.name) as (DescribedField & { unique?: boolean }) | undefined;
    const key = !f.externalId
      ? ''
      : d?.externalId !== true
        ? '; not an External ID: Capture cannot upsert on it'
        : d.unique === true
          ? '; External ID, Unique'
          : '; External ID, not Unique (activity fields cannot be): Capture takes the oldest record with a key';
    return {
      name,
      ok: !f.externalId || d?.externalId === true,
      detail: `visible and editable${key}`,
      blocking: false,
    };
  }
  if (state === 'read-only')
    return {
      name,
      ok: false,
      detail: 'visible but not editable: grant edit (capture salesforce setup)',
      blocking: used,
      missing: [`Edit on ${qualified(f)}`],
    };
  if (state === 'hidden')
    return {
      name,
      ok: false,
      detail: `${why ? 'not visible to this user: hidden by field-level security, or never created' : 'exists but hidden from this user by field-level security'}${why}: grant Read and Edit (capture salesforce setup)`,
      blocking: used,
      missing: [`Read and Edit on ${qualified(f)}`],
    };
  if (fields === null)
    return {
      name,
      ok: false,
      detail: `the org has no ${f.object}${f.feature ? `; ${FALLBACK[f.feature]}` : ''}`,
      blocking: false,
    };
  return {
    name,
    ok: false,
    detail: `missing: run \`capture salesforce setup\`${f.feature ? ` (${FALLBACK[f.feature]})` : ''}`,
    blocking: false,
    missing: [`field ${qualified(f)}`],
  };
}

/** Capture_Integration exists and is assigned to the user check runs as. */
async function permissionSet(crm: SalesforceCrm, add: (c: Check) => void): Promise<void> {
  const name = `permission set ${PERMISSION_SET.Name}`;
  try {
    const userId = await crm.userId();
    const sets = await crm.query<{ Id: string }>(
      `SELECT Id FROM PermissionSet WHERE Name = ${soqlString(PERMISSION_SET.Name)}`,
    );
    const assigned = sets[0]
      ? await crm.query<{ Id: string }>(
          `SELECT Id FROM PermissionSetAssignment WHERE PermissionSetId = ${soqlString(sets[0].Id)} AND AssigneeId = ${soqlString(userId ?? '')}`,
        )
      : [];
    add({
      name,
      ok: assigned.length > 0,
      detail: !sets[0]
        ? 'missing: run `capture salesforce setup`'
        : assigned.length > 0
          ? 'assigned to this user'
          : 'not assigned to this user: run `capture salesforce setup` (or --user for another user)',
      blocking: false,
      missing: sets[0] ? [`assignment of ${PERMISSION_SET.Name}`] : [`permission set ${PERMISSION_SET.Name}`],
    });
  } catch (error) {
    add({
      name,
      ok: false,
      detail: `cannot read permission sets (View Setup and Configuration): ${describeError(error)}`,
      blocking: false,
    });
  }
}

const describedSetting = (s: Setting, on: string, off: string) =>
  'on' in s ? (s.on ? on : off) : `unknown: ${s.unknown}`;

/** Shared Activities, Enhanced Email and Email-to-Case from the org's settings, not from what objects exist. */
function settingsChecks(
  settings: OrgSettings,
  described: Map<string, ObjectDescribe | null>,
  add: (c: Check) => void,
) {
  const taskRelation = described.get('TaskRelation') !== null;
  const shared = 'on' in settings.sharedActivities ? settings.sharedActivities.on : taskRelation;
  add({
    name: 'Shared Activities',
    ok: true,
    detail: `${shared ? 'on: a Task relates up to 50 contacts' : 'off: one contact per Task, the others named in its Description; invites keep invitees only'}${'on' in settings.sharedActivities ? '' : ` (setting ${describedSetting(settings.sharedActivities, '', '')}; TaskRelation ${taskRelation ? 'answers' : 'does not answer'})`}`,
    blocking: false,
  });
  const enhanced = settings.enhancedEmail;
  add({
    name: 'Enhanced Email',
    ok: 'on' in enhanced && enhanced.on,
    detail: describedSetting(
      enhanced,
      'on: orgs with salesforce.enhancedEmail log mail as EmailMessages',
      'off: orgs with salesforce.enhancedEmail fail with salesforce-permission-missing until it is turned on (Setup › Enhanced Email)',
    ),
    blocking: false,
    ...('on' in enhanced && !enhanced.on ? { missing: ['Enhanced Email (org setting)'] } : {}),
  });
  const emailMessage = described.get('EmailMessage') !== null;
  add({
    name: 'Email-to-Case',
    ok: true,
    detail: `${describedSetting(settings.emailToCase, 'present', 'absent')}; EmailMessage ${emailMessage ? 'exists' : 'does not exist'}${'on' in enhanced && !enhanced.on && emailMessage ? ' (for Email-to-Case only: not Enhanced Email)' : ''}`,
    blocking: false,
  });
}

/** API requests of the last 24 hours against the org's daily limit (`/limits`, else Sforce-Limit-Info). */
async function apiUsage(crm: SalesforceCrm, add: (c: Check) => void): Promise<void> {
  let usage: { used: number; max: number } | null = null;
  let source = 'limits';
  try {
    const limits = await crm.request<{ DailyApiRequests?: { Max: number; Remaining: number } }>(
      'GET',
      '/limits',
    );
    const daily = limits.DailyApiRequests;
    if (daily) usage = { used: daily.Max - daily.Remaining, max: daily.Max };
  } catch {
    source = 'Sforce-Limit-Info';
  }
  usage ??= crm.apiUsage();
  if (!usage) {
    add({
      name: 'API usage',
      ok: false,
      detail: 'unknown: neither /limits nor Sforce-Limit-Info answered',
      blocking: false,
    });
    return;
  }
  const share = usage.max > 0 ? usage.used / usage.max : 1;
  add({
    name: 'API usage',
    ok: share < USAGE_WARNING,
    detail: `${usage.used.toLocaleString('en-US')} of ${usage.max.toLocaleString('en-US')} API requests in the last 24 hours (${(share * 100).toFixed(1)}%, from ${source})`,
    blocking: false,
  });
}
