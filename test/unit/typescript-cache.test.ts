/**
 * The CLI keeps its TypeScript stripped of types on disk (bin/typescript-cache.js): a module comes
 * from the cache while its source is unchanged, is stripped again once it changes, keeps its lines
 * where the source has them, and the stripper's experimental notice is not printed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const work = mkdtempSync(join(tmpdir(), 'capture-ts-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const cacheDir = join(work, 'cache');
const moduleFile = join(work, 'greet.ts');
const hooks = pathToFileURL(join(import.meta.dirname, '../../bin/typescript-cache.js')).href;

/** Runs greet.ts in a fresh Node with the cache on (as bin/capture.js turns it on); stdout and stderr. */
function run(env: Record<string, string> = {}): { stdout: string; stderr: string } {
  const script = `import module from 'node:module';
module.enableCompileCache?.(${JSON.stringify(join(work, 'v8'))});
const { cacheStrippedTypeScript } = await import(${JSON.stringify(hooks)});
cacheStrippedTypeScript(${JSON.stringify(cacheDir)});
const { greet } = await import(${JSON.stringify(pathToFileURL(moduleFile).href)});
console.log(greet('Ada'));
try { greet(''); } catch (e) { console.log(e.stack.split('\\n')[1].replace(/^.*greet\\.ts:/, 'greet.ts:')); }`;
  const { PATH = '' } = process.env;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH, ...env },
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  return { stdout: result.stdout, stderr: result.stderr };
}

const cached = () =>
  readdirSync(cacheDir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);

describe('stripped TypeScript kept between runs', () => {
  it('strips a module once, reads it from the cache while unchanged, strips it again once changed, lines kept', () => {
    const source = (word: string) =>
      `interface Named {\n  name: string;\n}\n\nexport function greet(name: Named['name']): string {\n  if (!name) throw new Error('no name');\n  return \`${word}, \${name as string}\`;\n}\n`;
    writeFileSync(moduleFile, source('Hello'));
    const first = run();
    expect(first.stdout.split('\n').slice(0, 2)).toEqual(['Hello, Ada', 'greet.ts:6:20)']);
    expect(first.stderr).not.toMatch(/ExperimentalWarning|stripTypeScriptTypes/);
    expect(cached()).toHaveLength(1);

    // Unchanged source: the module is the cached text (changed here by hand to tell them apart).
    const [entry = ''] = cached();
    writeFileSync(
      join(cacheDir, entry),
      readFileSync(join(cacheDir, entry), 'utf8').replace('`Hello', '`Cached'),
    );
    expect(run().stdout.split('\n')[0]).toBe('Cached, Ada');

    // A changed source is stripped again, into an entry of its own.
    writeFileSync(moduleFile, source('Hi'));
    expect(run().stdout.split('\n')[0]).toBe('Hi, Ada');
    expect(cached()).toHaveLength(2);
  });

  it('stays off with the compile cache off (NODE_DISABLE_COMPILE_CACHE=1)', () => {
    rmSync(cacheDir, { recursive: true, force: true });
    writeFileSync(moduleFile, "export function greet(name: string): string {\n  return 'Hey, ' + name;\n}\n");
    expect(run({ NODE_DISABLE_COMPILE_CACHE: '1' }).stdout.split('\n')[0]).toBe('Hey, Ada');
    expect(() => readdirSync(cacheDir)).toThrow();
  });
});
