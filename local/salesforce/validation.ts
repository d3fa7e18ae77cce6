/**
 * Field-level validation on write, as Salesforce does it: unknown fields (and fields the session
 * may not see), create/update permission and field-level security, types, lengths, restricted
 * picklists, e-mail syntax, reference types and targets, required fields. Errors carry
 * Salesforce's error codes and messages.
 */
import { SalesforceError } from './errors.ts';
import { ID_PATTERN, to18 } from './ids.ts';
import type { FieldAccess, OrgData as Store } from './org.ts';
import type { FieldDef, ObjectDef } from './schema.ts';

/**
 * Returns the values to store. `rules` runs after each field is coerced and before required
 * fields are checked, so it may default fields (OwnerId) or refuse combinations.
 */
export function validateInput(
  store: Store,
  def: ObjectDef,
  input: Record<string, unknown>,
  how: {
    mode: 'create' | 'update';
    seeding: boolean;
    /** The session's field access (API calls); writes the org makes itself carry none. */
    access?: ((def: ObjectDef, field: FieldDef) => FieldAccess) | undefined;
  },
  rules: (values: Record<string, unknown>) => void,
): Record<string, unknown> {
  const { mode, seeding, access } = how;
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key === 'attributes') continue;
    const f = def.fields.get(key.toLowerCase());
    const level = f && access ? access(def, f) : 'edit';
    if (!f || level === 'hidden')
      throw new SalesforceError('INVALID_FIELD', `No such column '${key}' on sobject of type ${def.name}`, [
        key,
      ]);
    if (f.name === 'Id' && (mode === 'update' || seeding)) continue;
    const allowed = (mode === 'create' ? f.createable !== false : f.updateable !== false) && level === 'edit';
    if (!allowed && !seeding) {
      throw new SalesforceError(
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to create/update fields: ${f.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        [f.name],
      );
    }
    values[f.name] = seeding && f.type === 'reference' ? seedReference(value) : coerce(store, f, value);
  }
  if (seeding) return values;
  rules(values);
  checkRequired(def, values, mode);
  return values;
}

function checkRequired(def: ObjectDef, values: Record<string, unknown>, mode: 'create' | 'update'): void {
  const blank = (v: unknown) => v === undefined || v === null || v === '';
  const missing =
    mode === 'create'
      ? [...def.fields.values()].filter(
          (f) => f.required && f.defaultValue === undefined && blank(values[f.name]),
        )
      : Object.keys(values)
          .map((k) => def.fields.get(k.toLowerCase())!)
          .filter((f) => f.required && values[f.name] !== undefined && blank(values[f.name]));
  if (missing.length > 0) {
    const names = missing.map((f) => f.name);
    throw new SalesforceError(
      'REQUIRED_FIELD_MISSING',
      `Required fields are missing: [${names.join(', ')}]`,
      names,
    );
  }
}

/** Seeds may reference records by 15- or 18-character id, loaded later or not at all. */
function seedReference(value: unknown): unknown {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) return value ?? null;
  return to18(value) ?? to18(value.slice(0, 15));
}

const jsonError = (f: FieldDef, message: string) =>
  new SalesforceError('JSON_PARSER_ERROR', message, [f.name]);

export function coerce(store: Store, f: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (f.type) {
    case 'string':
    case 'email':
    case 'textarea':
    case 'picklist':
      return coerceText(f, value);
    case 'boolean':
      if (typeof value !== 'boolean')
        throw jsonError(f, `Cannot deserialize instance of boolean from ${typeof value} value`);
      return value;
    case 'int':
    case 'double':
      return coerceNumber(f, value);
    case 'date':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value))
        throw jsonError(
          f,
          `Cannot deserialize value of type date from String "${String(value)}": expected format "yyyy-MM-dd"`,
        );
      return value;
    case 'datetime':
      return coerceDateTime(f, value);
    case 'base64':
      if (typeof value !== 'string') throw jsonError(f, 'base64 field expects a string');
      return value;
    case 'reference':
      return coerceReference(store, f, value);
    case 'junctionidlist':
      if (!Array.isArray(value)) throw jsonError(f, `${f.name} expects an array of ids`);
      return [...new Set(value.map((v) => coerceReference(store, f, v)))];
    default:
      return value;
  }
}

