/**
 * A SOQL subset: SELECT fields (incl. parent fields such as Account.Name, and parent-to-child
 * subqueries such as (SELECT Id FROM Contacts WHERE … ORDER BY … LIMIT n)) or COUNT() FROM object
 * [WHERE …] [ORDER BY …] [LIMIT n] [OFFSET n]. WHERE supports = != <> < > <= >= IN, NOT IN,
 * LIKE, AND, OR, NOT and parentheses; literals are strings (with Salesforce's backslash escapes),
 * numbers, dates, datetimes, true/false/null. Errors are thrown as SoqlError(MALFORMED_QUERY).
 */
export class SoqlError extends Error {
  readonly errorCode: string;
  constructor(errorCode: string, message: string) {
    super(message);
    this.errorCode = errorCode;
  }
}

type Token =
  | { kind: 'word'; value: string; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'date'; value: string; pos: number }
  | { kind: 'op'; value: string; pos: number }
  | { kind: 'punct'; value: string; pos: number };

const ESCAPES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    "'": "'",
    '"': '"',
    '\\': '\\',
    n: '\n',
    r: '\r',
    t: '\t',
    b: '\b',
    f: '\f',
    // Kept escaped: only meaningful inside LIKE patterns.
    '%': '\\%',
    _: '\\_',
  }),
);

function malformed(query: string, pos: number, message: string): SoqlError {
  return new SoqlError(
    'MALFORMED_QUERY',
    `\n${query}\n${' '.repeat(Math.max(0, pos))}^\nERROR at Row:1:Column:${pos + 1}\n${message}`,
  );
}

export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= query.length)
          throw malformed(query, start, `line 1:${start} mismatched character '<EOF>' expecting '''`);
        const ch = query[i]!;
        if (ch === '\\') {
          const next = query[i + 1];
          const escaped = next === undefined ? undefined : ESCAPES.get(next);
          if (escaped === undefined)
            throw malformed(
              query,
              i,
              `Invalid string literal '${query.slice(start, i + 2)}'. Illegal character sequence '\\${next ?? ''}' in string literal.`,
            );
          value += escaped;
          i += 2;
        } else if (ch === "'") {
          i++;
          break;
        } else {
          value += ch;
          i++;
        }
      }
      tokens.push({ kind: 'string', value, pos: start });
    } else if (/\d/.test(c) || (c === '-' && /\d/.test(query[i + 1] ?? ''))) {
      const m = /^-?\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))?/.exec(
        query.slice(i),
      );
      if (m && !/^-/.test(m[0])) {
        tokens.push({ kind: 'date', value: m[0], pos: i });
        i += m[0].length;
      } else {
        const n = /^-?\d+(?:\.\d+)?/.exec(query.slice(i))!;
        tokens.push({ kind: 'number', value: Number(n[0]), pos: i });
        i += n[0].length;
      }
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(query.slice(i))!;
      tokens.push({ kind: 'word', value: m[0], pos: i });
      i += m[0].length;
    } else if ('=<>!'.includes(c)) {
      const two = query.slice(i, i + 2);
      const op = ['!=', '<>', '<=', '>='].includes(two) ? two : c;
      if (op === '!') throw malformed(query, i, "unexpected token: '!'");
      tokens.push({ kind: 'op', value: op, pos: i });
      i += op.length;
    } else if ('(),'.includes(c)) {
      tokens.push({ kind: 'punct', value: c, pos: i });
      i++;
    } else {
      throw malformed(query, i, `unexpected token: '${c}'`);
    }
  }
  return tokens;
}

export type Value = string | number | boolean | null;
export type Condition =
  | { type: 'and' | 'or'; left: Condition; right: Condition }
  | { type: 'not'; operand: Condition }
  | { type: 'compare'; field: string; op: string; value: Value; isDate: boolean }
  | { type: 'in'; field: string; negate: boolean; values: Value[] }
  | { type: 'like'; field: string; negate: boolean; pattern: string };

/** A parent-to-child subquery in the SELECT list: (SELECT … FROM Relationship …). */
export interface SubQuery {
  relationship: string;
  fields: string[];
  where: Condition | null;
  orderBy: { field: string; desc: boolean; nullsLast: boolean }[];
  limit: number | null;
  pos: number;
}

