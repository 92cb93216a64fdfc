/**
 * The construct's contract with its users: props validated up front, defaults as documented,
 * options from CDK context, and the variants (several origins, `removalPolicy: destroy`).
 */
import { App, type CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambdas/api/config';
import { DEFAULT_ALLOWED_ORIGINS, userFilesPropsFromContext } from '../../lib/app-context';
import { UserFilesApi, type UserFilesApiProps } from '../../lib/user-files-api';
import { synthesize } from '../support/synth';

/** Builds the construct in a throwaway stack (no synthesis, so no bundling). */
function build(props: UserFilesApiProps): UserFilesApi {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new UserFilesApi(new Stack(app, 'Test'), 'UserFiles', props);
}

/** The API function's variables, found by its logical ID (the events function has its own). */
function handlerVariables(api: UserFilesApi, fn: IConstruct = api.handler): Record<string, unknown> {
  const stack = Stack.of(api);
  const resources = Template.fromStack(stack).toJSON().Resources;
  const handler = resources[stack.getLogicalId(fn.node.defaultChild as CfnResource)];
  expect(handler?.Type).toBe('AWS::Lambda::Function');
  return handler.Properties.Environment.Variables;
}

describe('UserFilesApi props', () => {
  it.each([['*'], ['https://*.example.com'], ['http://localhost:5173', '*']])(
    'rejects a wildcard origin: %s',
    (...origins) => {
      expect(() => build({ allowedOrigins: origins })).toThrow(/'\*'/);
    },
  );

  it.each([
    ['no origin at all', []],
    ['a path', ['https://app.example.com/']],
    ['no scheme', ['app.example.com']],
    ['another scheme', ['ftp://app.example.com']],
    ['a quote', ["https://app.example.com'"]],
    ['a comma', ['https://a.example.com,https://b.example.com']],
    ['upper case', ['https://App.example.com']],
  ])('rejects %s', (_name, origins) => {
    expect(() => build({ allowedOrigins: origins })).toThrow(/allowedOrigins|not an origin/);
  });

  it('rejects lifetimes out of order or beyond what SigV4 allows', () => {
    const allowedOrigins = ['https://app.example.com'];
    expect(() =>
      build({ allowedOrigins, defaultUrlLifetime: Duration.hours(2), maxUrlLifetime: Duration.hours(1) }),
    ).toThrow(/defaultUrlLifetime/);
    expect(() => build({ allowedOrigins, maxUrlLifetime: Duration.days(8) })).toThrow(/maxUrlLifetime/);
    // No URL outlives the session that signs it.
    expect(() =>
      build({ allowedOrigins, maxUrlLifetime: Duration.hours(3), sessionDuration: Duration.hours(2) }),
    ).toThrow(/maxUrlLifetime \(10800 s\) must not exceed sessionDuration \(7200 s\)/);
    expect(() => build({ allowedOrigins, maxUrlLifetime: Duration.hours(13) })).toThrow(/sessionDuration/);
    expect(build({ allowedOrigins, maxUrlLifetime: Duration.hours(12) }).maxUrlLifetime.toSeconds()).toBe(
      43_200,
    );
    expect(() => build({ allowedOrigins, defaultUrlLifetime: Duration.seconds(0) })).toThrow(
      /defaultUrlLifetime/,
    );
  });

  it('rejects an unknown access mode and sessions outside 1-12 hours', () => {
    const allowedOrigins = ['https://app.example.com'];
    expect(() => build({ allowedOrigins, accessMode: 'open' as never })).toThrow(
      /accessMode must be 'sealed' or 'direct' \(got 'open'\)/,
    );
    for (const sessionDuration of [Duration.minutes(59), Duration.hours(13), Duration.days(1)]) {
      expect(() => build({ allowedOrigins, sessionDuration })).toThrow(
        /sessionDuration must be 1 to 12 hours/,
      );
    }
    expect(build({ allowedOrigins, sessionDuration: Duration.hours(1) }).sessionDuration.toHours()).toBe(1);
  });

  it('rejects an upload limit S3 cannot store (5 TiB at most)', () => {
    const allowedOrigins = ['https://app.example.com'];
    for (const maxUploadBytes of [0, -1, 1.5, 5 * 1024 ** 4 + 1, Number.NaN]) {
      expect(() => build({ allowedOrigins, maxUploadBytes }), String(maxUploadBytes)).toThrow(
        /maxUploadBytes/,
      );
    }
  });

  it.each([
    [
      'a size of 0',
      { private: { maxUploadBytes: 0 } },
      'uploadRules.private.maxUploadBytes: must be at least 1',
    ],
    [
      'a size over 5 TiB',
      { public: { maxUploadBytes: 5 * 1024 ** 4 + 1 } },
      'uploadRules.public.maxUploadBytes',
    ],
    [
      'an empty type list',
      { protected: { allowedContentTypes: [] } },
      'uploadRules.protected.allowedContentTypes',
    ],
    ['*/*', { private: { allowedContentTypes: ['*/*'] } }, 'uploadRules.private.allowedContentTypes[0]'],
    [
      'parameters',
      { private: { allowedContentTypes: ['text/plain;charset=utf-8'] } },
      'allowedContentTypes[0]',
    ],
    ['an unknown level', { shared: {} }, 'uploadRules: '],
  ])('rejects upload rules with %s, naming the prop', (_name, uploadRules, message) => {
    const run = () =>
      build({
        allowedOrigins: ['https://app.example.com'],
        uploadRules: uploadRules as UserFilesApiProps['uploadRules'],
      });
    expect(run).toThrow(message);
    expect(run).toThrow(/^UserFilesApi: /);
  });

  it('passes upload rules to the function, which reads them back as the construct resolved them', () => {
    const api = build({
      allowedOrigins: ['https://app.example.com'],
      maxUploadBytes: 5000,
      uploadRules: { public: { maxUploadBytes: 10, allowedContentTypes: ['Image/*'] } },
    });
    expect(api.uploadRules).toEqual({
      private: { maxUploadBytes: 5000 },
      protected: { maxUploadBytes: 5000 },
      public: { maxUploadBytes: 10, allowedContentTypes: ['image/*'] },
      groups: { maxUploadBytes: 5000 },
    });
    const env = handlerVariables(api);
    expect(env.UPLOAD_RULES).toBe('{"public":{"maxUploadBytes":10,"allowedContentTypes":["image/*"]}}');
    const handlerConfig = loadConfig({
      AWS_REGION: 'us-east-1',
      USER_POOL_ID: 'us-east-1_Pool1',
      IDENTITY_POOL_ID: 'us-east-1:11111111-2222-3333-4444-555555555555',
      BUCKET_NAME: 'bucket-name',
      ALLOWED_ORIGINS: 'https://app.example.com',
      MAX_UPLOAD_BYTES: env.MAX_UPLOAD_BYTES as string,
      USER_POOL_CLIENT_IDS: '1example23456789abcdefghij', // a token in the template; any client ID serves
      AUTHENTICATED_ROLE_ARN: 'arn:aws:iam::123456789012:role/authenticated', // a token, too
      ACCESS_MODE: env.ACCESS_MODE as string,
      SESSION_DURATION_SECONDS: env.SESSION_DURATION_SECONDS as string,
      DEVELOPER_PROVIDER_NAME: env.DEVELOPER_PROVIDER_NAME as string,
      UPLOAD_RULES: env.UPLOAD_RULES as string,
    });
    expect(handlerConfig.uploadRules).toEqual(api.uploadRules);
  });

  it('without upload rules, sets no UPLOAD_RULES and every level has maxUploadBytes', () => {
    const api = build({ allowedOrigins: ['https://app.example.com'] });
    expect(api.uploadRules.protected).toEqual({ maxUploadBytes: 104_857_600 });
    expect(handlerVariables(api)).not.toHaveProperty('UPLOAD_RULES');
  });

  it('sets the stage throttle and the per-user rate limit from props, or, with the guest rule off too, neither web ACL nor cost', () => {
    const allowedOrigins = ['https://app.example.com'];
    const api = build({
      allowedOrigins,
      throttlingRateLimit: 20,
      throttlingBurstLimit: 40,
      perUserRateLimit: { limit: 1000, window: Duration.minutes(5) },
    });
    const template = Template.fromStack(Stack.of(api));
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [
        { HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      ],
    });
    const acl = Object.values(template.findResources('AWS::WAFv2::WebACL'))[0] as {
      Properties: { Rules: Array<{ Statement: { RateBasedStatement: Record<string, unknown> } }> };
    };
    expect(acl.Properties.Rules[0]?.Statement.RateBasedStatement).toMatchObject({
      Limit: 1000,
      EvaluationWindowSec: 300,
    });

    // The guest routes' per-IP rule keeps a web ACL of its own (guest-access.test.ts).
    const off = build({ allowedOrigins, perUserRateLimit: false, guestRateLimit: false });
    expect(off.webAcl).toBeUndefined();
    const offTemplate = Template.fromStack(Stack.of(off));
    offTemplate.resourceCountIs('AWS::WAFv2::WebACL', 0);
    offTemplate.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });

  it('rejects throttling and rate limits API Gateway or WAF would refuse', () => {
    const allowedOrigins = ['https://app.example.com'];
    expect(() => build({ allowedOrigins, throttlingRateLimit: 0 })).toThrow(/throttlingRateLimit/);
    expect(() => build({ allowedOrigins, throttlingBurstLimit: 1.5 })).toThrow(/throttlingBurstLimit/);
    expect(() => build({ allowedOrigins, perUserRateLimit: { limit: 9 } })).toThrow(/perUserRateLimit.limit/);
    expect(() => build({ allowedOrigins, perUserRateLimit: { window: Duration.minutes(3) } })).toThrow(
      /perUserRateLimit.window/,
    );
  });

  it('rejects a quota that is not a whole number', () => {
    const allowedOrigins = ['https://app.example.com'];
    expect(() => build({ allowedOrigins, quota: { bytes: -1 } })).toThrow(
      /^UserFilesApi: quota.bytes must be a whole number \(got -1\)/,
    );
    expect(() => build({ allowedOrigins, quota: { objects: 1.5 } })).toThrow(/quota.objects/);
    expect(() => build({ allowedOrigins, groupQuota: { bytes: -1 } })).toThrow(
      /^UserFilesApi: groupQuota.bytes must be a whole number \(got -1\)/,
    );
    expect(() => build({ allowedOrigins, groupQuota: { objects: Number.NaN } })).toThrow(
      /groupQuota.objects/,
    );
  });

  it('writes the group quota to both functions (it is counted in the ledger), and none by default', () => {
    const allowedOrigins = ['https://app.example.com'];
    const api = build({ allowedOrigins, groupQuota: { bytes: 10 * 1024 ** 3, objects: 0 } });
    for (const fn of [api.handler, api.storageEvents.function]) {
      expect(handlerVariables(api, fn)).toMatchObject({
        GROUP_QUOTA_BYTES: '10737418240',
        GROUP_QUOTA_OBJECTS: '0',
        LEDGER_TABLE: expect.anything(),
      });
      expect(handlerVariables(api, fn)).not.toHaveProperty('QUOTA_BYTES');
    }
    const one = build({ allowedOrigins, groupQuota: { objects: 500 } });
    expect(handlerVariables(one)).toMatchObject({ GROUP_QUOTA_OBJECTS: '500' });
    expect(handlerVariables(one)).not.toHaveProperty('GROUP_QUOTA_BYTES');
    const none = build({ allowedOrigins });
    for (const fn of [none.handler, none.storageEvents.function]) {
      expect(Object.keys(handlerVariables(none, fn)).filter((name) => name.includes('QUOTA'))).toEqual([]);
    }
  });

  it('applies the documented defaults and exposes what it creates', () => {
    const api = build({ allowedOrigins: ['https://app.example.com'] });
    expect(api.defaultUrlLifetime.toSeconds()).toBe(900);
    expect(api.maxUrlLifetime.toSeconds()).toBe(3600);
    expect(api.maxUploadBytes).toBe(104_857_600);
    expect(api.guestAccess).toBe(true);
    for (const part of [
      api.bucket,
      api.accessLogsBucket,
      api.userPool,
      api.userPoolClient,
      api.identityPool,
      api.authenticatedRole,
      api.unauthenticatedRole,
      api.handlerRole,
      api.handler,
      api.authorizer,
      api.api,
      api.sessionTable,
      api.sessionKey,
    ]) {
      if (!part) throw new Error('the session store and guest access are on by default');
      expect(part.node.path.startsWith(`${api.node.path}/`), part.node.path).toBe(true);
    }
  });

  it('with sessionStore: false, creates no session table or key and writes no session variables', () => {
    const api = build({ allowedOrigins: ['https://app.example.com'], sessionStore: false });
    expect(api.sessionTable).toBeUndefined();
    expect(api.sessionKey).toBeUndefined();
    const template = Template.fromStack(Stack.of(api));
    template.resourceCountIs('AWS::KMS::Key', 0);
    // The ledger is the only table (sealed mode has no identity directory).
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    const env = handlerVariables(api);
    expect(env).not.toHaveProperty('SESSION_TABLE');
    expect(env).not.toHaveProperty('SESSION_KEY_ID');
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('kms:');
  });
});

