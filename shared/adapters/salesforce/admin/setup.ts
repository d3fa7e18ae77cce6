/**
 * `capture salesforce setup`: Capture's custom fields (Tooling API CustomField) and the
 * permission set Capture_Integration (PermissionSet with its user permissions, ObjectPermissions,
 * FieldPermissions), assigned to the integration user (PermissionSetAssignment). Each step reads
 * what is there and writes only what differs, so a second run writes nothing. The permission set
 * is Capture's own: grants beyond the table in rights.ts are removed.
 */
import { describeError } from '../../../errors.ts';
import { EXISTING_FIELDS_SOQL, existingFieldsOf } from '../capabilities.ts';
import { CAPTURE_FIELDS, definedOn } from '../capture-fields.ts';
import { readComposite, type Subrequest } from '../composite.ts';
import type { SalesforceCrm } from '../index.ts';
import { soqlString } from '../soql.ts';
import { FIELD_RIGHTS, OBJECT_RIGHTS, PERMISSION_SET, USER_PERMISSIONS } from './rights.ts';

export interface SetupStep {
  item: string;
  action: 'created' | 'updated' | 'unchanged' | 'removed' | 'skipped' | 'failed';
  detail?: string;
}

type Row = Record<string, unknown>;

/** The fields setup creates (Tooling API CustomField), where they are defined. */
export const FIELD_DEFINITIONS = [
  captureIdField('Activity'),
  {
    FullName: 'Activity.Order_Numbers__c',
    Metadata: {
      label: 'Order Numbers',
      type: 'Text',
      length: 255,
      description: 'Order numbers Capture found in the email.',
    },
  },
  sourceField('Activity'),
  {
    FullName: 'Activity.Capture_Sequence__c',
    Metadata: {
      label: 'Capture Sequence',
      type: 'Number',
      precision: 18,
      scale: 0,
      description: 'Set by Capture: the meeting invite SEQUENCE an Event was written from.',
    },
  },
  captureIdField('EmailMessage'),
  sourceField('EmailMessage'),
] as const;

/** The dedupe key: an external id, unique, so an upsert by it never makes a second record. */
function captureIdField<T extends 'Activity' | 'EmailMessage'>(object: T) {
  return {
    FullName: `${object}.Capture_Id__c` as const,
    Metadata: {
      label: 'Capture Id',
      type: 'Text',
      length: 255,
      externalId: true,
      unique: true,
      description: 'Set by Capture: hash of org and Message-ID.',
    },
  } as const;
}

/** The stored message a write came from: a repeated Message-ID completes only its own message's write. */
function sourceField<T extends 'Activity' | 'EmailMessage'>(object: T) {
  return {
    FullName: `${object}.Capture_Source__c` as const,
    Metadata: {
      label: 'Capture Source',
      type: 'Text',
      length: 64,
      description: 'Set by Capture: digest of the stored message this record was written from.',
    },
  } as const;
}

interface OrgState {
  objects: Set<string>;
  fields: Set<string>;
  permissionSet: Row | null;
  objectPermissions: Row[];
  fieldPermissions: Row[];
  assignments: Row[];
}

export async function setupOrg(
  crm: SalesforceCrm,
  options: { assignee?: string } = {},
): Promise<{ ok: boolean; steps: SetupStep[] }> {
  const steps: SetupStep[] = [];
  const state = await readState(crm);
  await createFields(crm, state, steps);
  const permissionSetId = await upsertPermissionSet(crm, state, steps);
  if (permissionSetId) {
    await syncGrants(crm, state, permissionSetId, steps);
    await assign(crm, state, permissionSetId, options.assignee, steps);
  }
  crm.forgetOrg();
  return { ok: steps.every((s) => s.action !== 'failed'), steps };
}

const NAME = soqlString(PERMISSION_SET.Name);

/** One describe of the org's objects and one composite of five queries: what is there now. */
async function readState(crm: SalesforceCrm): Promise<OrgState> {
  const base = `/services/data/v${crm.apiVersion}`;
  const global = await crm.request<{ sobjects: { name: string }[] }>('GET', '/sobjects');
  const query = (referenceId: string, soql: string, tooling = false): Subrequest => ({
    method: 'GET',
    url: `${base}${tooling ? '/tooling' : ''}/query?q=${encodeURIComponent(soql)}`,
    referenceId,
  });
  const sent = [
    query('fields', EXISTING_FIELDS_SOQL, true),
    query(
      'set',
      `SELECT Id, Name, Label, Description, ${USER_PERMISSIONS.map((p) => p.field).join(', ')} FROM PermissionSet WHERE Name = ${NAME}`,
    ),
    query(
      'objects',
      `SELECT Id, SobjectType, PermissionsRead, PermissionsCreate, PermissionsEdit, PermissionsDelete, PermissionsViewAllRecords, PermissionsModifyAllRecords FROM ObjectPermissions WHERE Parent.Name = ${NAME}`,
    ),
    query(
      'grants',
      `SELECT Id, SobjectType, Field, PermissionsRead, PermissionsEdit FROM FieldPermissions WHERE Parent.Name = ${NAME}`,
    ),
    query(
      'assigned',
      `SELECT Id, AssigneeId FROM PermissionSetAssignment WHERE PermissionSet.Name = ${NAME}`,
    ),
  ];
  const answers = readComposite(
    await crm.request<unknown>('POST', '/composite', { allOrNone: false, compositeRequest: sent }),
    sent,
    'read setup',
  );
  const rows = (ref: string): Row[] => {
    const sub = answers.get(ref);
    if (!sub || sub.httpStatusCode >= 400) throw new Error(`${ref}: ${JSON.stringify(sub?.body)}`);
    return (sub.body as { records: Row[] }).records;
  };
  return {
    objects: new Set(global.sobjects.map((o) => o.name)),
    fields: existingFieldsOf(rows('fields')),
    permissionSet: rows('set')[0] ?? null,
    objectPermissions: rows('objects'),
    fieldPermissions: rows('grants'),
    assignments: rows('assigned'),
  };
}

