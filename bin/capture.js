#!/usr/bin/env node
// Entry point for `npx capture`. The project's TypeScript runs on Node 22's type stripping;
// when started by an older Node (the machine's default), re-run under the Node 22 that
// `npm ci` installs into node_modules/.bin.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheStrippedTypeScript } from './typescript-cache.js';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const node = join(root, 'node_modules', '.bin', 'node');
  if (!existsSync(node)) {
    process.stderr.write('error: Capture needs Node 22 or later; run `npm ci` first\n');
    process.exit(1);
  }
  const result = spawnSync(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}
// Node keeps the compiled code of the CLI's modules (TypeScript included) on disk between runs,
// keyed by their content: a second run skips most of the compiling (NODE_DISABLE_COMPILE_CACHE=1
// turns it off).
module.enableCompileCache?.();
cacheStrippedTypeScript();
await import('../cli/main.ts');
