/**
 * SOQL string literals. Salesforce's escapes inside single quotes: backslash first (so the
 * escapes added next are not doubled), then the quote, then control characters. Hostile input
 * (quotes, backslashes, "' OR Name LIKE '%") stays inside its literal: it can neither break
 * nor widen a query.
 */
export function soqlString(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\f/g, '\\f')
    .replaceAll(String.fromCharCode(8), '\\b');
  return `'${escaped}'`;
}

/** Field and object API names cannot be quoted: only names of the documented shape are allowed. */
export function soqlName(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a Salesforce API name: ${name}`);
  return name;
}

/**
 * `Field IN ('a','b',…)` clauses, chunked so each WHERE stays under the size SOQL accepts
 * (the whole query must stay under 100,000 characters; we keep each well below that).
 */
export function inClauses(field: string, values: readonly string[], maxChars = 3_500): string[] {
  const clauses: string[] = [];
  let current: string[] = [];
  let length = 0;
  for (const value of values) {
    const literal = soqlString(value);
    if (current.length > 0 && length + literal.length + 1 > maxChars) {
      clauses.push(`${soqlName(field)} IN (${current.join(',')})`);
      current = [];
      length = 0;
    }
    current.push(literal);
    length += literal.length + 1;
  }
  if (current.length > 0) clauses.push(`${soqlName(field)} IN (${current.join(',')})`);
  return clauses;
}

/**
 * Queries `${head} WHERE Field IN (…)${tail}` covering every value, packed so each query's
 * URL-encoded form stays within `budget` characters: a query travels in a GET URL (also inside
 * composite), and Salesforce refuses URIs much over 16,000 characters. Packing by the encoded
 * length keeps most batches to one query per kind however the values are spelt.
 */
export function packedQueries(
  head: string,
  field: string,
  values: readonly string[],
  tail = '',
  budget = URL_QUERY_BUDGET,
): string[] {
  // A relationship path (Contact.Email) is checked name by name.
  const name = field.split('.').map(soqlName).join('.');
  const fixed = encodeURIComponent(`${head} WHERE ${name} IN ()${tail}`).length;
  const queries: string[] = [];
  let current: string[] = [];
  let length = fixed;
  const flush = () => {
    if (current.length > 0) queries.push(`${head} WHERE ${name} IN (${current.join(',')})${tail}`);
    current = [];
    length = fixed;
  };
  for (const value of values) {
    const literal = soqlString(value);
    const cost = encodeURIComponent(`${literal},`).length;
    if (current.length > 0 && length + cost > budget) flush();
    current.push(literal);
    length += cost;
  }
  flush();
  return queries;
}

/** Encoded characters one query may take in a URL (well under Salesforce's ~16,384-character URI limit). */
export const URL_QUERY_BUDGET = 12_000;
