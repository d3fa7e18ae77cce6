// The CLI's TypeScript, stripped of its types once and kept in the project's node_modules/.cache
// (written only by whoever installed the project, unlike a shared temporary folder), keyed by
// Node's version, the file and its content: a run whose sources did not change skips the type
// stripper, about a tenth of a short command's CPU. The stripping is Node's own: the types become
// spaces, so every line and column stays where it is in the source. On while Node's compile cache
// is (not with NODE_DISABLE_COMPILE_CACHE=1).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_CACHE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'node_modules',
  '.cache',
  'capture-stripped-ts',
);

/** Registers the cache in `dir` when this Node has what it needs and its compile cache is on. */
export function cacheStrippedTypeScript(dir = PROJECT_CACHE) {
  if (!module.getCompileCacheDir?.() || !module.registerHooks || !module.stripTypeScriptTypes) return;
  module.registerHooks({
    load(url, context, nextLoad) {
      if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
      const source = readFileSync(fileURLToPath(url), 'utf8');
      const file = join(
        dir,
        `${createHash('sha256').update(process.version).update('\0').update(url).update('\0').update(source).digest('hex')}.js`,
      );
      let stripped;
      try {
        stripped = readFileSync(file, 'utf8');
      } catch {
        stripped = quietly(() => module.stripTypeScriptTypes(source));
        keep(file, stripped);
      }
      return { format: 'module', source: stripped, shortCircuit: true };
    },
  });

  /** Without the experimental-feature notice the stripper prints (Node's own loader prints none). */
  function quietly(work) {
    const emitWarning = process.emitWarning;
    process.emitWarning = (warning, ...rest) => {
      const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
      if (type !== 'ExperimentalWarning') emitWarning.call(process, warning, ...rest);
    };
    try {
      return work();
    } finally {
      process.emitWarning = emitWarning;
    }
  }

  function keep(file, text) {
    try {
      mkdirSync(dir, { recursive: true });
      const partial = `${file}.${process.pid}`;
      writeFileSync(partial, text);
      renameSync(partial, file);
    } catch {
      // A cache that cannot be written only costs the next run the stripping.
    }
  }
}
