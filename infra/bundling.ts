/**
 * How every Lambda function is bundled, in one place: the CDK stack (pipeline-function.ts) and
 * `npm run bench` (bundle size and init time) build with exactly these esbuild options.
 */
import type { BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

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
} as const;

/** The same options in the form NodejsFunction takes (it runs the esbuild CLI with them). */
export function cdkBundling(): Pick<
  BundlingOptions,
  'format' | 'target' | 'minify' | 'sourceMap' | 'mainFields' | 'banner' | 'externalModules'
> {
  return {
    format: lambdaEsbuild.format as OutputFormat,
    target: lambdaEsbuild.target,
    minify: lambdaEsbuild.minify,
    sourceMap: lambdaEsbuild.sourcemap,
    mainFields: [...lambdaEsbuild.mainFields],
    banner: lambdaEsbuild.banner,
    externalModules: [...lambdaEsbuild.external],
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
  };
}
