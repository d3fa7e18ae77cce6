/**
 * Org rules beyond field types, each one Salesforce enforces on a real org (sources in
 * docs/salesforce-emulator.md): OwnerId defaults to the running user and must be active; Task
 * Status is one of the org's TaskStatus values; a Lead as WhoId excludes a WhatId; with Shared
 * Activities an activity relates one lead or up to 50 contacts, the WhoId among them, each once;
 * a ContentVersion with FirstPublishLocationId is shared to that record.
 */
import { SalesforceError } from './errors.ts';
import { DEFAULT_TASK_STATUSES, type ObjectDef } from './schema.ts';
import type { SfRecord, Store, WriteContext } from './store.ts';
import { restrictedPicklist } from './validation.ts';

export const MAX_CONTACTS_PER_ACTIVITY = 50;

/** Runs before a create (existing null) or update is stored; may default values or throw. */
export function beforeWrite(
  store: Store,
  def: ObjectDef,
  values: Record<string, unknown>,
  existing: SfRecord | null,
  ctx: WriteContext,
): void {
  if (def.fields.has('ownerid')) ownerRules(store, def, values, existing, ctx);
  if (def.name === 'Task') taskRules(store, def, values, existing);
  if (def.name === 'TaskRelation' && !existing) relationRules(store, values);
}

function ownerRules(
  store: Store,
  def: ObjectDef,
  values: Record<string, unknown>,
  existing: SfRecord | null,
  ctx: WriteContext,
): void {
  if (!existing && (values.OwnerId === undefined || values.OwnerId === null) && ctx.userId) {
    values.OwnerId = ctx.userId;
  }
  if (typeof values.OwnerId !== 'string') return;
  const owner = store.findById(values.OwnerId);
  if (owner && store.typeOfId(owner.Id)?.name === 'User' && owner.IsActive === false) {
    throw new SalesforceError(
      'INACTIVE_OWNER_OR_USER',
      `operation performed with inactive user [${owner.Id}] as owner of ${def.name.toLowerCase()}`,
      [],
    );
  }
}

/** The org's task statuses: its TaskStatus records, or Salesforce's defaults when it has none. */
export function taskStatuses(store: Store): { MasterLabel: string; ApiName: string; IsDefault: boolean }[] {
  const rows = store.all('TaskStatus') as unknown as {
    MasterLabel: string;
    ApiName: string;
    IsDefault: boolean;
  }[];
  return rows.length > 0 ? rows : DEFAULT_TASK_STATUSES;
}

function taskRules(store: Store, def: ObjectDef, values: Record<string, unknown>, existing: SfRecord | null) {
  const statuses = taskStatuses(store);
  if (!existing && (values.Status === undefined || values.Status === null)) {
    const fallback = statuses.find((s) => s.IsDefault) ?? statuses[0];
    if (fallback) values.Status = fallback.ApiName ?? fallback.MasterLabel;
  } else if (values.Status !== undefined) {
    const status = String(values.Status ?? '');
    if (!statuses.some((s) => s.MasterLabel === status || s.ApiName === status))
      throw restrictedPicklist(def.fields.get('status')!, status);
  }
  const merged = { ...existing, ...values };
  const who = typeof merged.WhoId === 'string' ? store.typeOfId(merged.WhoId) : null;
  if (who?.name === 'Lead' && typeof merged.WhatId === 'string' && merged.WhatId !== '') {
    throw new SalesforceError(
      'FIELD_INTEGRITY_EXCEPTION',
      'Related To ID: a task whose Name ID is a lead cannot be related to another record. Remove the Related To ID or choose a contact.',
      ['WhatId'],
    );
  }
}

/** Who relations (contacts, leads) of one task, live ones only. */
function whoRelations(store: Store, taskId: string): SfRecord[] {
  return store.all('TaskRelation').filter((r) => r.TaskId === taskId && r.IsWhat !== true);
}