export interface SoqlQuery {
  fields: string[];
  subqueries: SubQuery[];
  count: boolean;
  object: string;
  where: Condition | null;
  orderBy: { field: string; desc: boolean; nullsLast: boolean }[];
  limit: number | null;
  offset: number;
}

const KEYWORDS = new Set([
  'select',
  'from',
  'where',
  'and',
  'or',
  'not',
  'in',
  'like',
  'order',
  'by',
  'limit',
  'offset',
  'asc',
  'desc',
  'nulls',
  'first',
  'last',
  'null',
  'true',
  'false',
  'includes',
  'excludes',
  'group',
  'having',
]);

export function parseSoql(query: string): SoqlQuery {
  return new Parser(query).query();
}

/** Recursive descent over the tokens; each clause has its own method. */
class Parser {
  readonly #query: string;
  readonly #tokens: Token[];
  #i = 0;

  constructor(query: string) {
    this.#query = query;
    this.#tokens = tokenize(query);
  }

  query(): SoqlQuery {
    this.#expectWord('select');
    const { fields, subqueries, count } = this.#selectList(true);
    this.#expectWord('from');
    const objectToken = this.#peek();
    if (objectToken?.kind !== 'word' || objectToken.value.includes('.')) this.#fail();
    this.#i++;
    const object = String(objectToken!.value);
    const where = this.#where();
    const orderBy = this.#orderBy();
    const limit = this.#keywordNumber('limit');
    const offset = this.#keywordNumber('offset') ?? 0;
    if (this.#i < this.#tokens.length) this.#fail();
    return { fields, subqueries, count, object, where, orderBy, limit, offset };
  }

  /** `(SELECT fields FROM Relationship [WHERE] [ORDER BY] [LIMIT])`, the opening parenthesis read. */
  #subquery(): SubQuery {
    const pos = this.#peek()?.pos ?? this.#query.length;
    this.#expectWord('select');
    const { fields } = this.#selectList(false);
    this.#expectWord('from');
    const relationship = this.#peek();
    if (relationship?.kind !== 'word' || KEYWORDS.has(relationship.value.toLowerCase())) this.#fail();
    this.#i++;
    const where = this.#where();
    const orderBy = this.#orderBy();
    const limit = this.#keywordNumber('limit');
    this.#expectPunct(')');
    return { relationship: String(relationship!.value), fields, where, orderBy, limit, pos };
  }

