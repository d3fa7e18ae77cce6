/**
 * What a session's user may do with each object, for the user Salesforce recommends for an
 * integration: one with the "Minimum Access - API Only Integrations" profile (Salesforce Help,
 * "Give Integration Users API Only Access": the profile "restricts assigned users to operate via
 * API"; users with it "also have access to objects that all users have access to"; more access
 * comes from permission sets).
 *
 * - An object with object permissions (Account, Contact, Lead, Opportunity, Order, Case) is
 *   readable, creatable, editable or deletable only as a permission set assigned to the user grants
 *   it (Object Reference, "ObjectPermissions"; View All implies Read, Modify All every right).
 *   Without Read the object does not exist for the user: its describe is NOT_FOUND and a query on
 *   it INVALID_TYPE, as for an object the org lacks.
 * - OpportunityContactRole follows Opportunity (it has no object permissions of its own).
 * - Tasks, Events, their relations and messages have no object permissions: everyone reads them,
 *   and writing them takes the user permission Edit Tasks (Tasks, their relations, messages) or
 *   Edit Events (Events and their relations), a permission set's PermissionsEditTask or
 *   PermissionsEditEvent (Object Reference, "PermissionSet").
 * - Every other object (User, setup values, Files, permission sets) is open to the user.
 *
 * Users with any other profile (or none named) keep every object right: the emulator models the
 * API-only profile, where a missing grant shows, and not the grants of each standard profile.
 */
import type { ObjectAccessOf, ObjectRight, OrgData } from './org.ts';
import { assignedPermissionSets } from './permission-rules.ts';
import { PERMISSIONABLE_OBJECTS } from './schema.ts';

export const API_ONLY_PROFILE = 'Minimum Access - API Only Integrations';

/** The user permission that decides writes to each activity object. */
const ACTIVITY_PERMISSION: Record<string, 'PermissionsEditTask' | 'PermissionsEditEvent'> = {
  Task: 'PermissionsEditTask',
  TaskRelation: 'PermissionsEditTask',
  EmailMessage: 'PermissionsEditTask',
  EmailMessageRelation: 'PermissionsEditTask',
  Event: 'PermissionsEditEvent',
  EventRelation: 'PermissionsEditEvent',
};

/** Objects whose access is another object's. */
const FOLLOWS: Record<string, string> = { OpportunityContactRole: 'Opportunity' };

/** ObjectPermissions fields that grant each right. */
const GRANTED_BY: Record<ObjectRight, string[]> = {
  read: ['PermissionsRead', 'PermissionsViewAllRecords', 'PermissionsModifyAllRecords'],
  create: ['PermissionsCreate', 'PermissionsModifyAllRecords'],
  edit: ['PermissionsEdit', 'PermissionsModifyAllRecords'],
  delete: ['PermissionsDelete', 'PermissionsModifyAllRecords'],
};

/** The user's object rights, or undefined when the user keeps every right (see above). */
export function objectAccessFor(store: OrgData, userId: string | null): ObjectAccessOf | undefined {
  if (!userId || !hasApiOnlyProfile(store, userId)) return undefined;
  let sets: Set<string> | null = null;
  const assigned = () => (sets ??= assignedPermissionSets(store, userId));
  return (def, right) => {
    const permission = ACTIVITY_PERMISSION[def.name];
    if (permission) {
      if (right === 'read') return true;
      return store.all('PermissionSet').some((p) => assigned().has(p.Id) && p[permission] === true);
    }
    const object = FOLLOWS[def.name] ?? def.name;
    if (!PERMISSIONABLE_OBJECTS.includes(object)) return true;
    return store
      .all('ObjectPermissions')
      .some(
        (p) =>
          assigned().has(String(p.ParentId)) &&
          p.SobjectType === object &&
          GRANTED_BY[right].some((field) => p[field] === true),
      );
  };
}

function hasApiOnlyProfile(store: OrgData, userId: string): boolean {
  const user = store.findById(userId);
  const profile = user?.ProfileId ? store.findById(String(user.ProfileId)) : null;
  return profile?.Name === API_ONLY_PROFILE;
}

/** The username of a fresh org's integration user. */
export const INTEGRATION_USERNAME = 'integration@capture.localhost';

/**
 * A new org's integration user, made as Salesforce recommends for the client credentials flow
 * ("Give Integration Users API Only Access"): a user of its own on the API-only profile, so every
 * object right must come from a permission set. Kept when the org has it already.
 */
export function addIntegrationUser(store: OrgData): void {
  if (integrationUserOf(store)) return;
  const existing = store.all('Profile').find((p) => p.Name === API_ONLY_PROFILE);
  const profile = existing ?? store.create('Profile', { Name: API_ONLY_PROFILE }, { seeding: true });
  store.create(
    'User',
    {
      Username: INTEGRATION_USERNAME,
      Email: INTEGRATION_USERNAME,
      FirstName: 'Capture',
      LastName: 'Integration',
      Alias: 'capture',
      ProfileId: profile.Id,
    },
    { seeding: true },
  );
}

/** The org's integration user's username, when it has one (a fresh org, or one saved from it). */
export function integrationUserOf(store: OrgData): string | null {
  const user = store.all('User').find((u) => u.Username === INTEGRATION_USERNAME);
  return user ? INTEGRATION_USERNAME : null;
}
