/**
 * The emulator's data: records per object, the recycle bin, id counters and org settings, with
 * create/update/delete/upsert. Field validation lives in validation.ts, org rules (owners, task
 * statuses, Shared Activities, …) in rules.ts, SOQL in query.ts and seed loading in seeding.ts.
 */

import { notFound, SalesforceError } from './errors.ts';
import { ID_PATTERN, makeId, to18 } from './ids.ts';
import type { ObjectAccessOf, ObjectRight, OrgData, OrgSettings, SfRecord, WriteContext } from './org.ts';
import { afterCreate, afterDelete, afterUpdate, beforeWrite } from './rules.ts';
import { type FieldDef, type ObjectDef, object as objectDef, standardObjects } from './schema.ts';
import { validateInput } from './validation.ts';

export { SalesforceError } from './errors.ts';

export type { OrgSettings, SfRecord, WriteContext } from './org.ts';
export type SeedData = Record<string, Record<string, unknown>[]>;

/** Everything a restart needs: records, the recycle bin, id counters and fields added at run time. */
export interface StoreState {
  format: 'capture-salesforce-emulator/1';
  records: Record<string, SfRecord[]>;
  deleted: { type: string; record: SfRecord }[];
  counter: number;
  orderNumber: number;
  settings?: OrgSettings;
  /** Objects and fields beyond the standard schema (custom fields, seeded extra fields). */
  schema: { name: string; keyPrefix: string; tooling?: boolean; fields: FieldDef[] }[];
}

const defaultSettings = (): OrgSettings => ({
  sharedActivities: true,
  enhancedEmail: true,
  emailToCase: false,
  fieldSecurity: false,
  activityUniqueFields: false,
});
const timestamp = () => new Date().toISOString().replace('Z', '+0000');

export class Store implements OrgData {
  objects: Map<string, ObjectDef> = standardObjects();
  settings: OrgSettings = defaultSettings();
  apiVersion = '62.0';
  #records = new Map<string, Map<string, SfRecord>>();
  /** The recycle bin: deleted rows stay visible to queryAll with IsDeleted = true. */
  #deleted: { type: string; record: SfRecord }[] = [];
  #counter = 1;
  #orderNumber = 100;

