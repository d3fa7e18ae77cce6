/**
 * Preloaded (`NODE_OPTIONS=--import …`) into a command a test runs: prints every module the
 * command loads to stderr, one `module: <url>` line each, so the test can tell what was loaded.
 */
import module from 'node:module';

module.registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    process.stderr.write(`module: ${resolved.url}\n`);
    return resolved;
  },
});
