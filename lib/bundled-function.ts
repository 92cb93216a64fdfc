import { join } from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

export const PROJECT_ROOT = join(import.meta.dirname, '..');

/**
 * What every function of the stack shares: ARM64 on Node.js 24, bundled from this repository with
 * the local esbuild, as the tests bundle it.
 */
export const BUNDLED_FUNCTION = {
  handler: 'handler',
  projectRoot: PROJECT_ROOT,
  depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
  runtime: lambda.Runtime.NODEJS_24_X,
  architecture: lambda.Architecture.ARM_64,
  loggingFormat: lambda.LoggingFormat.JSON,
} as const;

export const BUNDLING: BundlingOptions = {
  // Local esbuild only: no Docker here or in CI.
  forceDockerBundling: false,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // Node 22 syntax runs on the Node 24 runtime.
  target: 'node22',
  format: OutputFormat.ESM,
  mainFields: ['module', 'main'],
  // CommonJS dependencies bundled into ESM still call `require` for Node built-ins.
  banner: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
  // Bundle the pinned AWS SDK instead of the runtime's, so what is tested is what runs.
  externalModules: [],
  bundleAwsSDK: true,
};
