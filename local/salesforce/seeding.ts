/**
 * Loads seed data the way a data load into a sandbox would: explicit Ids are kept, read-only
 * fields (OrderNumber) may be set, required fields may be missing, references need not exist
 * yet, and objects or fields the emulator does not know are added to its describe.
 *
 * Org settings come from an "Organization" entry, e.g.
 *   "Organization": [{ "SharedActivitiesEnabled": false, "EnhancedEmailEnabled": false,
 *                      "EmailToCaseEnabled": true, "FieldSecurityEnabled": true }]
 * Shared Activities and Enhanced Email are on when not given (as in current orgs); Email-to-Case
 * is off; field-level security on custom fields is off (on in a fresh org, see server.ts);
 * "ActivityUniqueFieldsAllowed": true lets an Activity custom field be Unique. OpportunityStage records define the stages. TaskStatus and TaskPriority records define the
 * task statuses and priorities; a seed without them gets Salesforce's defaults.
 */
import { SalesforceError } from './errors.ts';
import { ID_PATTERN } from './ids.ts';
import { type ObjectDef, ORG_PICKLIST_DEFAULTS, SEED_ORDER } from './schema.ts';
import type { SeedData, Store } from './store.ts';

export function seedStore(store: Store, data: SeedData): Record<string, string[]> {
  applySettings(store, data.Organization);
  const ids: Record<string, string[]> = {};
  const types = [
    ...SEED_ORDER.filter((t) => data[t]),
    ...Object.keys(data).filter((t) => !SEED_ORDER.includes(t) && t !== 'Organization'),
  ];
  for (const type of types) {
    if (!store.objects.has(type.toLowerCase())) store.addObject(type);
    const def = store.object(type);
    for (const raw of data[type] ?? []) {
      const id = seedRecord(store, def, raw);
      const list = ids[type] ?? [];
      list.push(id);
      ids[type] = list;
    }
  }
  for (const [object, defaults] of Object.entries(ORG_PICKLIST_DEFAULTS)) {
    if (store.all(object).length > 0) continue;
    for (const row of defaults) store.create(object, { ...row }, { seeding: true });
  }
  return ids;
}

function applySettings(store: Store, rows: Record<string, unknown>[] | undefined): void {
  const org = rows?.[0];
  if (!org) return;
  if (typeof org.SharedActivitiesEnabled === 'boolean')
    store.settings.sharedActivities = org.SharedActivitiesEnabled;
  if (typeof org.EnhancedEmailEnabled === 'boolean') store.settings.enhancedEmail = org.EnhancedEmailEnabled;
  if (typeof org.EmailToCaseEnabled === 'boolean') store.settings.emailToCase = org.EmailToCaseEnabled;
  if (typeof org.FieldSecurityEnabled === 'boolean') store.settings.fieldSecurity = org.FieldSecurityEnabled;
  if (typeof org.ActivityUniqueFieldsAllowed === 'boolean')
    store.settings.activityUniqueFields = org.ActivityUniqueFieldsAllowed;
}

function seedRecord(store: Store, def: ObjectDef, raw: Record<string, unknown>): string {
  const record: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'attributes') continue;
    record[k] = typeof v === 'string' && v.startsWith('@') ? resolveRef(store, v) : v;
    if (!def.fields.has(k.toLowerCase())) addSeedField(store, def, k, record[k]);
  }
  if (def.name === 'User' && !record.Username && typeof record.Email === 'string')
    record.Username = record.Email;
  const created = store.create(def.name, record, { seeding: true });
  const readOnly: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    const f = def.fields.get(k.toLowerCase());
    if (f && f.name !== 'Id' && f.createable === false && f.name !== 'Name') readOnly[f.name] = v;
  }
  store.patchRaw(def.name, created.Id, readOnly);
  return created.Id;
}

function addSeedField(store: Store, def: ObjectDef, name: string, value: unknown): void {
  const type = typeof value === 'boolean' ? 'boolean' : typeof value === 'number' ? 'double' : 'string';
  const reference =
    typeof value === 'string' && /Id$/.test(name) && ID_PATTERN.test(value) ? store.typeOfId(value) : null;
  store.addCustomField(
    [def.name],
    reference
      ? { name, type: 'reference', referenceTo: [reference.name], relationshipName: name.replace(/Id$/, '') }
      : { name, type, length: 255, custom: name.endsWith('__c') },
  );
}

function resolveRef(store: Store, ref: string): string {
  const m = /^@([A-Za-z]+):(.+)$/.exec(ref);
  if (!m) return ref;
  const [, type, key] = m;
  const match = store
    .all(type!)
    .find((r) =>
      ['Name', 'Email', 'Username', 'OrderNumber', 'LastName'].some(
        (f) => typeof r[f] === 'string' && (r[f] as string).toLowerCase() === key!.toLowerCase(),
      ),
    );
  if (!match)
    throw new SalesforceError('INVALID_CROSS_REFERENCE_KEY', `seed reference ${ref} matches no record`);
  return match.Id;
}
