/**
 * Org rules beyond field types, each one Salesforce enforces on a real org (sources in
 * docs/salesforce-emulator.md): OwnerId defaults to the running user and must be active; Task
 * Status and Priority are among the org's TaskStatus and TaskPriority values; a Lead as WhoId excludes a WhatId; with Shared
 * Activities an activity relates one lead or up to 50 contacts, the WhoId among them, each once;
 * a ContentVersion with FirstPublishLocationId is shared to that record. Activity rules follow
 * the schema's `activity`/`relationOf` links, so Event and EventRelation get them too; an
 * EventRelation is also an invitee (up to 1,000). Event times are in events.ts, Enhanced Email
 * and opportunity rules in email-rules.ts.
 */
import {
  createEmailTask,
  emailMessageRules,
  emailRelationRules,
  onePrimaryContact,
  opportunityStage,
  relateMessagePeople,
} from './email-rules.ts';
import { SalesforceError } from './errors.ts';
import { eventRules } from './events.ts';
import type { SfRecord, OrgData as Store, WriteContext } from './org.ts';
import { orgValues } from './org-values.ts';
import { dropEmptyFieldPermission, permissionRules } from './permission-rules.ts';
import type { ActivityLink, ObjectDef } from './schema.ts';
import { restrictedPicklist } from './validation.ts';

export const MAX_CONTACTS_PER_ACTIVITY = 50;
/** Invitees of one non-recurring event (Object Reference, "EventRelation"). */
export const MAX_EVENT_INVITEES = 1000;

/** Runs before a create (existing null) or update is stored; may default values or throw. */
export function beforeWrite(
  store: Store,
  def: ObjectDef,
  values: Record<string, unknown>,
  existing: SfRecord | null,
  ctx: WriteContext,
): void {
  if (def.fields.has('ownerid'))
    ownerRules(store, def.name, values, !existing && ctx.userId ? ctx.userId : null);
  orgPicklistRules(store, def, values, existing);
  if (def.activity) leadWithWhat(store, values, existing);
  if (def.name === 'Event') eventRules(values, existing);
  if (def.relationOf && !existing) relationRules(store, def.relationOf, values);
  if (def.relationOf?.whoFlag && existing) eventRelationUpdate(store, def.relationOf, values, existing);
  if (def.name === 'EmailMessage') emailMessageRules(store, values, existing);
  if (def.name === 'EmailMessageRelation' && !existing) emailRelationRules(store, values);
  permissionRules(store, def, values, existing);
}

