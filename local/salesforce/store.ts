/**
 * The emulator's data: records per object, Salesforce's validation on write, and SOQL evaluation.
 * Errors are thrown as SalesforceError with Salesforce's error codes and messages.
 */
import { ID_PATTERN, makeId, to18 } from './ids.ts';
import { type FieldDef, type ObjectDef, object as objectDef, standardObjects } from './schema.ts';
import { type Condition, likeToRegExp, parseSoql, SoqlError, type Value } from './soql.ts';

export class SalesforceError extends Error {
  readonly errorCode: string;
  readonly fields: string[];
  readonly status: number;
  constructor(errorCode: string, message: string, fields: string[] = [], status = 400) {
    super(message);
    this.errorCode = errorCode;
    this.fields = fields;
    this.status = status;
  }
}

export type SfRecord = Record<string, unknown> & { Id: string };
export type SeedData = Record<string, Record<string, unknown>[]>;

/** Everything a restart needs: records, the recycle bin, id counters and fields added at run time. */
export interface StoreState {
  format: 'capture-salesforce-emulator/1';
  records: Record<string, SfRecord[]>;
  deleted: { type: string; record: SfRecord }[];
  counter: number;
  orderNumber: number;
  /** Objects and fields beyond the standard schema (custom fields, seeded extra fields). */
  schema: { name: string; keyPrefix: string; tooling?: boolean; fields: FieldDef[] }[];
}

