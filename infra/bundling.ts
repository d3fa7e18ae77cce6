/**
 * How every Lambda function is bundled, in one place: the CDK stack (pipeline-function.ts) and
 * `npm run bench` (bundle size and init time) build with exactly these esbuild options.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { chronoLocales } from '#shared/domain/parse/lazy-chrono.cjs';

/** Absolute path of what an ES import of `specifier` loads: a package's ESM build. */
function esmBuildOf(specifier: string): string {
  return fileURLToPath(import.meta.resolve(specifier));
}

export const lambdaEsbuild = {
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  sourcemap: true,
  // ESM entry points first: they tree-shake, CommonJS ones are taken whole.
  mainFields: ['module', 'main'],
  // ESM bundles need a require() for the CommonJS dependencies esbuild inlines.
  banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  // Bundle the AWS SDK too: the runtime's copy lacks @aws-sdk/lib-storage and may lag the pinned version.
  external: [] as string[],
  // html-to-text is imported by our code (its ESM build) and required by mailparser (its CommonJS
  // build): without this, the bundle holds both and their HTML parsers twice (about 240 KB).
  // jsforce's HTTP client is undici, a second copy of what Node's fetch already is (720 KB).
  // Charsets are decoded by the libraries mailparser uses (iconv-lite, encoding-japanese: 700 KB
  // of tables): Node's TextDecoder reads several double-byte charsets differently (CP949's
  // extended Hangul, Big5-HKSCS, JIS X 0212), see test/infra/charsets-bundle.test.ts.
  alias: {
    'html-to-text': esmBuildOf('html-to-text'),
    // The date readers require chrono-node's languages when a date first needs one (lazily, in the
    // bundle too); by default a require takes the CommonJS build, larger than the ES one (75 KB).
    ...Object.fromEntries(
      Object.keys(chronoLocales).map((l) => [`chrono-node/${l}`, esmBuildOf(`chrono-node/${l}`)]),
    ),
    undici: fileURLToPath(new URL('./undici-stand-in.ts', import.meta.url)),
    // mailparser escapes text for the HTML it builds with he, whose named references take 85 KB.
    he: fileURLToPath(new URL('../shared/adapters/mime/html-escape.ts', import.meta.url)),
    // mailparser configures a linkify-it instance as it loads, for links the parse stage never asks
    // for (about 20 ms of every cold start): built on first use instead, see builtins/linkify-it.cjs.
    'linkify-it': fileURLToPath(new URL('./builtins/linkify-it.cjs', import.meta.url)),
    'linkify-it-eager': createRequire(import.meta.url).resolve('linkify-it'),
    // The AWS SDK and the tracer import node:http as an ES module; see builtins/http.cjs.
    http: fileURLToPath(new URL('./builtins/http.cjs', import.meta.url)),
    'node:http': fileURLToPath(new URL('./builtins/http.cjs', import.meta.url)),
  },
} as const;

/** The same options in the form NodejsFunction takes (it runs the esbuild CLI with them). */
export function cdkBundling(): Pick<
  BundlingOptions,
  'format' | 'target' | 'minify' | 'sourceMap' | 'mainFields' | 'banner' | 'externalModules' | 'esbuildArgs'
> {
  return {
    format: lambdaEsbuild.format as OutputFormat,
    target: lambdaEsbuild.target,
    minify: lambdaEsbuild.minify,
    sourceMap: lambdaEsbuild.sourcemap,
    mainFields: [...lambdaEsbuild.mainFields],
    banner: lambdaEsbuild.banner,
    externalModules: [...lambdaEsbuild.external],
    // The CLI form of `alias` (NodejsFunction has no prop for it): --alias:name=path each.
    esbuildArgs: { '--alias': Object.entries(lambdaEsbuild.alias).map(([name, path]) => `${name}=${path}`) },
  };
}

/** esbuild's JavaScript API options for one handler, as the CDK would bundle it. */
export function esbuildOptionsFor(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    outfile,
    platform: lambdaEsbuild.platform,
    format: lambdaEsbuild.format,
    target: lambdaEsbuild.target,
    minify: lambdaEsbuild.minify,
    sourcemap: lambdaEsbuild.sourcemap,
    mainFields: [...lambdaEsbuild.mainFields],
    banner: { js: lambdaEsbuild.banner },
    external: [...lambdaEsbuild.external],
    alias: { ...lambdaEsbuild.alias },
  };
}