/** Each missing field; Unique on an activity field where the org allows it, else External ID alone. */
async function createFields(crm: SalesforceCrm, state: OrgState, steps: SetupStep[]): Promise<void> {
  for (const field of FIELD_DEFINITIONS) {
    const [table] = field.FullName.split('.');
    if (state.fields.has(field.FullName.toLowerCase())) {
      steps.push({ item: `field ${field.FullName}`, action: 'unchanged' });
      continue;
    }
    if (table === 'EmailMessage' && !state.objects.has('EmailMessage')) {
      steps.push({
        item: `field ${field.FullName}`,
        action: 'skipped',
        detail: 'the org has no EmailMessage (turn on Enhanced Email to log mail as EmailMessages)',
      });
      continue;
    }
    const step = await createField(crm, field);
    if (step.action === 'created') state.fields.add(field.FullName.toLowerCase());
    steps.push(step);
  }
}

async function createField(
  crm: SalesforceCrm,
  field: (typeof FIELD_DEFINITIONS)[number],
): Promise<SetupStep> {
  const item = `field ${field.FullName}`;
  try {
    await crm.request('POST', '/tooling/sobjects/CustomField', field);
    return { item, action: 'created' };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const unique = 'unique' in field.Metadata && field.FullName.startsWith('Activity.');
    if (!unique || code !== 'FIELD_INTEGRITY_EXCEPTION')
      return { item, action: 'failed', detail: describeError(error) };
    // Salesforce does not offer Unique on activity fields: the key is an External ID alone.
    const { unique: _, ...metadata } = field.Metadata;
    try {
      await crm.request('POST', '/tooling/sobjects/CustomField', { ...field, Metadata: metadata });
      return { item, action: 'created', detail: `External ID, not Unique (${describeError(error)})` };
    } catch (second) {
      return { item, action: 'failed', detail: describeError(second) };
    }
  }
}

/** The permission set with its user permissions, created or brought back to the table. */
async function upsertPermissionSet(
  crm: SalesforceCrm,
  state: OrgState,
  steps: SetupStep[],
): Promise<string | null> {
  const item = `permission set ${PERMISSION_SET.Name}`;
  const wanted: Row = {
    Label: PERMISSION_SET.Label,
    Description: PERMISSION_SET.Description,
    ...Object.fromEntries(USER_PERMISSIONS.map((p) => [p.field, true])),
  };
  try {
    const existing = state.permissionSet;
    if (!existing) {
      const created = await crm.request<{ id: string }>('POST', '/sobjects/PermissionSet', {
        Name: PERMISSION_SET.Name,
        ...wanted,
      });
      steps.push({ item, action: 'created', detail: USER_PERMISSIONS.map((p) => p.label).join(', ') });
      return created.id;
    }
    const changed = Object.entries(wanted).filter(([k, v]) => existing[k] !== v);
    if (changed.length > 0) {
      await crm.request(
        'PATCH',
        `/sobjects/PermissionSet/${String(existing.Id)}`,
        Object.fromEntries(changed),
      );
      steps.push({ item, action: 'updated', detail: changed.map(([k]) => k).join(', ') });
    } else steps.push({ item, action: 'unchanged' });
    return String(existing.Id);
  } catch (error) {
    steps.push({ item, action: 'failed', detail: describeError(error) });
    return null;
  }
}

const RIGHT_FIELDS = ['Read', 'Create', 'Edit', 'Delete', 'ViewAllRecords', 'ModifyAllRecords'];

/** A grant to write and the step that reports it (failed if Salesforce refuses the record). */
interface Change {
  step: SetupStep;
  record?: Row;
  id?: string;
}