  #peek(): Token | undefined {
    return this.#tokens[this.#i];
  }

  #isWord(word: string, t = this.#peek()): boolean {
    return t?.kind === 'word' && t.value.toLowerCase() === word;
  }

  #isPunct(value: string): boolean {
    return this.#peek()?.value === value;
  }

  #fail(message?: string): never {
    const t = this.#peek();
    const pos = t?.pos ?? this.#query.length;
    throw malformed(this.#query, pos, message ?? `unexpected token: '${t ? String(t.value) : '<EOF>'}'`);
  }

  #expectWord(word: string): void {
    if (!this.#isWord(word)) this.#fail();
    this.#i++;
  }

  #expectPunct(value: string): void {
    if (!this.#isPunct(value)) this.#fail(`expecting '${value}'`);
    this.#i++;
  }

  #fieldName(): string {
    const t = this.#peek();
    if (t?.kind !== 'word' || KEYWORDS.has(t.value.toLowerCase())) return this.#fail();
    this.#i++;
    return t.value;
  }

  /** Fields, and in the outer query parent-to-child subqueries (one level: nested ones are refused). */
  #selectList(outer: boolean): { fields: string[]; subqueries: SubQuery[]; count: boolean } {
    if (outer && this.#isWord('count') && this.#tokens[this.#i + 1]?.value === '(') {
      this.#i += 2;
      this.#expectPunct(')');
      return { fields: [], subqueries: [], count: true };
    }
    const fields: string[] = [];
    const subqueries: SubQuery[] = [];
    for (;;) {
      if (outer && this.#isPunct('(')) {
        this.#i++;
        subqueries.push(this.#subquery());
      } else fields.push(this.#fieldName());
      if (!this.#isPunct(',')) return { fields, subqueries, count: false };
      this.#i++;
    }
  }

  #literal(): { value: Value; isDate: boolean } {
    const t = this.#peek();
    if (!t) return this.#fail();
    if (t.kind === 'string' || t.kind === 'number' || t.kind === 'date') {
      this.#i++;
      return { value: t.value, isDate: t.kind === 'date' };
    }
    const words: Record<string, Value> = { null: null, true: true, false: false };
    const w = t.kind === 'word' ? t.value.toLowerCase() : '';
    if (!(w in words)) return this.#fail();
    this.#i++;
    return { value: words[w]!, isDate: false };
  }

  /** An optional WHERE clause. */
  #where(): Condition | null {
    if (!this.#isWord('where')) return null;
    this.#i++;
    return this.#orExpr();
  }

  /** Operands joined by one keyword, grouped from the left (a OR b OR c). */
  #chain(word: 'or' | 'and', operand: () => Condition): Condition {
    let left = operand();
    while (this.#isWord(word)) {
      this.#i++;
      left = { type: word, left, right: operand() };
    }
    return left;
  }

  #orExpr(): Condition {
    return this.#chain('or', () => this.#andExpr());
  }

  #andExpr(): Condition {
    return this.#chain('and', () => this.#primary());
  }

  #primary(): Condition {
    if (this.#isPunct('(')) {
      this.#i++;
      const inner = this.#orExpr();
      this.#expectPunct(')');
      return inner;
    }
    if (this.#isWord('not')) {
      this.#i++;
      return { type: 'not', operand: this.#primary() };
    }
    const field = this.#fieldName();
    let negate = false;
    if (this.#isWord('not')) {
      negate = true;
      this.#i++;
      if (!this.#isWord('in') && !this.#isWord('like')) this.#fail();
    }
    if (this.#isWord('in')) return this.#inList(field, negate);
    if (this.#isWord('like')) {
      this.#i++;
      const t = this.#peek();
      if (t?.kind !== 'string') return this.#fail();
      this.#i++;
      return { type: 'like', field, negate, pattern: t.value };
    }
    const op = this.#peek();
    if (op?.kind !== 'op') return this.#fail();
    this.#i++;
    const { value, isDate } = this.#literal();
    return { type: 'compare', field, op: op.value === '<>' ? '!=' : op.value, value, isDate };
  }

  #inList(field: string, negate: boolean): Condition {
    this.#i++;
    this.#expectPunct('(');
    const values: Value[] = [this.#literal().value];
    while (this.#isPunct(',')) {
      this.#i++;
      values.push(this.#literal().value);
    }
    this.#expectPunct(')');
    return { type: 'in', field, negate, values };
  }

  #orderBy(): SoqlQuery['orderBy'] {
    const orderBy: SoqlQuery['orderBy'] = [];
    if (!this.#isWord('order')) return orderBy;
    this.#i++;
    this.#expectWord('by');
    for (;;) {
      const field = this.#fieldName();
      let desc = false;
      if (this.#isWord('asc')) this.#i++;
      else if (this.#isWord('desc')) {
        desc = true;
        this.#i++;
      }
      let nullsLast = desc;
      if (this.#isWord('nulls')) {
        this.#i++;
        if (this.#isWord('first')) nullsLast = false;
        else if (this.#isWord('last')) nullsLast = true;
        else this.#fail();
        this.#i++;
      }
      orderBy.push({ field, desc, nullsLast });
      if (!this.#isPunct(',')) return orderBy;
      this.#i++;
    }
  }

  /** LIMIT n / OFFSET n: a non-negative integer after the keyword, or null without it. */
  #keywordNumber(keyword: string): number | null {
    if (!this.#isWord(keyword)) return null;
    this.#i++;
    const t = this.#peek();
    if (t?.kind !== 'number' || !Number.isInteger(t.value) || t.value < 0) return this.#fail();
    this.#i++;
    return t.value;
  }
}

/** LIKE: % any run, _ one character, case-insensitive; \% and \_ are literal. */
export function likeToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      source += pattern[i + 1];
      i++;
    } else if (c === '%') source += '[\\s\\S]*';
    else if (c === '_') source += '[\\s\\S]';
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'i');
}
