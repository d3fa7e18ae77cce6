/**
 * A SOQL subset: SELECT fields (incl. parent fields such as Account.Name) or COUNT() FROM object
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

const ESCAPES: Record<string, string> = {
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
};

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
          const escaped = next === undefined ? undefined : ESCAPES[next];
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

export interface SoqlQuery {
  fields: string[];
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
  const tokens = tokenize(query);
  let i = 0;
  const peek = () => tokens[i];
  const isWord = (word: string, t = peek()) => t?.kind === 'word' && t.value.toLowerCase() === word;
  const fail = (message?: string): never => {
    const t = peek();
    const pos = t?.pos ?? query.length;
    throw malformed(query, pos, message ?? `unexpected token: '${t ? String(t.value) : '<EOF>'}'`);
  };
  const expectWord = (word: string) => {
    if (!isWord(word)) fail();
    i++;
  };
  const fieldName = (): string => {
    const t = peek();
    if (t?.kind !== 'word' || KEYWORDS.has(t.value.toLowerCase())) return fail();
    i++;
    return t.value;
  };

  expectWord('select');
  const fields: string[] = [];
  let count = false;
  if (isWord('count') && tokens[i + 1]?.value === '(') {
    i += 2;
    if (peek()?.value !== ')') fail();
    i++;
    count = true;
  } else {
    for (;;) {
      fields.push(fieldName());
      if (peek()?.value === ',') {
        i++;
        continue;
      }
      break;
    }
  }
  expectWord('from');
  const objectToken = peek();
  if (objectToken?.kind !== 'word' || objectToken.value.includes('.')) fail();
  i++;
  const object = String(objectToken!.value);

  const literal = (): { value: Value; isDate: boolean } => {
    const t = peek();
    if (!t) return fail();
    i++;
    if (t.kind === 'string') return { value: t.value, isDate: false };
    if (t.kind === 'number') return { value: t.value, isDate: false };
    if (t.kind === 'date') return { value: t.value, isDate: true };
    if (t.kind === 'word') {
      const w = t.value.toLowerCase();
      if (w === 'null') return { value: null, isDate: false };
      if (w === 'true') return { value: true, isDate: false };
      if (w === 'false') return { value: false, isDate: false };
    }
    i--;
    return fail();
  };

  const primary = (): Condition => {
    if (peek()?.value === '(') {
      i++;
      const inner = orExpr();
      if (peek()?.value !== ')') fail("expecting ')'");
      i++;
      return inner;
    }
    if (isWord('not')) {
      i++;
      return { type: 'not', operand: primary() };
    }
    const field = fieldName();
    let negate = false;
    if (isWord('not')) {
      negate = true;
      i++;
      if (!isWord('in') && !isWord('like')) fail();
    }
    if (isWord('in')) {
      i++;
      if (peek()?.value !== '(') fail("expecting '('");
      i++;
      const values: Value[] = [];
      for (;;) {
        values.push(literal().value);
        if (peek()?.value === ',') {
          i++;
          continue;
        }
        break;
      }
      if (peek()?.value !== ')') fail("expecting ')'");
      i++;
      return { type: 'in', field, negate, values };
    }
    if (isWord('like')) {
      i++;
      const t = peek();
      if (t?.kind !== 'string') return fail();
      i++;
      return { type: 'like', field, negate, pattern: t.value };
    }
    const op = peek();
    if (op?.kind !== 'op') return fail();
    i++;
    const { value, isDate } = literal();
    return { type: 'compare', field, op: op.value === '<>' ? '!=' : op.value, value, isDate };
  };
  const andExpr = (): Condition => {
    let left = primary();
    while (isWord('and')) {
      i++;
      left = { type: 'and', left, right: primary() };
    }
    return left;
  };
  const orExpr = (): Condition => {
    let left = andExpr();
    while (isWord('or')) {
      i++;
      left = { type: 'or', left, right: andExpr() };
    }
    return left;
  };

  let where: Condition | null = null;
  if (isWord('where')) {
    i++;
    where = orExpr();
  }
  const orderBy: SoqlQuery['orderBy'] = [];
  if (isWord('order')) {
    i++;
    expectWord('by');
    for (;;) {
      const field = fieldName();
      let desc = false;
      if (isWord('asc')) i++;
      else if (isWord('desc')) {
        desc = true;
        i++;
      }
      let nullsLast = desc;
      if (isWord('nulls')) {
        i++;
        if (isWord('first')) nullsLast = false;
        else if (isWord('last')) nullsLast = true;
        else fail();
        i++;
      }
      orderBy.push({ field, desc, nullsLast });
      if (peek()?.value === ',') {
        i++;
        continue;
      }
      break;
    }
  }
  let limit: number | null = null;
  let offset = 0;
  if (isWord('limit')) {
    i++;
    const t = peek();
    if (t?.kind !== 'number' || !Number.isInteger(t.value) || t.value < 0) return fail();
    limit = t.value;
    i++;
  }
  if (isWord('offset')) {
    i++;
    const t = peek();
    if (t?.kind !== 'number' || !Number.isInteger(t.value) || t.value < 0) return fail();
    offset = t.value;
    i++;
  }
  if (i < tokens.length) fail();
  return { fields, count, object, where, orderBy, limit, offset };
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
