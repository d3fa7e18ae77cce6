/**
 * Every package the production code imports is a `dependency` (not a devDependency that merely
 * happens to be installed): esbuild follows each entry point's imports through functions/,
 * shared/ and cli/ as the Lambda bundles do, leaving packages external, and every external
 * import must name a Node built-in or a package in package.json `dependencies`.
 */

import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${repo}/package.json`, 'utf8')) as {
  dependencies: Record<string, string>;
};

const entryPoints = {
  parse: 'functions/parse/handler.ts',
  sync: 'functions/sync/handler.ts',
  'rule-set': 'functions/rule-set/activation.ts',
  cli: 'cli/main.ts',
};

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageName(path: string): string {
  const parts = path.split('/');
  return path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

async function externalImports(entry: string): Promise<{ packages: Set<string>; sources: string[] }> {
  const result = await build({
    absWorkingDir: repo,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  const packages = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imported of input.imports) {
      if (imported.external && !imported.path.startsWith('.')) packages.add(imported.path);
    }
  }
  return { packages, sources: Object.keys(result.metafile.inputs) };
}

describe('production dependencies', () => {
  it.each(Object.entries(entryPoints))(
    '%s imports only Node built-ins and declared dependencies',
    async (_name, entry) => {
      const { packages, sources } = await externalImports(entry);
      // The walk went through the project's own modules (`#shared/…` resolved, not left external).
      if (entry !== entryPoints['rule-set']) expect(sources.some((s) => s.startsWith('shared/'))).toBe(true);
      expect([...packages].filter((p) => p.startsWith('#'))).toEqual([]);
      const builtins = new Set(builtinModules);
      const undeclared = [...packages]
        .filter((p) => !p.startsWith('node:') && !builtins.has(p))
        .map(packageName)
        .filter((name) => !(name in pkg.dependencies));
      expect(undeclared).toEqual([]);
      expect(packages.size).toBeGreaterThan(0);
    },
  );

  it('catches a package that is only a devDependency', async () => {
    const { packages } = await externalImports('test/infra/production-dependencies.test.ts');
    const undeclared = [...packages]
      .map(packageName)
      .filter((name) => !name.startsWith('node:') && !(name in pkg.dependencies));
    expect(undeclared).toEqual(expect.arrayContaining(['esbuild', 'vitest']));
  });

  it('leave Salesforce administration (setup, check, the Metadata API) out of the sync function', async () => {
    const { packages, sources } = await externalImports(entryPoints.sync);
    expect(sources.some((s) => s.startsWith('shared/adapters/salesforce/index.ts'))).toBe(true);
    expect(sources.filter((s) => s.includes('shared/adapters/salesforce/admin/'))).toEqual([]);
    expect([...packages].filter((p) => p.includes('/lib/api/metadata'))).toEqual([]);
    const cli = await externalImports(entryPoints.cli);
    expect(cli.sources).toContain('shared/adapters/salesforce/admin/setup.ts');
  });
});
