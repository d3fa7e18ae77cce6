/**
 * Permission sets and what they grant (Object Reference: "PermissionSet", "ObjectPermissions",
 * "FieldPermissions", "PermissionSetAssignment"):
 * - a PermissionSet's Name is an API name (letters, digits and single underscores, starting with
 *   a letter), unique in the org;
 * - ObjectPermissions: one row per permission set and object; Create, Edit and View All need
 *   Read, Delete needs Read and Edit, Modify All needs all of them;
 * - FieldPermissions: SobjectType and Field are restricted picklists of the org's objects and
 *   fields, Field prefixed with its SobjectType; PermissionsEdit "requires PermissionsRead"; a
 *   row left without PermissionsRead "will be deleted"; one row per permission set and field;
 * - PermissionSetAssignment: a permission set is assigned to a user once.
 * Error codes the documentation does not give are the emulator's choice (see the table in
 * docs/salesforce-emulator.md).
 */
import { SalesforceError } from './errors.ts';
import type { OrgData, SfRecord } from './org.ts';
import type { ObjectDef } from './schema.ts';

type Values = Record<string, unknown>;

const API_NAME = /^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*$/;

/** Rights an object right depends on ("Permission Create Contact depends on permission(s): Read Contact"). */
const DEPENDS: Record<string, string[]> = {
  PermissionsCreate: ['PermissionsRead'],
  PermissionsEdit: ['PermissionsRead'],
  PermissionsViewAllRecords: ['PermissionsRead'],
  PermissionsDelete: ['PermissionsRead', 'PermissionsEdit'],
  PermissionsModifyAllRecords: [
    'PermissionsRead',
    'PermissionsEdit',
    'PermissionsDelete',
    'PermissionsViewAllRecords',
  ],
};

export function permissionRules(store: OrgData, def: ObjectDef, values: Values, existing: SfRecord | null) {
  const merged = { ...existing, ...values };
  if (def.name === 'PermissionSet') permissionSetName(store, merged, existing);
  if (def.name === 'ObjectPermissions') {
    dependencies(merged, DEPENDS, String(merged.SobjectType));
    if (!existing) once(store, def.name, merged, ['ParentId', 'SobjectType']);
  }
  if (def.name === 'FieldPermissions') {
    if (!existing) fieldOfObject(store, merged);
    dependencies(merged, { PermissionsEdit: ['PermissionsRead'] }, String(merged.Field));
    if (!existing) once(store, def.name, merged, ['ParentId', 'Field']);
  }
  if (def.name === 'PermissionSetAssignment' && !existing)
    once(store, def.name, merged, ['AssigneeId', 'PermissionSetId']);
}

/** Ids of the permission sets assigned to the user (what their field and object access comes from). */
export function assignedPermissionSets(store: OrgData, userId: string): Set<string> {
  return new Set(
    store
      .all('PermissionSetAssignment')
      .filter((a) => a.AssigneeId === userId)
      .map((a) => String(a.PermissionSetId)),
  );
}

/** A FieldPermissions row that no longer grants read is removed, as Salesforce does. */
export function dropEmptyFieldPermission(store: OrgData, def: ObjectDef, record: SfRecord): void {
  if (def.name === 'FieldPermissions' && record.PermissionsRead !== true)
    store.delete('FieldPermissions', record.Id);
}

function permissionSetName(store: OrgData, values: Values, existing: SfRecord | null): void {
  const name = String(values.Name ?? '');
  if (!API_NAME.test(name) || name.endsWith('_'))
    throw new SalesforceError(
      'FIELD_INTEGRITY_EXCEPTION',
      `API Name: ${name} can only contain underscores and alphanumeric characters, must begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores`,
      ['Name'],
    );
  const clash = store
    .all('PermissionSet')
    .find((p) => p.Id !== existing?.Id && String(p.Name).toLowerCase() === name.toLowerCase());
  if (clash)
    throw new SalesforceError('DUPLICATE_DEVELOPER_NAME', `The API Name ${name} is already in use`, ['Name']);
}

function dependencies(values: Values, depends: Record<string, string[]>, what: string): void {
  for (const [right, needs] of Object.entries(depends)) {
    if (values[right] !== true) continue;
    const missing = needs.filter((n) => values[n] !== true);
    if (missing.length > 0)
      throw new SalesforceError(
        'FIELD_INTEGRITY_EXCEPTION',
        `Permission ${label(right)} ${what} depends on permission(s): ${missing.map((m) => `${label(m)} ${what}`).join(', ')}`,
        [right],
      );
  }
}

const label = (right: string) => right.replace(/^Permissions/, '').replace(/AllRecords$/, ' All');

/** Field is "SobjectType.FieldName" of a field the object has (restricted picklists). */
function fieldOfObject(store: OrgData, values: Values): void {
  const type = String(values.SobjectType ?? '');
  const def = store.objects.get(type.toLowerCase());
  if (!def || !store.available(def) || def.tooling) throw restricted('SobjectType', type);
  const field = String(values.Field ?? '');
  const [prefix, name, ...rest] = field.split('.');
  const target = name ? def.fields.get(name.toLowerCase()) : undefined;
  if (
    prefix?.toLowerCase() !== def.name.toLowerCase() ||
    rest.length > 0 ||
    !target ||
    !permissionable(target)
  )
    throw restricted('Field', field);
  values.SobjectType = def.name;
  values.Field = `${def.name}.${target.name}`;
}

/** Fields with field-level security: not the system fields, required ones or the record's Id. */
function permissionable(f: { name: string; required?: boolean; createable?: boolean; custom?: boolean }) {
  if (f.custom) return true;
  return f.required !== true && f.createable !== false && !['Id', 'OwnerId'].includes(f.name);
}

const restricted = (field: string, value: string) =>
  new SalesforceError(
    'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    `${field}: bad value for restricted picklist field: ${value}`,
    [field],
  );

/** At most one row with these values (a permission set per object, field or user). */
function once(store: OrgData, type: string, values: Values, keys: string[]): void {
  const same = (r: SfRecord) => keys.every((k) => String(r[k] ?? '') === String(values[k] ?? ''));
  const clash = store.all(type).find(same);
  if (clash)
    throw new SalesforceError(
      'DUPLICATE_VALUE',
      `duplicate value found: ${keys.join(', ')} duplicates value on record with id: ${clash.Id}`,
      keys,
    );
}
