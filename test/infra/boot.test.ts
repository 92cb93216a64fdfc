/**
 * Every function the stack bundles, booted exactly as Lambda would boot it: the bundle from the
 * cloud assembly, the environment its synthesized template gives it (references replaced by
 * values of the referenced resource's kind), and one call. Run for several configurations the
 * construct accepts, so a variable one side writes and the other refuses fails here, not at a
 * deployed cold start.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthesize } from '../support/synth';

const GIB = 1024 ** 3;

const CONFIGURATIONS: Record<string, Record<string, unknown>> = {
  defaults: {},
  '10 GiB uploads': { maxUploadBytes: 10 * GIB },
  '10 GiB and 1 TiB levels': {
    uploadRules: { private: { maxUploadBytes: 10 * GIB }, public: { maxUploadBytes: 1024 * GIB } },
  },
  'direct mode': { accessMode: 'direct' },
  '1 h sessions': { sessionDurationSeconds: 3600, maxUrlLifetimeSeconds: 3600 },
  '30-day unfinished uploads': { incompleteUploadExpiryDays: 30 },
  'no session store': { sessionStore: false },
  'no guests': { guestAccess: false },
  // As -c gives them: JSON strings. Both functions read both quotas, which need the ledger.
  'user and group quotas': {
    quota: JSON.stringify({ bytes: 5 * GIB }),
    groupQuota: JSON.stringify({ bytes: 50 * GIB, objects: 20_000 }),
  },
  // The API function reads MALWARE_SCANNING; the events function acts on every result, told none.
  'malware scanning': { malwareScanning: JSON.stringify({ prefixes: ['public/'], onUnsupported: 'serve' }) },
};

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/** What a reference resolves to at deploy time, by the kind of resource it names. */
const REFERENCE_VALUES: Record<string, (logicalId: string) => string> = {
  'AWS::Cognito::UserPool': () => 'us-east-1_BootPool1',
  'AWS::Cognito::UserPoolClient': () => 'bootappclient1',
  'AWS::Cognito::IdentityPool': () => 'us-east-1:00000000-0000-4000-8000-000000000000',
  'AWS::S3::Bucket': () => 'user-files-boot',
  'AWS::DynamoDB::Table': (id) => `boot-${id}`,
  'AWS::IAM::Role': (id) => `arn:aws:iam::123456789012:role/${id}`,
  'AWS::KMS::Key': () => 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000001',
};
const PSEUDO: Record<string, string> = {
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'UserFilesBoot',
};

