/**
 * Tooling API: creating a custom field (CustomField with FullName and Metadata), once per name.
 * Types: Text (default), LongTextArea and Number; an Activity field exists on Task and Event.
 * The object must exist in the org (EmailMessage only with Enhanced Email or Email-to-Case).
 * Salesforce documents Unique among the attributes of custom fields but not for activity fields
 * (Task and Event share theirs through Activity); the emulator refuses Unique there unless the
 * org says otherwise, so Capture is tested with a non-unique external id.
 * A new field carries no field-level security: with it on, nobody sees the field until a
 * permission set grants it (field-security.ts).
 */
import { SalesforceError } from './errors.ts';
import type { Store } from './store.ts';

export function createCustomField(store: Store, body: unknown) {
  const input = (body ?? {}) as {
    FullName?: string;
    Metadata?: {
      label?: string;
      type?: string;
      length?: number;
      precision?: number;
      scale?: number;
      externalId?: boolean;
      unique?: boolean;
    };
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
  for (const name of objects) {
    const def = store.objects.get(name.toLowerCase());
    if (!def || !store.available(def) || def.tooling || def.readOnly)
      throw new SalesforceError('INVALID_TYPE', `sObject type '${table}' is not supported.`, ['FullName']);
  }
  const meta = input.Metadata ?? {};
  if (table === 'Activity' && meta.unique === true && !store.settings.activityUniqueFields)
    throw new SalesforceError(
      'FIELD_INTEGRITY_EXCEPTION',
      'Unique is not available for activity custom fields',
      ['Metadata'],
    );
  store.addCustomField(objects, {
    name: field,
    label: meta.label ?? developerName,
    ...fieldType(meta),
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

/** Metadata API field types: Text and LongTextArea take a length, Number a precision and scale. */
function fieldType(meta: { type?: string; length?: number; precision?: number; scale?: number }) {
  if (meta.type === 'Number') {
    const precision = meta.precision ?? 18;
    const scale = meta.scale ?? 0;
    if (precision < 1 || precision > 18 || scale < 0 || scale > precision)
      throw new SalesforceError(
        'FIELD_INTEGRITY_EXCEPTION',
        'Number fields take precision 1–18 and scale 0–precision',
        ['Metadata'],
      );
    return { type: 'double' as const, precision, scale };
  }
  if (meta.type && meta.type !== 'Text' && meta.type !== 'LongTextArea')
    throw new SalesforceError('FIELD_INTEGRITY_EXCEPTION', `Unsupported field type: ${meta.type}`, [
      'Metadata',
    ]);
  return {
    type: meta.type === 'LongTextArea' ? ('textarea' as const) : ('string' as const),
    length: meta.length ?? 255,
  };
}
