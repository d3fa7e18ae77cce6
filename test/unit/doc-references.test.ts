/**
 * The docs name the code and the tests behind what they say: every file they name exists, and
 * every test they name (`file` › title) is in that file. A doc that outlives a rename or a
 * removed test fails here instead of pointing readers at nothing.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const docs = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
);

/** Project folders a doc may name files in. */
const FOLDERS = ['bench', 'bin', 'cli', 'docs', 'functions', 'infra', 'local', 'scripts', 'shared', 'test'];
const FILE = new RegExp(`^(?:${FOLDERS.join('|')})/[\\w./-]+\\.(?:ts|md|json|eml|sh|ics)$`);
const TEST_FILE = /^[\w.-]+\.test\.ts$/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
const testFiles = filesUnder(join(root, 'test')).filter((f) => f.endsWith('.test.ts'));

/** The doc with each paragraph and list item on one line (Markdown wraps sentences). */
function unwrapped(text: string): string {
  return text.replace(/\n(?![\n|#>`]|\s*(?:[-*]|\d+\.)\s)\s*/g, ' ');
}

/** Backticked names in a doc, with what follows each in its paragraph. */
function named(text: string): { name: string; rest: string }[] {
  return [...unwrapped(text).matchAll(/`([^`\n]+)`(?=([^\n]*))/g)].map((m) => ({
    name: m[1] ?? '',
    rest: m[2] ?? '',
  }));
}

/** The test file a name stands for: a path from the root, or a test file's own name. */
function testFileOf(name: string): string | null {
  if (FILE.test(name) && name.endsWith('.test.ts')) return join(root, name);
  if (TEST_FILE.test(name)) return testFiles.find((f) => basename(f) === name) ?? null;
  return null;
}

/**
 * The title after ` › `, up to where the sentence or table cell goes on; or a title in quotes
 * right after the file (`file` "title").
 */
function titleAfter(rest: string): string | null {
  const quoted = /^\s*,?\s*"([^"]+)"/.exec(rest);
  if (quoted) return quoted[1]?.trim() || null;
  const m = /^\s*›\s*([^`|()]+?)\s*(?:[|()]|;|$|\. )/.exec(rest);
  return m?.[1]?.trim() || null;
}

/** Apostrophes written either way are one. */
const plain = (text: string) => text.replace(/[‘’]/g, "'");

/** Test titles as written in a test file, quotes undone. */
function titlesOf(file: string): string {
  return plain(readFileSync(file, 'utf8').replace(/\\(['"`])/g, '$1'));
}

it('finds the files and tests the docs name (so the checks below check something)', () => {
  const all = docs.flatMap((doc) => named(readFileSync(join(root, doc), 'utf8')));
  expect(all.filter(({ name }) => FILE.test(name)).length).toBeGreaterThan(150);
  expect(
    all.filter(({ name, rest }) => name.endsWith('.test.ts') && titleAfter(rest)).length,
  ).toBeGreaterThan(100);
});

describe.each(docs)('%s', (doc) => {
  const text = readFileSync(join(root, doc), 'utf8');

  it('names only files that exist', () => {
    const missing = named(text)
      .map(({ name }) => name.split(/[:#]/)[0] ?? '')
      .filter((name) => FILE.test(name) && !existsSync(join(root, name)));
    expect(missing).toEqual([]);
  });

  it('names only tests that are there', () => {
    const missing: string[] = [];
    for (const { name, rest } of named(text)) {
      const title = titleAfter(rest);
      if (!title) continue;
      if (!name.endsWith('.test.ts')) continue;
      const file = testFileOf(name);
      if (!file || !existsSync(file)) {
        missing.push(`${name} (no such test file)`);
        continue;
      }
      // A doc may shorten a title (…); its first words must be the test's.
      const start = plain(title.split('…')[0] ?? '')
        .trim()
        .slice(0, 40);
      if (!titlesOf(file).includes(start)) missing.push(`${name} › ${title}`);
    }
    expect(missing).toEqual([]);
  });
});