/** ObjectPermissions and FieldPermissions as the table says: inserted, updated, extras removed. */
async function syncGrants(crm: SalesforceCrm, state: OrgState, parentId: string, steps: SetupStep[]) {
  const inserts: Change[] = [];
  const updates: Change[] = [];
  const removals: Change[] = [];
  const plan = (
    list: Change[] | null,
    item: string,
    action: SetupStep['action'],
    change: Omit<Change, 'step'> = {},
  ) => {
    const step: SetupStep = { item, action };
    steps.push(step);
    list?.push({ step, ...change });
  };
  const objects = OBJECT_RIGHTS.filter((o) => state.objects.has(o.object));
  for (const o of objects) {
    const want = Object.fromEntries(
      RIGHT_FIELDS.map((r) => [`Permissions${r}`, o.rights.includes(r as never)]),
    );
    const have = state.objectPermissions.find((p) => p.SobjectType === o.object);
    const item = `object ${o.object}: ${o.rights.join(', ')}`;
    const type = { type: 'ObjectPermissions' };
    if (!have)
      plan(inserts, item, 'created', {
        record: { attributes: type, ParentId: parentId, SobjectType: o.object, ...want },
      });
    else if (Object.entries(want).some(([k, v]) => have[k] !== v))
      plan(updates, item, 'updated', { record: { attributes: type, Id: have.Id, ...want } });
    else plan(null, item, 'unchanged');
  }
  for (const p of state.objectPermissions)
    if (!objects.some((o) => o.object === p.SobjectType))
      plan(removals, `object ${String(p.SobjectType)}`, 'removed', { id: String(p.Id) });
  const fields = FIELD_RIGHTS.filter((f) => {
    const def = CAPTURE_FIELDS.find((c) => `${c.object}.${c.name}` === f.field);
    return def && state.fields.has(`${definedOn(def.object)}.${def.name}`.toLowerCase());
  });
  for (const f of fields) {
    const have = state.fieldPermissions.find((p) => String(p.Field).toLowerCase() === f.field.toLowerCase());
    const item = `field access ${f.field}: Read, Edit`;
    const grant = { attributes: { type: 'FieldPermissions' }, PermissionsRead: true, PermissionsEdit: true };
    if (!have)
      plan(inserts, item, 'created', {
        record: { ...grant, ParentId: parentId, SobjectType: f.object, Field: f.field },
      });
    else if (have.PermissionsRead !== true || have.PermissionsEdit !== true)
      plan(updates, item, 'updated', { record: { ...grant, Id: have.Id } });
    else plan(null, item, 'unchanged');
  }
  for (const p of state.fieldPermissions)
    if (!fields.some((f) => f.field.toLowerCase() === String(p.Field).toLowerCase()))
      plan(removals, `field access ${String(p.Field)}`, 'removed', { id: String(p.Id) });
  await write(crm, { inserts, updates, removals });
}

/** The grants in as few sObject Collections calls as they take; a refused record fails its step. */
async function write(
  crm: SalesforceCrm,
  changes: { inserts: Change[]; updates: Change[]; removals: Change[] },
) {
  type Result = { success: boolean; errors?: { statusCode?: string; message?: string }[] };
  const calls: [string, (chunk: Change[]) => [string, unknown?], Change[]][] = [
    [
      'POST',
      (c) => ['/composite/sobjects', { allOrNone: false, records: c.map((x) => x.record) }],
      changes.inserts,
    ],
    [
      'PATCH',
      (c) => ['/composite/sobjects', { allOrNone: false, records: c.map((x) => x.record) }],
      changes.updates,
    ],
    [
      'DELETE',
      (c) => [`/composite/sobjects?ids=${c.map((x) => x.id).join(',')}&allOrNone=false`],
      changes.removals,
    ],
  ];
  for (const [method, request, list] of calls)
    for (let i = 0; i < list.length; i += 200) {
      const chunk = list.slice(i, i + 200);
      try {
        const [path, body] = request(chunk);
        const results = await crm.request<Result[]>(method, path, body);
        for (const [k, r] of results.entries()) {
          const step = chunk[k]?.step;
          if (step && !r.success)
            Object.assign(step, {
              action: 'failed',
              detail: `${r.errors?.[0]?.statusCode}: ${r.errors?.[0]?.message}`,
            });
        }
      } catch (error) {
        for (const c of chunk) Object.assign(c.step, { action: 'failed', detail: describeError(error) });
      }
    }
}

/** The permission set assigned to the integration user: the one named, else the one setup runs as. */
async function assign(
  crm: SalesforceCrm,
  state: OrgState,
  permissionSetId: string,
  username: string | undefined,
  steps: SetupStep[],
): Promise<void> {
  const item = `assignment to ${username ?? 'the user running setup'}`;
  try {
    const userId = username
      ? (
          await crm.query<{ Id: string }>(
            `SELECT Id FROM User WHERE Username = ${soqlString(username)} AND IsActive = true`,
          )
        )[0]?.Id
      : await crm.userId();
    if (!userId) {
      steps.push({
        item,
        action: 'failed',
        detail: `no active User ${username ?? '(the token names none)'}`,
      });
      return;
    }
    if (state.assignments.some((a) => String(a.AssigneeId).slice(0, 15) === userId.slice(0, 15))) {
      steps.push({ item, action: 'unchanged' });
      return;
    }
    await crm.request('POST', '/sobjects/PermissionSetAssignment', {
      AssigneeId: userId,
      PermissionSetId: permissionSetId,
    });
    steps.push({ item, action: 'created' });
  } catch (error) {
    steps.push({ item, action: 'failed', detail: describeError(error) });
  }
}