describe('options from CDK context', () => {
  const props = (context: Record<string, unknown>) => userFilesPropsFromContext(new App({ context }).node);

  it('defaults to the local dev origin and the construct defaults', () => {
    expect(props({})).toEqual({ allowedOrigins: DEFAULT_ALLOWED_ORIGINS });
  });

  it('reads -c values, which arrive as strings', () => {
    expect(
      props({
        allowedOrigins: 'https://a.example.com, https://b.example.com',
        removalPolicy: 'destroy',
        maxUploadBytes: '1048576',
        defaultUrlLifetimeSeconds: '60',
        maxUrlLifetimeSeconds: '600',
        accessMode: 'direct',
        sessionDurationSeconds: '7200',
      }),
    ).toEqual({
      accessMode: 'direct',
      sessionDuration: Duration.seconds(7200),
      allowedOrigins: ['https://a.example.com', 'https://b.example.com'],
      removalPolicy: RemovalPolicy.DESTROY,
      maxUploadBytes: 1_048_576,
      defaultUrlLifetime: Duration.seconds(60),
      maxUrlLifetime: Duration.seconds(600),
    });
    expect(props({ removalPolicy: 'RETAIN' }).removalPolicy).toBe(RemovalPolicy.RETAIN);
  });

  it('refuses values it cannot read instead of guessing', () => {
    expect(() => props({ removalPolicy: 'snapshot' })).toThrow(/removalPolicy/);
    expect(() => props({ maxUploadBytes: 'lots' })).toThrow(/maxUploadBytes/);
    expect(() => props({ maxUrlLifetimeSeconds: '' })).toThrow(/maxUrlLifetimeSeconds/);
    expect(() => props({ allowedOrigins: 5 })).toThrow(/allowedOrigins/);
    expect(() => props({ uploadRules: '{private' })).toThrow(/Context uploadRules must be JSON/);
    expect(() => props({ accessMode: 'open' })).toThrow(/accessMode must be 'sealed' or 'direct'/);
    expect(() => props({ sessionDurationSeconds: 'long' })).toThrow(/sessionDurationSeconds/);
    expect(() => props({ sessionStore: 'no' })).toThrow(/Context sessionStore must be true or false/);
    expect(() => props({ guestAccess: 'off' })).toThrow(
      /Context guestAccess must be true or false \(got 'off'\)/,
    );
    expect(() => props({ guestAccess: 0 })).toThrow(/Context guestAccess must be true or false/);
  });

  it.each(['sessionStore', 'guestAccess'] as const)(
    'reads %s as a boolean from cdk.json or as true/false from -c',
    (key) => {
      expect(props({ [key]: false })[key]).toBe(false);
      expect(props({ [key]: 'false' })[key]).toBe(false);
      expect(props({ [key]: ' TRUE ' })[key]).toBe(true);
      expect(props({})).not.toHaveProperty(key);
    },
  );

  it.each(['quota', 'groupQuota'] as const)(
    'reads %s as JSON from -c or as an object from cdk.json',
    (key) => {
      expect(props({ [key]: '{"bytes": 1073741824, "objects": 1000}' })[key]).toEqual({
        bytes: 1_073_741_824,
        objects: 1000,
      });
      expect(props({ [key]: { objects: 5 } })[key]).toEqual({ objects: 5 });
      expect(props({})).not.toHaveProperty(key);
      // A misspelt or mistyped field would be no limit at all: refused, not ignored.
      for (const bad of ['{"byte": 5}', '{"bytes": "5"}', '[5]', '5', 'null', '{bytes']) {
        expect(() => props({ [key]: bad }), bad).toThrow(new RegExp(`Context ${key} must be JSON`));
      }
    },
  );

  it('reads uploadRules as JSON from -c or as an object from cdk.json', () => {
    const rules = { private: { maxUploadBytes: 10, allowedContentTypes: ['image/*'] } };
    expect(props({ uploadRules: JSON.stringify(rules) }).uploadRules).toEqual(rules);
    expect(props({ uploadRules: rules }).uploadRules).toEqual(rules);
  });
});

