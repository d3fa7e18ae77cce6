/**
 * Enhanced Email and opportunity rules (Object Reference: "EmailMessage", "EmailMessageRelation",
 * "OpportunityContactRole", "Opportunity"):
 * - ActivityId can be given only for emails on cases (ParentId); for other messages the org
 *   creates the Task itself and sets ActivityId, so a client must not create a second Task.
 * - A message that is not a draft (Status 5) takes updates only to IsExternallyVisible, custom
 *   fields and Status from New (0) to Read (1).
 * - An EmailMessageRelation names a person (RelationId) or an address (RelationAddress);
 *   RelationAddress and RelationObjectType are filled from the person.
 * - Opportunity IsClosed/IsWon follow the stage's OpportunityStage record; one primary contact
 *   role per opportunity.
 */
import { SalesforceError } from './errors.ts';
import { formatDateTime } from './events.ts';
import { orgValues } from './rules.ts';
import type { SfRecord, Store, WriteContext } from './store.ts';

type Values = Record<string, unknown>;
const given = (v: unknown) => v !== undefined && v !== null && v !== '';

export function emailMessageRules(store: Store, values: Values, existing: SfRecord | null): void {
  if (!existing) {
    if (given(values.ActivityId) && !given(values.ParentId))
      throw new SalesforceError(
        'FIELD_INTEGRITY_EXCEPTION',
        'ActivityId can only be specified for emails on cases; for other emails the activity is created automatically',
        ['ActivityId'],
      );
    return;
  }
  if (existing.Status === '5') return;
  for (const [field, value] of Object.entries(values)) {
    const f = store.object('EmailMessage').fields.get(field.toLowerCase());
    if (field === 'IsExternallyVisible' || f?.custom) continue;
    if (field === 'Status' && (value === existing.Status || (existing.Status === '0' && value === '1')))
      continue;
    throw new SalesforceError(
      'INSUFFICIENT_ACCESS_OR_READONLY',
      `An email message that is not a draft can't be changed (${field}); only IsExternallyVisible, custom fields and Status from New to Read`,
      [field],
    );
  }
}

/** Enhanced Email: the org files each message (not on a case) as a Task of subtype Email. */
export function createEmailTask(store: Store, message: SfRecord, ctx: WriteContext): void {
  if (given(message.ParentId) || given(message.ActivityId) || !store.settings.enhancedEmail) return;
  const closed = orgValues(store, 'TaskStatus').find((s) => (s as { IsClosed?: boolean }).IsClosed);
  const when = given(message.MessageDate) ? String(message.MessageDate) : formatDateTime(Date.now());
  const task = store.create(
    'Task',
    {
      Subject: given(message.Subject) ? String(message.Subject).slice(0, 255) : null,
      Description: given(message.TextBody) ? String(message.TextBody) : null,
      TaskSubtype: 'Email',
      ...(closed ? { Status: closed.ApiName ?? closed.MasterLabel } : {}),
      ActivityDate: when.slice(0, 10),
      WhatId: given(message.RelatedToId) ? message.RelatedToId : null,
    },
    { userId: ctx.userId ?? null, seeding: ctx.seeding },
  );
  message.ActivityId = task.Id;
}

export function emailRelationRules(store: Store, values: Values): void {
  if (!given(values.RelationId) && !given(values.RelationAddress))
    throw new SalesforceError(
      'REQUIRED_FIELD_MISSING',
      'Required fields are missing: [RelationId or RelationAddress]',
      ['RelationId', 'RelationAddress'],
    );
  if (!given(values.RelationId)) return;
  const person = store.findById(String(values.RelationId));
  values.RelationObjectType = person ? (store.typeOfId(person.Id)?.name ?? null) : null;
  if (!given(values.RelationAddress) && person) values.RelationAddress = person.Email ?? null;
}

/** IsClosed and IsWon come from the stage; seeded stages outside the org's list count as open. */
export function opportunityStage(store: Store, record: SfRecord): void {
  const stage = orgValues(store, 'OpportunityStage').find(
    (s) => s.ApiName === record.StageName || s.MasterLabel === record.StageName,
  ) as { IsClosed?: boolean; IsWon?: boolean } | undefined;
  record.IsClosed = stage?.IsClosed === true;
  record.IsWon = stage?.IsWon === true;
}

/** Each opportunity has one primary contact: a new primary replaces the old one. */
export function onePrimaryContact(store: Store, role: SfRecord): void {
  if (role.IsPrimary !== true) return;
  for (const other of store.all('OpportunityContactRole')) {
    if (other.Id !== role.Id && other.OpportunityId === role.OpportunityId && other.IsPrimary === true)
      store.patchRaw('OpportunityContactRole', other.Id, { IsPrimary: false });
  }
}
