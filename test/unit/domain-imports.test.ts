/**
 * The domain is pure: MIME libraries, streams, the AWS SDK, jsforce and HTTP stay in adapters.
 * Reads every import of shared/domain so a new one cannot slip in unnoticed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const FORBIDDEN = [
  /^mailparser$/,
  /^mailsplit$/,
  /^html-to-text$/,
  /^iconv-lite$/,
  /^libmime$/,
  /^node:stream/,
  /^node:http/,
  /^@aws-sdk\//,
  /^jsforce/,
  /adapters\//,
  // Ports speak the domain's types; the domain never reads a port.
  /ports\//,
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(?:ts|cjs)$/.test(entry.name) ? [path] : [];
  });
}

function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"`;]*?from\s*['"]([^'"]+)['"]/g))
    found.push(m[1] ?? '');
  for (const m of text.matchAll(/(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1] ?? '');
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) found.push(m[1] ?? '');
  return found;
}

describe('shared/domain imports', () => {
  it('finds the imports it checks (the reader works)', () => {
    expect(
      importsOf(
        "import x from 'mailparser';\nexport { y } from './y.ts';\nconst z = () => require('iconv-lite');",
      ),
    ).toEqual(['mailparser', './y.ts', 'iconv-lite']);
  });

  it('imports no MIME library, stream, AWS SDK, jsforce, HTTP, adapter or port', () => {
    const offending: string[] = [];
    for (const file of sources(join(root, 'shared', 'domain'))) {
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        if (FORBIDDEN.some((rule) => rule.test(spec))) offending.push(`${relative(root, file)}: ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