describe('variants', () => {
  it('with several origins: CORS for each, gateway errors carry the first', () => {
    const origins = ['https://a.example.com', 'https://b.example.com'];
    const { stack, template } = synthesize({ bundle: false, context: { allowedOrigins: origins.join(',') } });
    const bucket =
      template.toJSON().Resources[
        stack.getLogicalId(stack.userFiles.bucket.node.defaultChild as CfnResource)
      ];
    expect(bucket.Properties.CorsConfiguration.CorsRules[0].AllowedOrigins).toEqual(origins);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { ALLOWED_ORIGINS: origins.join(',') } },
    });
    // Preflight answers the first origin by default and switches to the second when it calls.
    const preflight = JSON.stringify(
      template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'OPTIONS' } }),
    );
    expect(preflight).toContain("'https://a.example.com'");
    expect(preflight).toContain('https://b.example.com');
    const responses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse'));
    expect(responses.length).toBeGreaterThan(0);
    for (const response of responses) {
      expect(
        response.Properties.ResponseParameters['gatewayresponse.header.Access-Control-Allow-Origin'],
      ).toBe("'https://a.example.com'");
    }
  });

  it('with removalPolicy destroy: everything is deleted and the buckets emptied, still nag-clean', () => {
    // Synthesis itself runs the AwsSolutions checks and throws on an unacknowledged finding.
    // Direct mode, so the identity directory table is among what is deleted.
    const { template } = synthesize({
      bundle: false,
      context: { removalPolicy: 'destroy', accessMode: 'direct' },
    });
    const json = template.toJSON() as {
      Resources: Record<string, { Type: string; DeletionPolicy?: string }>;
    };
    for (const type of [
      'AWS::S3::Bucket',
      'AWS::Cognito::UserPool',
      'AWS::Logs::LogGroup',
      'AWS::DynamoDB::Table',
      'AWS::KMS::Key',
    ]) {
      const found = Object.values(json.Resources).filter((r) => r.Type === type);
      expect(found.length, type).toBeGreaterThan(0);
      for (const resource of found) expect(resource.DeletionPolicy, type).toBe('Delete');
    }
    expect(Object.keys(template.findResources('Custom::S3AutoDeleteObjects'))).toHaveLength(2);
    template.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'INACTIVE' });
  });

  it('is a drop-in construct: it synthesizes inside any stack', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'SomeoneElsesStack');
    new UserFilesApi(stack, 'Files', { allowedOrigins: ['https://app.example.com'] });
    const template = Template.fromStack(stack);
    // The API function and the events function.
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('AWS::Cognito::IdentityPool', 1);
    // The stack that uses the construct decides its outputs.
    expect(template.toJSON().Outputs).toBeUndefined();
  });
});