/** OwnerId defaults (on create) to the running user, and must not be an inactive user. */
function ownerRules(
  store: Store,
  type: string,
  values: Record<string, unknown>,
  defaultOwner: string | null,
): void {
  if ((values.OwnerId === undefined || values.OwnerId === null) && defaultOwner)
    values.OwnerId = defaultOwner;
  if (typeof values.OwnerId !== 'string') return;
  const owner = store.findById(values.OwnerId);
  if (owner && store.typeOfId(owner.Id)?.name === 'User' && owner.IsActive === false) {
    throw new SalesforceError(
      'INACTIVE_OWNER_OR_USER',
      `operation performed with inactive user [${owner.Id}] as owner of ${type.toLowerCase()}`,
      [],
    );
  }
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
      // Value objects without an IsDefault flag (OpportunityStage) give no default.
      const first = allowed[0] && 'IsDefault' in allowed[0] ? allowed[0] : undefined;
      const fallback = allowed.find((v) => v.IsDefault) ?? first;
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

/** A relation being written: its activity link, the related record's type and the values to store. */
interface RelationWrite {
  store: Store;
  link: ActivityLink;
  type: string | undefined;
  values: Record<string, unknown>;
}

function relationRules(store: Store, link: ActivityLink, values: Record<string, unknown>): void {
  const activityId = String(values[link.parentField] ?? '');
  const relationId = String(values.RelationId ?? '');
  const type = store.typeOfId(relationId)?.name;
  values.IsWhat = type !== 'Contact' && type !== 'Lead' && type !== 'User';
  const write: RelationWrite = { store, link, type, values };
  if (link.whoFlag) eventRelationRoles(write, link.whoFlag);
  const all = relationsOf(store, link, activityId);
  if (!link.whoFlag) taskRelationRoles(write, all);
  const duplicate = all.find((r) => r.RelationId === relationId);
  if (duplicate) {
    throw new SalesforceError(
      'DUPLICATE_VALUE',
      `duplicate value found: RelationId duplicates value on record with id: ${duplicate.Id}`,
      ['RelationId'],
    );
  }
  relationLimits(write, all);
}

/**
 * A task relates its people (contacts and leads) and one record, its Related To (Object
 * Reference, "TaskRelation": RelationId is a contact, lead or, with IsWhat, the task's WhatId):
 * a user or a second record is refused. The code and messages are the emulator's.
 */
function taskRelationRoles({ type, values }: RelationWrite, others: SfRecord[]): void {
  const refuse = (message: string) => {
    throw new SalesforceError('FIELD_INTEGRITY_EXCEPTION', message, ['RelationId']);
  };
  if (type === 'User') refuse('A task can be related to contacts and leads, not to a user.');
  if (values.IsWhat === true && others.some((r) => r.IsWhat === true))
    refuse('A task can be related to one record (its Related To) only.');
}

/** Invitees (up to 1,000) and the activity's people (one lead or up to 50 contacts) of one activity. */
function relationLimits({ store, link, type, values }: RelationWrite, others: SfRecord[]): void {
  if (link.whoFlag && values.IsInvitee === true) {
    if (others.filter((r) => r.IsInvitee === true).length >= MAX_EVENT_INVITEES)
      throw new SalesforceError('LIMIT_EXCEEDED', `An event can have up to ${MAX_EVENT_INVITEES} invitees.`, [
        'RelationId',
      ]);
  }
  const isWho = (r: Record<string, unknown>) => (link.whoFlag ? r[link.whoFlag] === true : r.IsWhat !== true);
  if ((type !== 'Contact' && type !== 'Lead') || !isWho(values)) return;
  const whos = others.filter(isWho).map((r) => store.typeOfId(String(r.RelationId))?.name);
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

/** Turning an invitee into one of the event's people (or back) obeys the same roles and limits. */
function eventRelationUpdate(
  store: Store,
  link: ActivityLink,
  values: Record<string, unknown>,
  existing: SfRecord,
): void {
  const flag = link.whoFlag!;
  const becomes = (f: string) => values[f] === true && existing[f] !== true;
  if (!becomes(flag) && !becomes('IsInvitee')) return;
  const write: RelationWrite = {
    store,
    link,
    type: store.typeOfId(String(existing.RelationId))?.name,
    values: { ...existing, ...values },
  };
  eventRelationRoles(write, flag);
  const others = relationsOf(store, link, String(existing[link.parentField])).filter(
    (r) => r.Id !== existing.Id,
  );
  relationLimits(write, others);
}

/**
 * An EventRelation is an invitee (IsInvitee), one of the event's people (IsParent, contacts and
 * leads only, with Shared Activities) or its record (IsWhat, with Shared Activities); invitee
 * when nothing says otherwise.
 */
function eventRelationRoles({ store, type, values }: RelationWrite, whoFlag: string): void {
  if (values.IsWhat === true) {
    values[whoFlag] = false;
    values.IsInvitee = false;
  } else if (values.IsInvitee === undefined || values.IsInvitee === null) {
    values.IsInvitee = values[whoFlag] !== true;
  }
  const refuse = (message: string) => {
    throw new SalesforceError('FIELD_INTEGRITY_EXCEPTION', message, ['RelationId']);
  };
  if (type === 'User' && values[whoFlag] === true) refuse('A user can only be an invitee of an event.');
  if (!store.settings.sharedActivities && (values.IsWhat === true || values[whoFlag] === true))
    refuse('Without Shared Activities an event relation can only be an invitee.');
  if (values.IsWhat !== true && values.IsInvitee !== true && values[whoFlag] !== true)
    refuse('An event relation must be an invitee or one of the event’s people.');
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
        { [link!.parentField]: record.Id, RelationId: id, ...whoFlags(link!, field) },
        { userId: ctx.userId ?? null },
      );
    } catch (error) {
      // A seed may name people it does not load; a data load would skip those relations too.
      if (!ctx.seeding) throw error;
    }
  }
  if (def.name === 'ContentVersion') publishContent(store, record, ctx);
  if (def.name === 'EmailMessage') {
    createEmailTask(store, record, ctx);
    relateMessagePeople(store, record, ctx);
  }
  if (def.name === 'Opportunity') opportunityStage(store, record);
  if (def.name === 'OpportunityContactRole') onePrimaryContact(store, record);
  dropEmptyFieldPermission(store, def, record);
}

/** The automatic relation of an event's WhoId is one of its people, not an invitee. */
function whoFlags(link: ActivityLink, field: 'WhoId' | 'WhatId'): Record<string, unknown> {
  return link.whoFlag && field === 'WhoId' ? { [link.whoFlag]: true, IsInvitee: false } : {};
}

/** A changed WhoId or WhatId replaces the activity's relation for the old one. */
export function afterUpdate(
  store: Store,
  def: ObjectDef,
  before: SfRecord,
  after: SfRecord,
  ctx: WriteContext,
) {
  if (def.name === 'Opportunity') opportunityStage(store, after);
  if (def.name === 'OpportunityContactRole') onePrimaryContact(store, after);
  dropEmptyFieldPermission(store, def, after);
  const link = sharedLink(store, def);
  if (!link) return;
  for (const field of ['WhoId', 'WhatId'] as const) {
    if (before[field] === after[field]) continue;
    const old = relationsOf(store, link, after.Id).find((r) => r.RelationId === before[field]);
    // An event's old WhoId stays as an invitee when it was one.
    if (old && link.whoFlag && old.IsInvitee === true)
      store.patchRaw(link.relation, old.Id, { [link.whoFlag]: false });
    else if (old) store.delete(link.relation, old.Id);
    const id = after[field];
    const present = relationsOf(store, link, after.Id).find((r) => r.RelationId === id);
    if (present && link.whoFlag && field === 'WhoId')
      store.patchRaw(link.relation, present.Id, { [link.whoFlag]: true });
    else if (typeof id === 'string' && !present)
      store.create(
        link.relation,
        { [link.parentField]: after.Id, RelationId: id, ...whoFlags(link, field) },
        { userId: ctx.userId ?? null },
      );
  }
}

/** Deleting an activity deletes its relations (an event's invitees too), a message its relations. */
export function afterDelete(store: Store, def: ObjectDef, record: SfRecord): void {
  if (def.name === 'EmailMessage') {
    for (const r of store.all('EmailMessageRelation').filter((r) => r.EmailMessageId === record.Id))
      store.delete('EmailMessageRelation', r.Id);
  }
  const link = def.activity;
  const relationDef = link ? store.objects.get(link.relation.toLowerCase()) : undefined;
  if (!link || !relationDef || !store.available(relationDef)) return;
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
      { userId: ctx.userId ?? null },
    );
  }
}
