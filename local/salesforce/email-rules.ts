/**
 * Enhanced Email and opportunity rules (Object Reference: "EmailMessage", "EmailMessageRelation",
 * "OpportunityContactRole", "Opportunity"):
 * - ActivityId can be given only for emails on cases (ParentId); for other messages the org
 *   creates the Task itself and sets ActivityId, so a client must not create a second Task.
 * - Without Enhanced Email, EmailMessage exists for Email-to-Case only: a message must be on a
 *   Case (ParentId).
 * - ToIds, CcIds and BccIds (JunctionIdList) relate the message to Contacts, Leads and Users:
 *   each id becomes an EmailMessageRelation row of that type.
 * - A message that is not a draft (Status 5) takes updates only to IsExternallyVisible, custom
 *   fields and Status from New (0) to Read (1).
 * - An EmailMessageRelation names a person (RelationId) or an address (RelationAddress);
 *   RelationAddress and RelationObjectType are filled from the person.
 * - Opportunity IsClosed/IsWon follow the stage's OpportunityStage record; one primary contact
 *   role per opportunity.
 */
import { cutText } from '#shared/domain/text-limit.ts';
import { SalesforceError } from './errors.ts';
import { formatDateTime } from './events.ts';
import type { SfRecord, OrgData as Store, WriteContext } from './org.ts';
import { orgValues } from './org-values.ts';

type Values = Record<string, unknown>;
const given = (v: unknown) => v !== undefined && v !== null && v !== '';

export function emailMessageRules(store: Store, values: Values, existing: SfRecord | null): void {
  if (!existing) {
    if (!store.settings.enhancedEmail && !given(values.ParentId))
      throw new SalesforceError(
        'REQUIRED_FIELD_MISSING',
        'Required fields are missing: [ParentId] (without Enhanced Email an email message belongs to a case)',
        ['ParentId'],
      );
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
      Subject: given(message.Subject) ? cutText(String(message.Subject), 255) : null,
      // The Task's Description holds 32,000 characters; the message's body may be longer.
      Description: given(message.TextBody) ? cutText(String(message.TextBody), 32_000) : null,
      TaskSubtype: 'Email',
      ...(closed ? { Status: closed.ApiName ?? closed.MasterLabel } : {}),
      ActivityDate: when.slice(0, 10),
      WhatId: given(message.RelatedToId) ? message.RelatedToId : null,
    },
    { userId: ctx.userId ?? null, seeding: ctx.seeding },
  );
  message.ActivityId = task.Id;
}

const JUNCTIONS = { ToIds: 'ToAddress', CcIds: 'CcAddress', BccIds: 'BccAddress' } as const;

/** The people of ToIds, CcIds and BccIds become the message's EmailMessageRelation rows. */
export function relateMessagePeople(store: Store, message: SfRecord, ctx: WriteContext): void {
  for (const [field, RelationType] of Object.entries(JUNCTIONS)) {
    const ids = message[field];
    if (!Array.isArray(ids)) continue;
    for (const RelationId of ids)
      store.create(
        'EmailMessageRelation',
        { EmailMessageId: message.Id, RelationId, RelationType },
        { userId: ctx.userId ?? null, seeding: ctx.seeding },
      );
  }
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