function relationRules(store: Store, values: Record<string, unknown>): void {
  const taskId = String(values.TaskId ?? '');
  const relationId = String(values.RelationId ?? '');
  const type = store.typeOfId(relationId)?.name;
  values.IsWhat = type !== 'Contact' && type !== 'Lead' && type !== 'User';
  const all = store.all('TaskRelation').filter((r) => r.TaskId === taskId);
  const duplicate = all.find((r) => r.RelationId === relationId);
  if (duplicate) {
    throw new SalesforceError(
      'DUPLICATE_VALUE',
      `duplicate value found: RelationId duplicates value on record with id: ${duplicate.Id}`,
      ['RelationId'],
    );
  }
  if (type !== 'Contact' && type !== 'Lead') return;
  const whos = whoRelations(store, taskId).map((r) => store.typeOfId(String(r.RelationId))?.name);
  if (whos.includes('Lead') || (type === 'Lead' && whos.length > 0)) {
    throw new SalesforceError(
      'FIELD_INTEGRITY_EXCEPTION',
      'An activity can be related to one lead or to up to 50 contacts, not both.',
      ['RelationId'],
    );
  }
  if (whos.length >= MAX_CONTACTS_PER_ACTIVITY) {
    throw new SalesforceError(
      'LIMIT_EXCEEDED',
      `An activity can be related to up to ${MAX_CONTACTS_PER_ACTIVITY} contacts.`,
      ['RelationId'],
    );
  }
}

export function afterCreate(store: Store, def: ObjectDef, record: SfRecord, ctx: WriteContext): void {
  if (def.name === 'Task' && store.settings.sharedActivities) {
    for (const field of ['WhoId', 'WhatId'] as const) {
      const id = record[field];
      if (typeof id !== 'string') continue;
      try {
        store.create('TaskRelation', { TaskId: record.Id, RelationId: id }, { userId: ctx.userId ?? null });
      } catch (error) {
        // A seed may name people it does not load; a data load would skip those relations too.
        if (!ctx.seeding) throw error;
      }
    }
  }
  if (def.name === 'ContentVersion') publishContent(store, record, ctx);
}

/** A changed WhoId or WhatId replaces the task's relation for the old one. */
export function afterUpdate(
  store: Store,
  def: ObjectDef,
  before: SfRecord,
  after: SfRecord,
  ctx: WriteContext,
) {
  if (def.name !== 'Task' || !store.settings.sharedActivities) return;
  for (const field of ['WhoId', 'WhatId'] as const) {
    if (before[field] === after[field]) continue;
    const old = store
      .all('TaskRelation')
      .find((r) => r.TaskId === after.Id && r.RelationId === before[field]);
    if (old) store.delete('TaskRelation', old.Id);
    const id = after[field];
    const present = store.all('TaskRelation').some((r) => r.TaskId === after.Id && r.RelationId === id);
    if (typeof id === 'string' && !present)
      store.create('TaskRelation', { TaskId: after.Id, RelationId: id }, ctx);
  }
}

/** Deleting a task deletes its relations with it. */
export function afterDelete(store: Store, def: ObjectDef, record: SfRecord): void {
  if (def.name !== 'Task' || !store.settings.sharedActivities) return;
  for (const r of store.all('TaskRelation').filter((x) => x.TaskId === record.Id))
    store.delete('TaskRelation', r.Id);
}

function publishContent(store: Store, version: SfRecord, ctx: WriteContext): void {
  const data =
    typeof version.VersionData === 'string' ? Buffer.from(version.VersionData, 'base64') : Buffer.alloc(0);
  version.ContentSize = data.length;
  const doc = store.create('ContentDocument', { Title: version.Title }, { seeding: true });
  store.patchRaw('ContentDocument', doc.Id, { LatestPublishedVersionId: version.Id });
  version.ContentDocumentId = doc.Id;
  if (typeof version.FirstPublishLocationId === 'string') {
    store.create(
      'ContentDocumentLink',
      { ContentDocumentId: doc.Id, LinkedEntityId: version.FirstPublishLocationId },
      { ...ctx, seeding: false },
    );
  }
}