export class Store {
  objects: Map<string, ObjectDef> = standardObjects();
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
  }

  reset(): void {
    this.objects = standardObjects();
    this.#records = new Map();
    this.#deleted = [];
    this.#counter = 1;
    this.#orderNumber = 100;
  }

  object(name: string): ObjectDef {
    const def = this.objects.get(name.toLowerCase());
    if (!def) throw new SalesforceError('NOT_FOUND', `The requested resource does not exist`, [], 404);
    return def;
  }

  objectForQuery(name: string, tooling: boolean): ObjectDef {
    const def = this.objects.get(name.toLowerCase());
    if (!def || (def.tooling ?? false) !== tooling) {
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

  all(type: string): SfRecord[] {
    const def = this.objects.get(type.toLowerCase());
    if (!def) return [];
    return [...(this.#records.get(def.name)?.values() ?? [])].map((r) => this.#withComputed(def, r));
  }

  get(type: string, id: string): SfRecord {
    const def = this.object(type);
    const full = to18(id);
    const record = full ? this.#records.get(def.name)?.get(full) : undefined;
    if (!record) throw new SalesforceError('NOT_FOUND', 'The requested resource does not exist', [], 404);
    return this.#withComputed(def, record);
  }

  findById(id: string): SfRecord | null {
    const full = to18(id);
    if (!full) return null;
    const def = this.typeOfId(full);
    if (!def) return null;
    const r = this.#records.get(def.name)?.get(full);
    return r ? this.#withComputed(def, r) : null;
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

  create(type: string, input: Record<string, unknown>, options: { seeding?: boolean } = {}): SfRecord {
    const def = this.object(type);
    const values = this.#validate(def, input, 'create', options.seeding ?? false);
    const now = new Date().toISOString().replace('Z', '+0000');
    const id =
      options.seeding && typeof input.Id === 'string' && ID_PATTERN.test(input.Id)
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
    });
    if (def.name === 'Order' && !record.OrderNumber)
      record.OrderNumber = String(this.#orderNumber++).padStart(8, '0');
    this.#checkUnique(def, record, null);
    this.#table(def.name).set(id, record);
    if (def.name === 'ContentVersion') this.#publishContent(record);
    return this.#withComputed(def, record);
  }

  update(type: string, id: string, input: Record<string, unknown>): SfRecord {
    const def = this.object(type);
    const full = to18(id);
    const existing = full ? this.#records.get(def.name)?.get(full) : undefined;
    if (!existing) throw new SalesforceError('ENTITY_IS_DELETED', 'entity is deleted', [], 404);
    const values = this.#validate(def, input, 'update', false);
    const next = { ...existing, ...values, LastModifiedDate: new Date().toISOString().replace('Z', '+0000') };
    this.#checkUnique(def, next, existing.Id);
    this.#table(def.name).set(existing.Id, next);
    return this.#withComputed(def, next);
  }

  delete(type: string, id: string): void {
    const def = this.object(type);
    const full = to18(id);
    const table = this.#records.get(def.name);
    const record = full ? table?.get(full) : undefined;
    if (!full || !record) {
      throw new SalesforceError('ENTITY_IS_DELETED', 'entity is deleted', [], 404);
    }
    table?.delete(full);
    this.#deleted.push({ type: def.name, record: { ...record, IsDeleted: true } });
  }

  /** Upsert on an external id field: created true/false. */
  upsert(
    type: string,
    field: string,
    value: string,
    input: Record<string, unknown>,
  ): { record: SfRecord; created: boolean } {
    const def = this.object(type);
    const fieldDef = def.fields.get(field.toLowerCase());
    if (!fieldDef || (!fieldDef.externalId && fieldDef.name !== 'Id')) {
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
    if (matches[0]) return { record: this.update(type, matches[0].Id, body), created: false };
    return { record: this.create(type, { ...body, [fieldDef.name]: value }), created: true };
  }

  /**
   * Loads records the way a data load into a sandbox would: explicit Ids are kept, read-only
   * fields (OrderNumber) may be set, required fields may be missing, references need not exist
   * yet, and objects or fields the emulator does not know are added to its describe.
   */
  seed(data: SeedData): Record<string, string[]> {
    const ids: Record<string, string[]> = {};
    // Parents first, so "@Account:Name" references resolve.
    const order = ['User', 'Account', 'Contact', 'Lead', 'Opportunity', 'Order', 'Task'];
    const types = [...order.filter((t) => data[t]), ...Object.keys(data).filter((t) => !order.includes(t))];
    for (const type of types) {
      if (!this.objects.has(type.toLowerCase())) this.#addObject(type);
      const def = this.object(type);
      for (const raw of data[type] ?? []) {
        const record: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(raw)) {
          if (k === 'attributes') continue;
          record[k] = typeof v === 'string' && v.startsWith('@') ? this.#resolveRef(v) : v;
          if (!def.fields.has(k.toLowerCase())) this.#addSeedField(def, k, record[k]);
        }
        if (def.name === 'User' && !record.Username && typeof record.Email === 'string')
          record.Username = record.Email;
        const created = this.create(type, record, { seeding: true });
        const stored = this.#table(def.name).get(created.Id)!;
        for (const [k, v] of Object.entries(record)) {
          const f = def.fields.get(k.toLowerCase());
          if (f && f.name !== 'Id' && f.createable === false && !['Name'].includes(f.name))
            stored[f.name] = v;
        }
        const list = ids[type] ?? [];
        list.push(created.Id);
        ids[type] = list;
      }
    }
    return ids;
  }

  #addObject(name: string): void {
    const used = new Set([...this.objects.values()].map((d) => d.keyPrefix));
    let n = 0;
    let prefix = 'a00';
    while (used.has(prefix)) prefix = `a0${'123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[n++ % 35]}`;
    this.objects.set(
      name.toLowerCase(),
      objectDef(name, prefix, [{ name: 'Name', type: 'string', length: 255 }]),
    );
  }

  #addSeedField(def: ObjectDef, name: string, value: unknown): void {
    const type = typeof value === 'boolean' ? 'boolean' : typeof value === 'number' ? 'double' : 'string';
    const reference =
      typeof value === 'string' && /Id$/.test(name) && ID_PATTERN.test(value) ? this.typeOfId(value) : null;
    this.addCustomField(
      [def.name],
      reference
        ? {
            name,
            type: 'reference',
            referenceTo: [reference.name],
            relationshipName: name.replace(/Id$/, ''),
          }
        : { name, type, length: 255, custom: name.endsWith('__c') },
    );
  }

  query(
    soql: string,
    options: { tooling?: boolean; all?: boolean } = {},
  ): { totalSize: number; records: Record<string, unknown>[] } {
    let q: ReturnType<typeof parseSoql>;
    try {
      q = parseSoql(soql);
    } catch (error) {
      if (error instanceof SoqlError) throw new SalesforceError(error.errorCode, error.message);
      throw error;
    }
    const def = this.objectForQuery(q.object, options.tooling ?? false);
    for (const f of [...q.fields, ...q.orderBy.map((o) => o.field), ...conditionFields(q.where)])
      this.#checkPath(def, f, soql);
    let rows = this.all(def.name);
    if (options.all) {
      const bin = this.#deleted.filter((d) => d.type === def.name);
      rows = [...rows, ...bin.map((d) => this.#withComputed(def, d.record))];
    }
    if (q.where) {
      const where = q.where;
      rows = rows.filter((r) => this.#matches(def, r, where));
    }
    for (const order of [...q.orderBy].reverse()) {
      rows.sort((a, b) => {
        const va = this.#value(def, a, order.field);
        const vb = this.#value(def, b, order.field);
        if (va === null || va === undefined)
          return vb === null || vb === undefined ? 0 : order.nullsLast ? 1 : -1;
        if (vb === null || vb === undefined) return order.nullsLast ? -1 : 1;
        const cmp =
          typeof va === 'number' && typeof vb === 'number'
            ? va - vb
            : String(va).localeCompare(String(vb), 'en', { sensitivity: 'base' });
        return order.desc ? -cmp : cmp;
      });
    }
    const total = rows.length;
    rows = rows.slice(q.offset, q.limit === null ? undefined : q.offset + q.limit);
    if (q.count) return { totalSize: q.limit === null ? total - q.offset : rows.length, records: [] };
    return { totalSize: rows.length, records: rows.map((r) => this.#project(def, r, q.fields)) };
  }

  attributes(def: ObjectDef, id: string, version: string) {
    return {
      type: def.name,
      url: `/services/data/v${version}/${def.tooling ? 'tooling/' : ''}sobjects/${def.name}/${id}`,
    };
  }

  apiVersion = '62.0';

  #project(def: ObjectDef, record: SfRecord, fields: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = { attributes: this.attributes(def, record.Id, this.apiVersion) };
    for (const path of fields) {
      const parts = path.split('.');
      if (parts.length === 1) {
        out[def.fields.get(path.toLowerCase())!.name] =
          record[def.fields.get(path.toLowerCase())!.name] ?? null;
        continue;
      }
      // Parent field: nest like Salesforce ({ Account: { attributes, Name } }, null when unset).
      let target = out;
      let current: SfRecord | null = record;
      let currentDef = def;
      for (let i = 0; i < parts.length - 1; i++) {
        const rel = relationshipField(currentDef, parts[i]!)!;
        const parent: SfRecord | null = current ? this.findById(String(current[rel.name] ?? '')) : null;
        const parentDef = parent ? this.typeOfId(parent.Id)! : null;
        const key = rel.relationshipName!;
        if (!parent || !parentDef) {
          if (!(key in target)) target[key] = null;
          current = null;
          break;
        }
        if (!target[key])
          target[key] = { attributes: this.attributes(parentDef, parent.Id, this.apiVersion) };
        target = target[key] as Record<string, unknown>;
        current = parent;
        currentDef = parentDef;
      }
      if (current) {
        const last = parts.at(-1)!;
        const f = currentDef.fields.get(last.toLowerCase());
        target[f?.name ?? last] = f ? (current[f.name] ?? null) : null;
      }
    }
    return out;
  }

  #checkPath(def: ObjectDef, path: string, soql: string): void {
    const parts = path.split('.');
    let current = def;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1) {
        if (current.fields.has(part.toLowerCase())) return;
        if (parts.length > 1 && ['name', 'email', 'id', 'type'].includes(part.toLowerCase())) return; // polymorphic Name
        break;
      }
      const rel = relationshipField(current, part);
      if (!rel) break;
      const target = rel.referenceTo?.[0];
      const next = target ? this.objects.get(target.toLowerCase()) : undefined;
      if (!next) break;
      current = next;
    }
    const pos = soql.indexOf(path);
    throw new SalesforceError(
      'INVALID_FIELD',
      `\n${soql}\n${' '.repeat(Math.max(0, pos))}^\nERROR at Row:1:Column:${pos + 1}\nNo such column '${parts.at(-1)}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }

  #value(def: ObjectDef, record: SfRecord, path: string): unknown {
    const parts = path.split('.');
    let current: SfRecord | null = record;
    let currentDef = def;
    for (let i = 0; i < parts.length - 1 && current; i++) {
      const rel = relationshipField(currentDef, parts[i]!);
      current = rel ? this.findById(String(current[rel.name] ?? '')) : null;
      if (current) currentDef = this.typeOfId(current.Id)!;
    }
    if (!current) return null;
    const f = currentDef.fields.get(parts.at(-1)!.toLowerCase());
    return f ? current[f.name] : null;
  }

  #matches(def: ObjectDef, record: SfRecord, c: Condition): boolean {
    switch (c.type) {
      case 'and':
        return this.#matches(def, record, c.left) && this.#matches(def, record, c.right);
      case 'or':
        return this.#matches(def, record, c.left) || this.#matches(def, record, c.right);
      case 'not':
        return !this.#matches(def, record, c.operand);
      case 'in': {
        const v = this.#value(def, record, c.field);
        const hit = c.values.some((x) => equal(v, x));
        return c.negate ? !hit : hit;
      }
      case 'like': {
        const v = this.#value(def, record, c.field);
        const hit = typeof v === 'string' && likeToRegExp(c.pattern).test(v);
        return c.negate ? !hit : hit;
      }
      case 'compare': {
        const v = this.#value(def, record, c.field);
        if (c.op === '=') return equal(v, c.value);
        if (c.op === '!=') return !equal(v, c.value);
        if (v === null || v === undefined || c.value === null) return false;
        const a = typeof v === 'number' ? v : String(v).toLowerCase();
        const b = typeof c.value === 'number' ? c.value : String(c.value).toLowerCase();
        if (c.op === '<') return a < b;
        if (c.op === '>') return a > b;
        if (c.op === '<=') return a <= b;
        return a >= b;
      }
    }
  }

  #validate(
    def: ObjectDef,
    input: Record<string, unknown>,
    mode: 'create' | 'update',
    seeding: boolean,
  ): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
      if (key === 'attributes') continue;
      const f = def.fields.get(key.toLowerCase());
      if (!f)
        throw new SalesforceError('INVALID_FIELD', `No such column '${key}' on sobject of type ${def.name}`, [
          key,
        ]);
      if (f.name === 'Id' && (mode === 'update' || seeding)) continue;
      const allowed = mode === 'create' ? f.createable !== false : f.updateable !== false;
      if (!allowed && !seeding) {
        throw new SalesforceError(
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${f.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          [f.name],
        );
      }
      values[f.name] = seeding && f.type === 'reference' ? seedReference(value) : this.#coerce(def, f, value);
    }
    if (mode === 'create' && !seeding) {
      const missing = [...def.fields.values()]
        .filter(
          (f) =>
            f.required &&
            f.defaultValue === undefined &&
            (values[f.name] === undefined || values[f.name] === null || values[f.name] === ''),
        )
        .map((f) => f.name);
      if (missing.length > 0)
        throw new SalesforceError(
          'REQUIRED_FIELD_MISSING',
          `Required fields are missing: [${missing.join(', ')}]`,
          missing,
        );
    } else {
      for (const [k, v] of Object.entries(values)) {
        const f = def.fields.get(k.toLowerCase())!;
        if (f.required && (v === null || v === ''))
          throw new SalesforceError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${f.name}]`, [
            f.name,
          ]);
      }
    }
    return values;
  }

  #coerce(def: ObjectDef, f: FieldDef, value: unknown): unknown {
    if (value === null || value === undefined) return null;
    switch (f.type) {
      case 'string':
      case 'email':
      case 'textarea':
      case 'picklist': {
        if (typeof value !== 'string' && typeof value !== 'number')
          throw new SalesforceError(
            'JSON_PARSER_ERROR',
            `Cannot deserialize instance of string from ${typeof value} value`,
            [f.name],
          );
        const s = String(value);
        if (f.length && s.length > f.length) {
          throw new SalesforceError(
            'STRING_TOO_LONG',
            `${f.label ?? f.name}: data value too large: ${s.slice(0, 40)}... (max length=${f.length})`,
            [f.name],
          );
        }
        if (f.type === 'picklist' && f.restrictedPicklist && f.picklist && !f.picklist.includes(s)) {
          throw new SalesforceError(
            'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
            `${f.label ?? f.name}: bad value for restricted picklist field: ${s}`,
            [f.name],
          );
        }
        if (f.type === 'email' && s !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s)) {
          throw new SalesforceError('INVALID_EMAIL_ADDRESS', `${f.name}: invalid email address: ${s}`, [
            f.name,
          ]);
        }
        return s;
      }
      case 'boolean':
        if (typeof value !== 'boolean')
          throw new SalesforceError(
            'JSON_PARSER_ERROR',
            `Cannot deserialize instance of boolean from ${typeof value} value`,
            [f.name],
          );
        return value;
      case 'int':
      case 'double':
        return Number(value);
      case 'date':
        if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
          throw new SalesforceError(
            'JSON_PARSER_ERROR',
            `Cannot deserialize value of type date from String "${String(value)}": expected format "yyyy-MM-dd"`,
            [f.name],
          );
        }
        return value;
      case 'datetime':
        return String(value);
      case 'base64':
        if (typeof value !== 'string')
          throw new SalesforceError('JSON_PARSER_ERROR', 'base64 field expects a string', [f.name]);
        return value;
      case 'reference': {
        const id = typeof value === 'string' ? to18(value) : null;
        if (!id || !ID_PATTERN.test(String(value)))
          throw new SalesforceError(
            'MALFORMED_ID',
            `${f.label ?? f.name}: id value of incorrect type: ${String(value)}`,
            [f.name],
          );
        const target = this.typeOfId(id);
        if (!target || !(f.referenceTo ?? []).includes(target.name)) {
          throw new SalesforceError(
            'FIELD_INTEGRITY_EXCEPTION',
            `${f.label ?? f.name}: id value of incorrect type: ${String(value)}`,
            [f.name],
          );
        }
        if (!this.#records.get(target.name)?.has(id)) {
          throw new SalesforceError('INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [f.name]);
        }
        void def;
        return id;
      }
      default:
        return value;
    }
  }

  #checkUnique(def: ObjectDef, record: SfRecord, selfId: string | null): void {
    for (const f of def.fields.values()) {
      if (!(f.externalId && f.unique) && !f.unique) continue;
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

  #publishContent(version: SfRecord): void {
    const data =
      typeof version.VersionData === 'string' ? Buffer.from(version.VersionData, 'base64') : Buffer.alloc(0);
    version.ContentSize = data.length;
    const doc = this.create('ContentDocument', { Title: version.Title }, { seeding: true });
    const docRecord = this.#table('ContentDocument').get(doc.Id)!;
    docRecord.LatestPublishedVersionId = version.Id;
    version.ContentDocumentId = doc.Id;
    if (typeof version.FirstPublishLocationId === 'string') {
      this.create('ContentDocumentLink', {
        ContentDocumentId: doc.Id,
        LinkedEntityId: version.FirstPublishLocationId,
      });
    }
  }

  #resolveRef(ref: string): string {
    const m = /^@([A-Za-z]+):(.+)$/.exec(ref);
    if (!m) return ref;
    const [, type, key] = m;
    const match = this.all(type!).find((r) =>
      ['Name', 'Email', 'Username', 'OrderNumber', 'LastName'].some(
        (f) => typeof r[f] === 'string' && (r[f] as string).toLowerCase() === key!.toLowerCase(),
      ),
    );
    if (!match)
      throw new SalesforceError('INVALID_CROSS_REFERENCE_KEY', `seed reference ${ref} matches no record`);
    return match.Id;
  }

  #table(type: string): Map<string, SfRecord> {
    let t = this.#records.get(type);
    if (!t) {
      t = new Map();
      this.#records.set(type, t);
    }
    return t;
  }

  #withComputed(def: ObjectDef, record: SfRecord): SfRecord {
    if (!def.computeName) return record;
    return { ...record, Name: [record.FirstName, record.LastName].filter(Boolean).join(' ') };
  }
}

