/**
 * The function code exactly as the stack ships it: the esbuild bundle in the cloud assembly. It is
 * one minified ESM file with its source map, carries its own AWS SDK, nothing from `local/` or the
 * AGPL policy engine, and it loads and answers on Node (the bundle runs outside this repository,
 * with nothing but the variables the stack sets).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnResource, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { restProxyEvent } from '../../local/apigateway/proxy-event';
import { type Synthesized, synthesized } from '../support/synth';

let synth: Synthesized;
let bundleDir: string;

beforeAll(() => {
  synth = synthesized();
  const fnId = Stack.of(synth.stack).getLogicalId(
    synth.stack.userFiles.handler.node.defaultChild as CfnResource,
  );
  const fn = synth.template.toJSON().Resources[fnId] as { Properties: { Code: { S3Key: string } } };
  const hash = fn.Properties.Code.S3Key.replace(/\.zip$/, '');
  const assets = JSON.parse(
    readFileSync(join(synth.outdir, `${synth.stack.artifactId}.assets.json`), 'utf8'),
  ) as {
    files: Record<string, { source: { path: string; packaging: string } }>;
  };
  const asset = assets.files[hash];
  if (!asset) throw new Error(`no file asset ${hash} for the function`);
  expect(asset.source.packaging).toBe('zip');
  bundleDir = join(synth.outdir, asset.source.path);
});

describe('function bundle', () => {
  it('is one minified ESM file with a source map', () => {
    const code = join(bundleDir, 'index.mjs');
    expect(existsSync(code)).toBe(true);
    expect(existsSync(join(bundleDir, 'index.mjs.map'))).toBe(true);
    const text = readFileSync(code, 'utf8');
    // Minified: very long lines, not formatted source (template literals keep a few newlines).
    expect(text.length / text.split('\n').length).toBeGreaterThan(1000);
    expect(text).toMatch(/sourceMappingURL=index\.mjs\.map/);
    // Generous ceiling that still catches an unbundled or unminified SDK.
    expect(statSync(code).size).toBeLessThan(3 * 1024 * 1024);
  });

  it('bundles the handler and its AWS SDK, and nothing from the local stack', () => {
    const map = JSON.parse(readFileSync(join(bundleDir, 'index.mjs.map'), 'utf8')) as { sources: string[] };
    const sources = map.sources.map((source) => source.replaceAll('\\', '/'));
    expect(sources.some((source) => source.endsWith('lambdas/api/handler.ts'))).toBe(true);
    expect(sources.some((source) => source.includes('node_modules/@aws-sdk/client-s3/'))).toBe(true);
    expect(sources.some((source) => source.includes('node_modules/@aws-sdk/client-cognito-identity/'))).toBe(
      true,
    );
    expect(
      sources.filter((source) => /@cloud-copilot|(^|\/)local\/|aws-cdk-lib|cdk-nag/.test(source)),
    ).toEqual([]);
  });

  it('loads on Node and answers a request without an ID token with a 401 problem', () => {
    const fnId = Stack.of(synth.stack).getLogicalId(
      synth.stack.userFiles.handler.node.defaultChild as CfnResource,
    );
    const fn = synth.template.toJSON().Resources[fnId] as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    };
    const literal = Object.fromEntries(
      Object.entries(fn.Properties.Environment.Variables).filter(([, value]) => typeof value === 'string'),
    ) as Record<string, string>;
    const event = restProxyEvent({
      method: 'GET',
      path: '/me',
      headers: { Origin: 'http://localhost:5173' },
      body: null,
      claims: null,
      requestId: 'c0ffee00-0000-4000-8000-000000000000',
      received: new Date(),
      sourceIp: '127.0.0.1',
      userAgent: 'vitest',
      domainName: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
      accountId: '123456789012',
      apiId: 'abcdef1234',
    });
    const context = {
      awsRequestId: '11111111-1111-4111-8111-111111111111',
      functionName: 'user-files-api',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:user-files-api',
      memoryLimitInMB: '1024',
    };
    const script = `
      const { handler } = await import(process.env.BUNDLE);
      const result = await handler(JSON.parse(process.env.EVENT), { ...JSON.parse(process.env.CONTEXT), getRemainingTimeInMillis: () => 10000 });
      process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: bundleDir,
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: process.env.PATH ?? '',
        ...literal,
        // What Lambda and the stack's Refs provide at run time.
        AWS_REGION: 'us-east-1',
        USER_POOL_ID: 'us-east-1_TestPool1',
        USER_POOL_CLIENT_IDS: 'testappclient1',
        IDENTITY_POOL_ID: 'us-east-1:00000000-0000-4000-8000-000000000000',
        BUCKET_NAME: 'user-files-bundle-test',
        AUTHENTICATED_ROLE_ARN: 'arn:aws:iam::123456789012:role/user-files-bundle-test',
        AWS_LAMBDA_FUNCTION_NAME: 'user-files-api',
        AWS_EC2_METADATA_DISABLED: 'true',
        BUNDLE: join(bundleDir, 'index.mjs'),
        EVENT: JSON.stringify(event),
        CONTEXT: JSON.stringify(context),
      },
    });
    expect(run.error).toBeUndefined();
    const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect(line, `stdout: ${run.stdout}\nstderr: ${run.stderr}`).toBeDefined();
    expect(run.status).toBe(0);
    const result = JSON.parse((line as string).slice('RESULT '.length)) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    };
    expect(result.statusCode).toBe(401);
    const headers = Object.fromEntries(Object.entries(result.headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(result.body)).toMatchObject({ status: 401, code: 'unauthorized' });
  });
});
