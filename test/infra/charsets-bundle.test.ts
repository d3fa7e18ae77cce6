/**
 * Charsets as the deployed parse function decodes them: iconv-lite, encoding-japanese and he
 * bundled with the Lambda options (infra/bundling.ts), loaded here, against the installed
 * libraries. Every charset name iconv-lite and encoding-japanese accept decodes text covering the
 * charset's repertoire (every byte of a single-byte charset; every BMP character and a spread of
 * astral ones, encoded by the library itself, for the others) to the same text; he's stand-in (html-escape.ts) escapes that repertoire as he does. A
 * dependency upgrade that changes a table, or a bundling option that swaps a library for
 * something else, fails here rather than on the first mail that uses the charset.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { esbuildOptionsFor } from '#infra/bundling.ts';

const load = createRequire(import.meta.url);
const iconv = load('iconv-lite') as typeof import('iconv-lite');
const Encoding = load('encoding-japanese') as typeof import('encoding-japanese');
const he = load('he') as typeof import('he');

type JapaneseEncoding = import('encoding-japanese').Encoding;

interface Bundled {
  iconv: typeof iconv;
  japanese: typeof Encoding;
  he: typeof he;
}

let bundled: Bundled;
let inputs: string[];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'capture-charsets-'));
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    "export { default as iconv } from 'iconv-lite';\n" +
      "export { default as japanese } from 'encoding-japanese';\n" +
      "export { default as he } from 'he';\n",
  );
  const outfile = join(dir, 'charsets.mjs');
  const result = await build({
    ...esbuildOptionsFor(entry, outfile),
    // The entry sits in a temp folder: packages resolve from the project's node_modules.
    nodePaths: [fileURLToPath(new URL('../../node_modules', import.meta.url))],
    metafile: true,
    logLevel: 'silent',
  });
  inputs = Object.keys(result.metafile?.inputs ?? {});
  bundled = (await import(pathToFileURL(outfile).href)) as Bundled;
}, 60_000);

/** Every BMP character but the surrogates, then every 97th astral one. */
const REPERTOIRE = (() => {
  const chars: string[] = [];
  for (let c = 0; c < 0x10000; c++) if (c < 0xd800 || c > 0xdfff) chars.push(String.fromCharCode(c));
  for (let c = 0x10000; c < 0x110000; c += 97) chars.push(String.fromCodePoint(c));
  return chars.join('');
})();

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** Where two decodings part, for a readable failure. */
function firstDifference(a: string, b: string): string | null {
  if (a === b) return null;
  const x = [...a];
  const y = [...b];
  const i = x.findIndex((c, n) => c !== y[n]);
  const at = i === -1 ? x.length : i;
  const hex = (c: string | undefined) => (c === undefined ? 'end' : `U+${c.codePointAt(0)?.toString(16)}`);
  return `at character ${at}: ${hex(x[at])} instead of ${hex(y[at])}`;
}

describe('charsets in the parse bundle', () => {
  it('bundles the libraries themselves', () => {
    for (const pkg of ['iconv-lite', 'encoding-japanese'])
      expect(
        inputs.some((p) => p.includes(`node_modules/${pkg}/`)),
        pkg,
      ).toBe(true);
    // he's named-reference table stays out: mailparser's only use of it is replaced (html-escape.ts).
    expect(inputs.filter((p) => p.includes('node_modules/he/'))).toEqual([]);
  });

  it("decodes every iconv-lite charset name's repertoire as iconv-lite does", () => {
    const names = Object.keys(load('iconv-lite/encodings')).filter((name) => !name.startsWith('_'));
    expect(names.length).toBeGreaterThan(400);
    // One encoding and one library decoding per codec; every name goes through the bundle.
    const byCodec = new Map<unknown, { bytes: Buffer; text: string }>();
    const differing: string[] = [];
    for (const name of names) {
      const codec = iconv.getCodec(name);
      let expected = byCodec.get(codec);
      if (!expected) {
        // A single-byte charset's repertoire is its 256 bytes; the others', the text they encode.
        const singleByte = (codec as { decodeBuf?: unknown }).decodeBuf !== undefined;
        const bytes = singleByte ? ALL_BYTES : iconv.encode(REPERTOIRE, name);
        expected = { bytes, text: iconv.decode(bytes, name) };
        byCodec.set(codec, expected);
      }
      expect(bundled.iconv.encodingExists(name), name).toBe(true);
      const difference = firstDifference(bundled.iconv.decode(expected.bytes, name), expected.text);
      if (difference) differing.push(`${name} ${difference}`);
    }
    expect(differing).toEqual([]);
  });

  it("decodes every encoding-japanese charset name's repertoire as encoding-japanese does", () => {
    const codes = Array.from(REPERTOIRE.slice(0, 0xf800), (c) => c.charCodeAt(0));
    // Every name encoding-japanese accepts, aliases included (its config holds the list).
    const { EncodingAliases } = load('encoding-japanese/src/config.js') as { EncodingAliases: object };
    const japanese = Object.keys(EncodingAliases).filter((n) => n !== 'UNICODE') as JapaneseEncoding[];
    expect(japanese).toEqual(expect.arrayContaining(['JIS', 'ISO2022JP', 'EUCJP', 'SJIS', 'CP932']));
    const differing: string[] = [];
    for (const name of japanese) {
      const bytes = Buffer.from(Encoding.convert(codes, { to: name, from: 'UNICODE' }) as number[]);
      const options = { to: 'UNICODE', from: name, type: 'string' } as const;
      const difference = firstDifference(
        bundled.japanese.convert(bytes, options) as string,
        Encoding.convert(bytes, options) as string,
      );
      if (difference) differing.push(`${name} ${difference}`);
    }
    expect(differing).toEqual([]);
  });

  it('escapes the repertoire for HTML as he does, naming the unsafe characters as he names them', () => {
    expect(firstDifference(bundled.he.encode(REPERTOIRE), he.encode(REPERTOIRE))).toBeNull();
    // Named references for what mailparser asks them for: the characters HTML gives meaning to.
    const ascii = REPERTOIRE.slice(0, 0x80);
    const named = { useNamedReferences: true };
    expect(firstDifference(bundled.he.encode(ascii, named), he.encode(ascii, named))).toBeNull();
  });
});
