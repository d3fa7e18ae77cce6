/**
 * he's `encode()` as mailparser calls it (the HTML it builds beside address headers), without
 * he's 85 KB table of named references. With its default options the output is he's own: the
 * HTML-unsafe characters, astral symbols and every BMP character outside printable ASCII as
 * hexadecimal references. Named references are given for the unsafe characters only (he would
 * name some non-ASCII ones too): mailparser asks for them only in text-to-HTML links, which
 * Capture turns off. The Lambda bundle puts this module where mailparser requires he
 * (infra/bundling.ts); test/infra/charsets-bundle.test.ts compares it with he.
 */
const UNSAFE = /["&'<>`]/g;
const ASTRAL = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;
/** he's "BMP whitelist": what remains to escape after the unsafe and astral symbols. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are among those he escapes.
const OTHER = /[\x01-\t\x0B\f\x0E-\x1F\x7F\x81\x8D\x8F\x90\x9D\xA0-\uFFFF]/g;
const NAMED = new Map<string, string>(
  Object.entries({
    '"': '&quot;',
    '&': '&amp;',
    "'": '&apos;',
    '<': '&lt;',
    '>': '&gt;',
    '`': '&grave;',
  }),
);

const hex = (codePoint: number) => `&#x${codePoint.toString(16).toUpperCase()};`;

export function encode(text: string, options: { useNamedReferences?: boolean } = {}): string {
  return `${text}`
    .replace(UNSAFE, (c) =>
      options.useNamedReferences ? (NAMED.get(c) ?? hex(c.charCodeAt(0))) : hex(c.charCodeAt(0)),
    )
    .replace(ASTRAL, (pair) => hex(pair.codePointAt(0)!))
    .replace(OTHER, (c) => hex(c.charCodeAt(0)));
}

export default { encode };
