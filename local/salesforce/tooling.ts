/** Tooling API: creating a custom field (CustomField with FullName and Metadata), once per name. */
import { SalesforceError } from './errors.ts';
import type { Store } from './store.ts';

export function createCustomField(store: Store, body: unknown) {
  const input = (body ?? {}) as {
    FullName?: string;
    Metadata?: { label?: string; type?: string; length?: number; externalId?: boolean; unique?: boolean };
  };
  const fullName = input.FullName ?? '';
  const m = /^([A-Za-z0-9_]+)\.([A-Za-z0-9_]+__c)$/.exec(fullName);
  if (!m) throw new SalesforceError('INVALID_FIELD', `FullName: invalid value: ${fullName}`, ['FullName']);
  const [, table, field] = m as unknown as [string, string, string];
  const developerName = field.replace(/__c$/, '');
  if (
    store
      .all('CustomField')
      .some(
        (f) =>
          f.TableEnumOrId === table && String(f.DeveloperName).toLowerCase() === developerName.toLowerCase(),
      )
  ) {
    throw new SalesforceError('DUPLICATE_DEVELOPER_NAME', `This field name is already in use: ${field}`, []);
  }
  const objects = table === 'Activity' ? ['Task', 'Event'] : [table];
  const meta = input.Metadata ?? {};
  store.addCustomField(objects, {
    name: field,
    label: meta.label ?? developerName,
    type: meta.type === 'LongTextArea' ? 'textarea' : 'string',
    length: meta.length ?? 255,
    externalId: meta.externalId === true,
    unique: meta.unique === true,
  });
  const record = store.create(
    'CustomField',
    { DeveloperName: developerName, TableEnumOrId: table, FullName: fullName },
    { seeding: true },
  );
  return { id: record.Id, success: true, errors: [], warnings: [], infos: [] };
}