function coerceNumber(f: FieldDef, value: unknown): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  if (!Number.isFinite(n))
    throw jsonError(f, `Cannot deserialize value of type number from "${String(value)}"`);
  const scale = f.type === 'int' ? 0 : (f.scale ?? null);
  const value2 = scale === null ? n : scale === 0 ? Math.round(n) : Number(n.toFixed(scale));
  if (
    f.precision !== undefined &&
    Math.abs(Math.trunc(value2)).toString().length > f.precision - (scale ?? 0)
  ) {
    throw new SalesforceError(
      'NUMBER_OUTSIDE_VALID_RANGE',
      `${f.label ?? f.name}: value outside of valid range on numeric field: ${String(value)}`,
      [f.name],
    );
  }
  return value2;
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** ISO 8601 date-times, with or without zone (UTC then), kept in Salesforce's format. */
function coerceDateTime(f: FieldDef, value: unknown): string {
  const s = String(value);
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(s) ? s : `${s}Z`;
  const ms = DATETIME.test(s) ? Date.parse(zoned.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : Number.NaN;
  if (typeof value !== 'string' || Number.isNaN(ms))
    throw jsonError(
      f,
      `Cannot deserialize value of type datetime from String "${s}": expected format "yyyy-MM-ddTHH:mm:ss.SSSZ"`,
    );
  return new Date(ms).toISOString().replace('Z', '+0000');
}

function coerceText(f: FieldDef, value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number')
    throw jsonError(f, `Cannot deserialize instance of string from ${typeof value} value`);
  const s = String(value);
  if (f.length && s.length > f.length) {
    throw new SalesforceError(
      'STRING_TOO_LONG',
      `${f.label ?? f.name}: data value too large: ${s.slice(0, 40)}... (max length=${f.length})`,
      [f.name],
    );
  }
  if (f.type === 'picklist' && f.restrictedPicklist && f.picklist && !f.picklist.includes(s)) {
    throw restrictedPicklist(f, s);
  }
  if (f.type === 'email' && s !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s)) {
    throw new SalesforceError('INVALID_EMAIL_ADDRESS', `${f.name}: invalid email address: ${s}`, [f.name]);
  }
  return s;
}

export function restrictedPicklist(f: FieldDef, value: string): SalesforceError {
  return new SalesforceError(
    'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
    `${f.label ?? f.name}: bad value for restricted picklist field: ${value}`,
    [f.name],
  );
}

function coerceReference(store: Store, f: FieldDef, value: unknown): string {
  const id = typeof value === 'string' ? to18(value) : null;
  if (!id || !ID_PATTERN.test(String(value)))
    throw new SalesforceError(
      'MALFORMED_ID',
      `${f.label ?? f.name}: id value of incorrect type: ${String(value)}`,
      [f.name],
    );
  const target = store.typeOfId(id);
  if (!target || !(f.referenceTo ?? []).includes(target.name)) {
    throw new SalesforceError(
      'FIELD_INTEGRITY_EXCEPTION',
      `${f.label ?? f.name}: id value of incorrect type: ${String(value)}`,
      [f.name],
    );
  }
  if (!store.exists(target.name, id)) {
    throw new SalesforceError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [f.name]);
  }
  return id;
}

/** Base64 in a non-multipart request: at most 37.5 MB ("Insert or Update Blob Data"). */
export const MAX_BASE64_CHARS = 37.5 * 1024 * 1024;

/** Refuses a request body whose base64 fields (VersionData, …) add up to more than Salesforce takes. */
export function checkBase64Size(store: Store, body: unknown): void {
  const names = new Set<string>();
  for (const def of store.objects.values())
    for (const f of def.fields.values()) if (f.type === 'base64') names.add(f.name.toLowerCase());
  let total = 0;
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) walk(v);
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) {
        if (typeof v === 'string' && names.has(k.toLowerCase())) total += v.length;
        else walk(v);
      }
  };
  walk(body);
  if (total > MAX_BASE64_CHARS) {
    throw new SalesforceError(
      'STRING_TOO_LONG',
      `base64 data in one request is limited to ${MAX_BASE64_CHARS} characters (got ${total}); send files in smaller requests`,
    );
  }
}
