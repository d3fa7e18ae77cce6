/**
 * Org rules beyond field types, each one Salesforce enforces on a real org (sources in
 * docs/salesforce-emulator.md): OwnerId defaults to the running user and must be active; Task
 * Status and Priority are among the org's TaskStatus and TaskPriority values; a Lead as WhoId excludes a WhatId; with Shared
 * Activities an activity relates one lead or up to 50 contacts, the WhoId among them, each once;
 * a ContentVersion with FirstPublishLocationId is shared to that record. Activity rules follow
 * the schema's `activity`/`relationOf` links, so an Event with EventRelation gets them too.
 */
import { SalesforceError } from './errors.ts';
import { type ActivityLink, type ObjectDef, ORG_PICKLIST_DEFAULTS } from './schema.ts';
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
  orgPicklistRules(store, def, values, existing);
  if (def.activity) leadWithWhat(store, values, existing);
  if (def.relationOf && !existing) relationRules(store, def.relationOf, values);
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

export interface OrgValue {
  MasterLabel: string;
  ApiName?: string;
  IsDefault?: boolean;
}

/** The org's values for a picklist kept in records (TaskStatus, …), or Salesforce's defaults. */
export function orgValues(store: Store, object: string): OrgValue[] {
  const rows = store.all(object) as unknown as OrgValue[];
  return rows.length > 0 ? rows : ((ORG_PICKLIST_DEFAULTS[object] ?? []) as unknown as OrgValue[]);
}

/** Picklists backed by org records: the default value on create, only the org's values on write. */
function orgPicklistRules(
  store: Store,
  def: ObjectDef,
  values: Record<string, unknown>,
  existing: SfRecord | null,
) {
  for (const f of def.fields.values()) {
    if (!f.valuesFrom) continue;
    const allowed = orgValues(store, f.valuesFrom);
    const given = values[f.name];
    if (!existing && (given === undefined || given === null)) {
      const fallback = allowed.find((v) => v.IsDefault) ?? allowed[0];
      if (fallback) values[f.name] = fallback.ApiName ?? fallback.MasterLabel;
    } else if (given !== undefined) {
      const value = String(given ?? '');
      if (!allowed.some((v) => v.MasterLabel === value || v.ApiName === value))
        throw restrictedPicklist(f, value);
    }
  }
}

/** An activity whose WhoId is a lead cannot also have a WhatId. */
function leadWithWhat(store: Store, values: Record<string, unknown>, existing: SfRecord | null) {
  const merged = { ...existing, ...values };
  const who = typeof merged.WhoId === 'string' ? store.typeOfId(merged.WhoId) : null;
  if (who?.name === 'Lead' && typeof merged.WhatId === 'string' && merged.WhatId !== '') {
    throw new SalesforceError(
      'FIELD_INTEGRITY_EXCEPTION',
      'Related To ID: an activity whose Name ID is a lead cannot be related to another record. Remove the Related To ID or choose a contact.',
      ['WhatId'],
    );
  }
}

/** Relations of one activity, live ones only. */
function relationsOf(store: Store, link: ActivityLink, activityId: string): SfRecord[] {
  return store.all(link.relation).filter((r) => r[link.parentField] === activityId);
}

function relationRules(store: Store, link: ActivityLink, values: Record<string, unknown>): void {
  const activityId = String(values[link.parentField] ?? '');
  const relationId = String(values.RelationId ?? '');
  const type = store.typeOfId(relationId)?.name;
  values.IsWhat = type !== 'Contact' && type !== 'Lead' && type !== 'User';
  const all = relationsOf(store, link, activityId);
  const duplicate = all.find((r) => r.RelationId === relationId);
  if (duplicate) {
    throw new SalesforceError(
      'DUPLICATE_VALUE',
      `duplicate value found: RelationId duplicates value on record with id: ${duplicate.Id}`,
      ['RelationId'],
    );
  }
  if (type !== 'Contact' && type !== 'Lead') return;
  const whos = all.filter((r) => r.IsWhat !== true).map((r) => store.typeOfId(String(r.RelationId))?.name);
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

/** The relation objects exist only with Shared Activities; without it an activity has its one WhoId. */
function sharedLink(store: Store, def: ObjectDef): ActivityLink | null {
  return def.activity && store.settings.sharedActivities ? def.activity : null;
}

export function afterCreate(store: Store, def: ObjectDef, record: SfRecord, ctx: WriteContext): void {
  const link = sharedLink(store, def);
  for (const field of link ? (['WhoId', 'WhatId'] as const) : []) {
    const id = record[field];
    if (typeof id !== 'string') continue;
    try {
      store.create(
        link!.relation,
        { [link!.parentField]: record.Id, RelationId: id },
        { userId: ctx.userId ?? null },
      );
    } catch (error) {
      // A seed may name people it does not load; a data load would skip those relations too.
      if (!ctx.seeding) throw error;
    }
  }
  if (def.name === 'ContentVersion') publishContent(store, record, ctx);
}

/** A changed WhoId or WhatId replaces the activity's relation for the old one. */
export function afterUpdate(
  store: Store,
  def: ObjectDef,
  before: SfRecord,
  after: SfRecord,
  ctx: WriteContext,
) {
  const link = sharedLink(store, def);
  if (!link) return;
  for (const field of ['WhoId', 'WhatId'] as const) {
    if (before[field] === after[field]) continue;
    const old = relationsOf(store, link, after.Id).find((r) => r.RelationId === before[field]);
    if (old) store.delete(link.relation, old.Id);
    const id = after[field];
    const present = relationsOf(store, link, after.Id).some((r) => r.RelationId === id);
    if (typeof id === 'string' && !present)
      store.create(link.relation, { [link.parentField]: after.Id, RelationId: id }, ctx);
  }
}

/** Deleting an activity deletes its relations with it. */
export function afterDelete(store: Store, def: ObjectDef, record: SfRecord): void {
  const link = sharedLink(store, def);
  if (!link) return;
  for (const r of relationsOf(store, link, record.Id)) store.delete(link.relation, r.Id);
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
