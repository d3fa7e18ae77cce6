/**
 * What the org's rules see of the store: records, settings and the schema. Rules, validation and
 * event times depend on this interface, never on the Store class, so the store can run them
 * without an import cycle.
 */
import type { FieldDef, ObjectDef } from './schema.ts';

export type SfRecord = Record<string, unknown> & { Id: string };

/** Org-wide settings a seed can set (see docs/salesforce-emulator.md). */
export interface OrgSettings {
  /** Shared Activities: TaskRelation exists, one lead or up to 50 contacts per activity. */
  sharedActivities: boolean;
  /** Enhanced Email: every message not on a Case gets its own Task; EmailMessage exists. */
  enhancedEmail: boolean;
  /** Email-to-Case: EmailMessage exists for emails on Cases, even without Enhanced Email. */
  emailToCase: boolean;
  /** Field-level security on custom fields: a user sees only what a permission set grants. */
  fieldSecurity: boolean;
  /** Whether an Activity custom field may be Unique (Salesforce does not offer it: see tooling.ts). */
  activityUniqueFields: boolean;
}

/** What a session may do with a field: nothing (absent for it), read it, or read and edit it. */
export type FieldAccess = 'hidden' | 'read' | 'edit';

/** A right on an object (object-security.ts). */
export type ObjectRight = 'read' | 'create' | 'edit' | 'delete';

/** Whether the session's user has this right on the object. */
export type ObjectAccessOf = (def: ObjectDef, right: ObjectRight) => boolean;

/** Who a write runs as (the token's user) and whether it is a data load (seed). */
export interface WriteContext {
  userId?: string | null;
  seeding?: boolean;
  /**
   * The session's access to a field, for calls from the API. Writes the org makes by itself
   * (an activity's relations, a message's Task) carry none and see every field.
   */
  access?: (def: ObjectDef, field: FieldDef) => FieldAccess;
  /** The session's object rights, for calls from the API; none: every right (object-security.ts). */
  objects?: ObjectAccessOf | undefined;
}

export interface OrgData {
  readonly objects: Map<string, ObjectDef>;
  readonly settings: OrgSettings;
  available(def: ObjectDef): boolean;
  object(name: string): ObjectDef;
  typeOfId(id: string): ObjectDef | null;
  exists(type: string, id18: string): boolean;
  all(type: string): SfRecord[];
  findById(id: string): SfRecord | null;
  create(type: string, input: Record<string, unknown>, ctx?: WriteContext): SfRecord;
  delete(type: string, id: string): void;
  patchRaw(type: string, id: string, values: Record<string, unknown>): void;
}