function resolve(value: unknown, template: Template): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, unknown>;
  if (typeof node.Ref === 'string') return resolveId(node.Ref, template);
  const getAtt = node['Fn::GetAtt'] as [string, string] | undefined;
  if (getAtt) return resolveId(getAtt[0], template);
  const join = node['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map((part) => resolve(part, template)).join(join[0]);
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

function resolveId(id: string, template: Template): string {
  const pseudo = PSEUDO[id];
  if (pseudo !== undefined) return pseudo;
  const type = template.Resources[id]?.Type ?? '(missing)';
  const make = REFERENCE_VALUES[type];
  if (!make) throw new Error(`no boot value for a reference to ${type} (${id})`);
  return make(id);
}

interface BundledFunction {
  readonly id: string;
  readonly dir: string;
  /** The project handler the bundle was built from, e.g. `lambdas/api/handler.ts`. */
  readonly entry: string;
  readonly environment: Record<string, string>;
}

/** The stack's own functions (bundled from `lambdas/`), not the CDK's custom-resource helpers. */
function bundledFunctions(outdir: string, artifactId: string, template: Template): BundledFunction[] {
  const assets = JSON.parse(readFileSync(join(outdir, `${artifactId}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };
  return Object.entries(template.Resources).flatMap(([id, resource]) => {
    if (resource.Type !== 'AWS::Lambda::Function') return [];
    const props = resource.Properties as {
      Code: { S3Key?: unknown };
      Environment?: { Variables?: Record<string, unknown> };
    };
    const key = props.Code.S3Key;
    const asset = typeof key === 'string' ? assets.files[key.replace(/\.zip$/, '')] : undefined;
    if (!asset) return [];
    const dir = join(outdir, asset.source.path);
    const map = JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')) as { sources: string[] };
    const entry = map.sources
      .map((s) => s.replaceAll('\\', '/'))
      .find((s) => /lambdas\/.+\/handler\.ts$/.test(s));
    if (!entry) return [];
    const variables = props.Environment?.Variables ?? {};
    const environment = Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [name, resolve(value, template)]),
    );
    return [{ id, dir, entry: entry.slice(entry.indexOf('lambdas/')), environment }];
  });
}

/** One call each function must answer without any AWS call, and what it must answer. */
const PROBES: Record<string, { event: unknown; expect: (result: unknown) => void }> = {
  'lambdas/api/handler.ts': {
    event: {
      resource: '/me',
      path: '/me',
      httpMethod: 'GET',
      headers: {},
      multiValueHeaders: {},
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
      requestContext: {
        resourcePath: '/me',
        httpMethod: 'GET',
        path: '/v1/me',
        stage: 'v1',
        requestId: 'c0ffee00-0000-4000-8000-000000000000',
        identity: { sourceIp: '127.0.0.1' },
      },
    },
    // No ID token: a 401 problem, answered by a handler that got through its cold start.
    expect: (result) => expect(result).toMatchObject({ statusCode: 401 }),
  },
  'lambdas/events/handler.ts': {
    event: { Records: [] },
    expect: (result) => expect(result).toEqual({ batchItemFailures: [] }),
  },
};

/**
 * A guest route with a malformed owner: refused before any AWS call, so it shows without network
 * whether the function serves the guest routes (400 naming `owner`) or not (404).
 */
const GUEST_PROBE = {
  resource: '/public/{owner}',
  path: '/public/not-an-identity',
  httpMethod: 'GET',
  headers: {},
  multiValueHeaders: {},
  queryStringParameters: null,
  multiValueQueryStringParameters: null,
  pathParameters: { owner: 'not-an-identity' },
  stageVariables: null,
  body: null,
  isBase64Encoded: false,
  requestContext: {
    resourcePath: '/public/{owner}',
    httpMethod: 'GET',
    path: '/v1/public/not-an-identity',
    stage: 'v1',
    requestId: 'c0ffee00-0000-4000-8000-000000000001',
    identity: { sourceIp: '127.0.0.1' },
  },
};

/** The variables a quota from context (a JSON string, as -c gives it) becomes: `{PREFIX}QUOTA_BYTES`… */
function quotaVariables(prefix: string, context: unknown): Record<string, string> {
  if (context === undefined) return {};
  const quota = JSON.parse(String(context)) as { bytes?: number; objects?: number };
  return Object.fromEntries(
    Object.entries(quota).map(([field, limit]) => [`${prefix}QUOTA_${field.toUpperCase()}`, String(limit)]),
  );
}

function boot(fn: BundledFunction, event: unknown): unknown {
  const script = `
    const { handler } = await import(process.env.BUNDLE);
    const context = { awsRequestId: 'boot', functionName: 'boot', getRemainingTimeInMillis: () => 10000 };
    const result = await handler(JSON.parse(process.env.EVENT), context);
    process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fn.dir,
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: process.env.PATH ?? '',
      ...fn.environment,
      // What Lambda itself provides.
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: fn.id,
      AWS_EC2_METADATA_DISABLED: 'true',
      BUNDLE: join(fn.dir, 'index.mjs'),
      EVENT: JSON.stringify(event),
    },
  });
  const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (run.status !== 0 || !line) throw new Error(`${fn.entry} did not boot:\n${run.stderr}`);
  return JSON.parse(line.slice('RESULT '.length));
}

describe.each(Object.entries(CONFIGURATIONS))(
  'every bundled function boots with its template: %s',
  (_, ctx) => {
    const synth = synthesize({ context: ctx });
    const template = synth.template.toJSON() as Template;
    const functions = bundledFunctions(synth.outdir, synth.stack.artifactId, template);

    it('finds both functions', () => {
      expect(functions.map((fn) => fn.entry).sort()).toEqual(Object.keys(PROBES).sort());
    });

    it.each(functions.map((fn) => [fn.entry, fn] as const))('%s starts and answers', (entry, fn) => {
      const probe = PROBES[entry];
      if (!probe) throw new Error(`no probe for ${entry}`);
      probe.expect(boot(fn, probe.event));
    });

    it('both functions are told exactly the quotas the configuration sets', () => {
      const expected = { ...quotaVariables('', ctx.quota), ...quotaVariables('GROUP_', ctx.groupQuota) };
      for (const fn of functions) {
        const told = Object.entries(fn.environment).filter(([name]) => name.includes('QUOTA'));
        expect(Object.fromEntries(told), fn.entry).toEqual(expected);
      }
    });

    it('the API function is told exactly the scan settings the configuration sets, the events function none', () => {
      const parse = (json: unknown) => (json === undefined ? undefined : JSON.parse(String(json)));
      for (const fn of functions) {
        const expected = fn.entry === 'lambdas/api/handler.ts' ? parse(ctx.malwareScanning) : undefined;
        expect(parse(fn.environment.MALWARE_SCANNING), fn.entry).toEqual(expected);
      }
    });

    // Guest access is on unless the configuration turns it off.
    const guests = ctx.guestAccess !== false;
    it(`the API function ${guests ? 'serves' : 'does not serve'} the guest routes`, () => {
      const api = functions.find((fn) => fn.entry === 'lambdas/api/handler.ts');
      if (!api) throw new Error('no API function');
      if (guests) {
        expect(api.environment.UNAUTHENTICATED_ROLE_ARN).toMatch(
          /^arn:aws:iam::\d{12}:role\/\w*Unauthenticated/,
        );
      } else {
        expect(api.environment).not.toHaveProperty('UNAUTHENTICATED_ROLE_ARN');
      }
      const result = boot(api, GUEST_PROBE) as { statusCode: number; body: string };
      expect(result.statusCode).toBe(guests ? 400 : 404);
      expect(JSON.parse(result.body)).toMatchObject(guests ? { field: 'owner' } : { code: 'not_found' });
    });
  },
);