  snapshot(): unknown {
    return {
      records: new Map(
        [...this.#records].map(([k, v]) => [k, new Map([...v].map(([id, r]) => [id, { ...r }]))]),
      ),
      deleted: [...this.#deleted],
      counter: this.#counter,
      orderNumber: this.#orderNumber,
    };
  }

  restore(snapshot: unknown): void {
    const s = snapshot as {
      records: Map<string, Map<string, SfRecord>>;
      deleted: { type: string; record: SfRecord }[];
      counter: number;
      orderNumber: number;
    };
    this.#records = s.records;
    this.#deleted = s.deleted;
    this.#counter = s.counter;
    this.#orderNumber = s.orderNumber;
  }

  /** A JSON-safe copy of all state; importState(exportState()) gives back the same org. */
  exportState(): StoreState {
    const standard = standardObjects();
    const schema: StoreState['schema'] = [];
    for (const def of this.objects.values()) {
      const base = standard.get(def.name.toLowerCase());
      const fields = [...def.fields.values()].filter((f) => !base?.fields.has(f.name.toLowerCase()));
      if (base && fields.length === 0) continue;
      schema.push({
        name: def.name,
        keyPrefix: def.keyPrefix,
        ...(def.tooling ? { tooling: true } : {}),
        fields: structuredClone(fields),
      });
    }
    return {
      format: 'capture-salesforce-emulator/1',
      records: Object.fromEntries(
        [...this.#records].map(([type, table]) => [type, [...table.values()].map((r) => ({ ...r }))]),
      ),
      deleted: structuredClone(this.#deleted),
      counter: this.#counter,
      orderNumber: this.#orderNumber,
      settings: { ...this.settings },
      schema,
    };
  }

  /** Replaces all state with an exported one (see exportState). */
  importState(state: StoreState): void {
    if (state?.format !== 'capture-salesforce-emulator/1')
      throw new Error('not a Salesforce emulator state (format capture-salesforce-emulator/1)');
    this.reset();
    for (const extra of state.schema) {
      const existing = this.objects.get(extra.name.toLowerCase());
      if (existing) {
        for (const f of extra.fields) existing.fields.set(f.name.toLowerCase(), f);
      } else {
        const def = objectDef(extra.name, extra.keyPrefix, [], extra.tooling ? { tooling: true } : {});
        for (const f of extra.fields) def.fields.set(f.name.toLowerCase(), f);
        this.objects.set(extra.name.toLowerCase(), def);
      }
    }
    for (const [type, rows] of Object.entries(state.records)) {
      this.#records.set(type, new Map(rows.map((r) => [r.Id, { ...r }])));
    }
    this.#deleted = structuredClone(state.deleted);
    this.#counter = state.counter;
    this.#orderNumber = state.orderNumber;
    this.settings = { ...defaultSettings(), ...state.settings };
  }

  reset(): void {
    this.objects = standardObjects();
    this.settings = defaultSettings();
    this.#records = new Map();
    this.#deleted = [];
    this.#counter = 1;
    this.#orderNumber = 100;
  }

  /** Whether the org has this object at all (TaskRelation only with Shared Activities, …). */
  available(def: ObjectDef): boolean {
    if (def.requires === 'sharedActivities') return this.settings.sharedActivities;
    // EmailMessage and EmailMessageRelation: "only available for organizations that use Email-to-Case or Enhanced Email".
    if (def.requires === 'emailMessages') return this.settings.enhancedEmail || this.settings.emailToCase;
    return true;
  }

  /** The object; without Read on it (`objects`, the session's rights) it does not exist for the user. */
  object(name: string, objects?: ObjectAccessOf): ObjectDef {
    const def = this.objects.get(name.toLowerCase());
    if (!def || !this.available(def) || (objects && !objects(def, 'read'))) throw notFound();
    return def;
  }

  objectForQuery(name: string, tooling: boolean, objects?: ObjectAccessOf): ObjectDef {
    const def = this.objects.get(name.toLowerCase());
    if (
      !def ||
      (def.tooling ?? false) !== tooling ||
      !this.available(def) ||
      (objects && !objects(def, 'read'))
    ) {
      throw new SalesforceError(
        'INVALID_TYPE',
        `\nFROM ${name}\n     ^\nERROR at Row:1:Column:1\nsObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`,
      );
    }
    return def;
  }

  typeOfId(id: string): ObjectDef | null {
    const prefix = id.slice(0, 3);
    for (const def of this.objects.values()) if (def.keyPrefix === prefix) return def;
    return null;
  }

  /** Whether a live (not deleted) record with this 18-character id exists. */
  exists(type: string, id18: string): boolean {
    return this.#records.get(type)?.has(id18) ?? false;
  }

  all(type: string): SfRecord[] {
    const def = this.objects.get(type.toLowerCase());
    if (!def) return [];
    return [...(this.#records.get(def.name)?.values() ?? [])].map((r) => withComputed(def, r));
  }

  /** Rows in the recycle bin, for queryAll. */
  deletedOf(type: string): SfRecord[] {
    const def = this.object(type);
    return this.#deleted.filter((d) => d.type === def.name).map((d) => withComputed(def, d.record));
  }

  get(type: string, id: string): SfRecord {
    const def = this.object(type);
    const full = to18(id);
    const record = full ? this.#records.get(def.name)?.get(full) : undefined;
    if (!record) throw notFound();
    return withComputed(def, record);
  }

  findById(id: string): SfRecord | null {
    const full = to18(id);
    if (!full) return null;
    const def = this.typeOfId(full);
    if (!def) return null;
    const r = this.#records.get(def.name)?.get(full);
    return r ? withComputed(def, r) : null;
  }

  addCustomField(objectNames: string[], field: FieldDef): void {
    for (const name of objectNames) {
      const def = this.objects.get(name.toLowerCase());
      if (def)
        def.fields.set(field.name.toLowerCase(), {
          createable: true,
          updateable: true,
          custom: true,
          ...field,
        });
    }
  }

  /** Adds an object a seed names but the schema does not know, with a free key prefix. */
  addObject(name: string): void {
    const used = new Set([...this.objects.values()].map((d) => d.keyPrefix));
    let n = 0;
    let prefix = 'a00';
    while (used.has(prefix)) prefix = `a0${'123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[n++ % 35]}`;
    this.objects.set(
      name.toLowerCase(),
      objectDef(name, prefix, [{ name: 'Name', type: 'string', length: 255 }]),
    );
  }

  create(type: string, input: Record<string, unknown>, ctx: WriteContext = {}): SfRecord {
    const def = this.object(type, ctx.objects);
    mayWrite(def, ctx, 'create');
    const seeding = ctx.seeding ?? false;
    if (def.readOnly && !seeding)
      throw new SalesforceError(
        'INVALID_TYPE_FOR_OPERATION',
        `entity type ${def.name} does not support insert`,
      );
    const values = validateInput(this, def, input, { mode: 'create', seeding, access: ctx.access }, (v) =>
      beforeWrite(this, def, v, null, ctx),
    );
    const now = timestamp();
    const id =
      seeding && typeof input.Id === 'string' && ID_PATTERN.test(input.Id)
        ? (to18(input.Id) ?? to18(input.Id.slice(0, 15))!)
        : makeId(def.keyPrefix, this.#counter++);
    const record: SfRecord = { Id: id };
    for (const field of def.fields.values()) {
      if (field.name === 'Id') continue;
      record[field.name] = field.defaultValue ?? null;
    }
    Object.assign(record, values, {
      CreatedDate: now,
      LastModifiedDate: now,
      SystemModstamp: now,
      IsDeleted: false,
      ...(ctx.userId && def.fields.has('createdbyid') ? { CreatedById: ctx.userId } : {}),
    });
    if (def.name === 'Order' && !record.OrderNumber)
      record.OrderNumber = String(this.#orderNumber++).padStart(8, '0');
    this.#checkUnique(def, record, null);
    this.#table(def.name).set(id, record);
    afterCreate(this, def, record, ctx);
    return withComputed(def, record);
  }

  /** Sets fields without validation: a data load may set read-only fields (OrderNumber). */
  patchRaw(type: string, id: string, values: Record<string, unknown>): void {
    const record = this.#table(this.object(type).name).get(id);
    if (record) Object.assign(record, values);
  }

  update(type: string, id: string, input: Record<string, unknown>, ctx: WriteContext = {}): SfRecord {
    const def = this.object(type, ctx.objects);
    mayWrite(def, ctx, 'edit');
    const full = to18(id);
    const existing = full ? this.#records.get(def.name)?.get(full) : undefined;
    if (!existing) throw new SalesforceError('ENTITY_IS_DELETED', 'entity is deleted', [], 404);
    const values = validateInput(
      this,
      def,
      input,
      { mode: 'update', seeding: false, access: ctx.access },
      (v) => beforeWrite(this, def, v, existing, ctx),
    );
    const next = { ...existing, ...values, LastModifiedDate: timestamp() };
    this.#checkUnique(def, next, existing.Id);
    // Follow-up writes (an activity's relations) may fail; the update then fails as a whole.
    const before = def.activity ? this.snapshot() : null;
    this.#table(def.name).set(existing.Id, next);
    try {
      afterUpdate(this, def, existing, next, ctx);
    } catch (error) {
      if (before) this.restore(before);
      throw error;
    }
    return withComputed(def, next);
  }

  delete(type: string, id: string, ctx: WriteContext = {}): void {
    const def = this.object(type, ctx.objects);
    mayWrite(def, ctx, 'delete');
    const full = to18(id);
    const table = this.#records.get(def.name);
    const record = full ? table?.get(full) : undefined;
    if (!full || !record) {
      throw new SalesforceError('ENTITY_IS_DELETED', 'entity is deleted', [], 404);
    }
    table?.delete(full);
    this.#deleted.push({ type: def.name, record: { ...record, IsDeleted: true } });
    afterDelete(this, def, record);
  }

  /** Upsert on an external id field: created true/false. */
  upsert(
    type: string,
    field: string,
    value: string,
    input: Record<string, unknown>,
    ctx: WriteContext = {},
  ): { record: SfRecord; created: boolean } {
    const def = this.object(type, ctx.objects);
    const fieldDef = def.fields.get(field.toLowerCase());
    const hidden = fieldDef && ctx.access?.(def, fieldDef) === 'hidden';
    if (!fieldDef || hidden || (!fieldDef.externalId && fieldDef.name !== 'Id')) {
      throw new SalesforceError(
        'NOT_FOUND',
        `Provided external ID field does not exist or is not accessible: ${field}`,
        [],
        404,
      );
    }
    const matches = [...this.#table(def.name).values()].filter(
      (r) =>
        typeof r[fieldDef.name] === 'string' &&
        (r[fieldDef.name] as string).toLowerCase() === value.toLowerCase(),
    );
    if (matches.length > 1) {
      throw new SalesforceError(
        'MULTIPLE_CHOICES',
        `Multiple records found for ${field} = ${value}`,
        [],
        300,
      );
    }
    const body = { ...input };
    delete body[fieldDef.name];
    if (matches[0]) return { record: this.update(type, matches[0].Id, body, ctx), created: false };
    return { record: this.create(type, { ...body, [fieldDef.name]: value }, ctx), created: true };
  }

  attributes(def: ObjectDef, id: string, version: string) {
    return {
      type: def.name,
      url: `/services/data/v${version}/${def.tooling ? 'tooling/' : ''}sobjects/${def.name}/${id}`,
    };
  }

  #checkUnique(def: ObjectDef, record: SfRecord, selfId: string | null): void {
    for (const f of def.fields.values()) {
      if (!f.unique) continue;
      const v = record[f.name];
      if (typeof v !== 'string' || v === '') continue;
      for (const other of this.#table(def.name).values()) {
        if (
          other.Id !== selfId &&
          typeof other[f.name] === 'string' &&
          (other[f.name] as string).toLowerCase() === v.toLowerCase()
        ) {
          throw new SalesforceError(
            'DUPLICATE_VALUE',
            `duplicate value found: ${f.name} duplicates value on record with id: ${other.Id}`,
            [f.name],
          );
        }
      }
    }
  }

  #table(type: string): Map<string, SfRecord> {
    let t = this.#records.get(type);
    if (!t) {
      t = new Map();
      this.#records.set(type, t);
    }
    return t;
  }
}

function withComputed(def: ObjectDef, record: SfRecord): SfRecord {
  if (!def.computeName) return record;
  return { ...record, Name: [record.FirstName, record.LastName].filter(Boolean).join(' ') };
}

/**
 * A write the session's user has no right to: INSUFFICIENT_ACCESS_OR_READONLY (SOAP API, "Core
 * Data Types": StatusCode). The message is the emulator's.
 */
function mayWrite(def: ObjectDef, ctx: WriteContext, right: ObjectRight): void {
  if (!ctx.objects || ctx.objects(def, right)) return;
  throw new SalesforceError(
    'INSUFFICIENT_ACCESS_OR_READONLY',
    `insufficient access rights: this user may not ${right} ${def.name} records`,
  );
}
