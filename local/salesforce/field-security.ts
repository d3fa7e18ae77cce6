/**
 * What a session's user may do with each field (Object Reference, "FieldPermissions": "To grant
 * a user access to a field, associate a FieldPermissions record with a PermissionSet that's
 * assigned to a user"; PermissionsEdit "requires PermissionsRead").
 *
 * - A field that exists only with an org setting (EventRelation.IsParent without Shared
 *   Activities) is hidden from everyone.
 * - With field-level security on (a fresh org), a custom field is hidden from a user until a
 *   permission set assigned to them grants read, and read-only until it grants edit, whoever
 *   created the field: a field made through the Tooling API has no access granted.
 * - Standard fields stay as the profile gives them (visible); field-level security off (the
 *   default org) shows every custom field to everyone.
 */
import type { FieldAccess, OrgData } from './org.ts';
import { assignedPermissionSets } from './permission-rules.ts';
import type { FieldDef, ObjectDef } from './schema.ts';

export function fieldAccessFor(
  store: OrgData,
  userId: string | null,
): (def: ObjectDef, field: FieldDef) => FieldAccess {
  let grants: Map<string, FieldAccess> | null = null;
  return (def, field) => {
    if (field.requires === 'sharedActivities' && !store.settings.sharedActivities) return 'hidden';
    if (!store.settings.fieldSecurity || field.custom !== true) return 'edit';
    grants ??= grantsOf(store, userId);
    return grants.get(`${def.name}.${field.name}`.toLowerCase()) ?? 'hidden';
  };
}

/** Field → the best access any permission set assigned to the user grants. */
function grantsOf(store: OrgData, userId: string | null): Map<string, FieldAccess> {
  const out = new Map<string, FieldAccess>();
  if (!userId) return out;
  const sets = assignedPermissionSets(store, userId);
  for (const p of store.all('FieldPermissions')) {
    if (!sets.has(String(p.ParentId)) || p.PermissionsRead !== true) continue;
    const key = String(p.Field).toLowerCase();
    if (p.PermissionsEdit === true) out.set(key, 'edit');
    else if (!out.has(key)) out.set(key, 'read');
  }
  return out;
}