/** Seeds may reference records by 15- or 18-character id, loaded later or not at all. */
function seedReference(value: unknown): unknown {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) return value ?? null;
  return to18(value) ?? to18(value.slice(0, 15));
}

function relationshipField(def: ObjectDef, name: string): FieldDef | undefined {
  const lower = name.toLowerCase();
  for (const f of def.fields.values()) if (f.relationshipName?.toLowerCase() === lower) return f;
  return undefined;
}

function conditionFields(c: Condition | null): string[] {
  if (!c) return [];
  if (c.type === 'and' || c.type === 'or') return [...conditionFields(c.left), ...conditionFields(c.right)];
  if (c.type === 'not') return conditionFields(c.operand);
  if (c.type === 'compare' || c.type === 'in' || c.type === 'like') return [c.field];
  return [];
}

function equal(v: unknown, x: Value): boolean {
  if (x === null) return v === null || v === undefined;
  if (v === null || v === undefined) return false;
  if (typeof x === 'string' && typeof v === 'string') {
    const a = to18(v);
    const b = to18(x);
    if (a && b && ID_PATTERN.test(v) && /^[a-zA-Z0-9]{3}/.test(v) && a === b) return true;
    return v.toLowerCase() === x.toLowerCase();
  }
  return v === x || String(v).toLowerCase() === String(x).toLowerCase();
}
