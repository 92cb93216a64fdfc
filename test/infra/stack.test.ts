/**
 * The synthesized template, property by property: what issue 2 lists under Infrastructure.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnResource, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { GATEWAY_PROBLEMS } from '../../lib/gateway-problems';
import { buildAuthenticatedRolePolicy } from '../../shared/policy/access-policy';
import { PROJECT_ROOT, type Synthesized, synthesized } from '../support/synth';
import { canonicalPolicy, resolve } from '../support/synthesized-policy';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

let synth: Synthesized;
let resources: Record<string, Resource>;
/** Logical ID of a construct exposed by `UserFilesApi`. */
let id: (construct: { node: { defaultChild?: unknown } }) => string;

beforeAll(() => {
  synth = synthesized();
  resources = synth.template.toJSON().Resources as Record<string, Resource>;
  id = (construct) => Stack.of(synth.stack).getLogicalId(construct.node.defaultChild as CfnResource);
});

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

describe('storage bucket', () => {
  it('blocks all public access, encrypts at rest and keeps data by default', () => {
    const bucket = resources[id(synth.stack.userFiles.bucket)];
    expect(bucket?.Properties?.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket?.Properties?.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(bucket?.DeletionPolicy).toBe('Retain');
    expect(bucket?.UpdateReplacePolicy).toBe('Retain');
    // Emptying a bucket on delete is only for `removalPolicy: destroy`.
    expect(ofType('Custom::S3AutoDeleteObjects')).toEqual([]);
  });

  it('allows the configured origin to GET/PUT/HEAD and exposes ETag', () => {
    const bucket = resources[id(synth.stack.userFiles.bucket)];
    expect(bucket?.Properties?.CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedOrigins: ['http://localhost:5173'],
          AllowedMethods: ['GET', 'PUT', 'HEAD'],
          AllowedHeaders: ['*'],
          ExposedHeaders: expect.arrayContaining(['ETag']),
          MaxAge: 3600,
        },
      ],
    });
  });

  it('refuses every request that is not over TLS', () => {
    const bucketId = id(synth.stack.userFiles.bucket);
    synth.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: [
              { 'Fn::GetAtt': [bucketId, 'Arn'] },
              { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] },
            ],
          },
        ]),
      },
    });
  });

  it('writes server access logs to a private, TLS-only bucket that is also retained', () => {
    const logsId = id(synth.stack.userFiles.accessLogsBucket);
    const bucket = resources[id(synth.stack.userFiles.bucket)];
    expect(bucket?.Properties?.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logsId },
      LogFilePrefix: 'storage/',
    });
    const logs = resources[logsId];
    expect(logs?.Properties?.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicPolicy: true });
    expect(logs?.DeletionPolicy).toBe('Retain');
    synth.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' }),
        ]),
      },
    });
  });
});

describe('users and identities', () => {
  it('user pool: self sign-up, email sign-in, a strong password policy, retained', () => {
    const pool = resources[id(synth.stack.userFiles.userPool)];
    expect(pool?.Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      UsernameAttributes: ['email'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
      DeletionProtection: 'ACTIVE',
    });
    expect(pool?.DeletionPolicy).toBe('Retain');
  });

  it('app client: public (no secret), SRP and user-password auth', () => {
    const client = resources[id(synth.stack.userFiles.userPoolClient)];
    expect(client?.Properties?.GenerateSecret).toBe(false);
    expect(client?.Properties?.ExplicitAuthFlows).toEqual(
      expect.arrayContaining(['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH']),
    );
    expect(client?.Properties?.UserPoolId).toEqual({ Ref: id(synth.stack.userFiles.userPool) });
  });

  it('identity pool: authenticated identities only, from this user pool and client', () => {
    const { identityPool, userPool, userPoolClient } = synth.stack.userFiles;
    const pool = resources[Stack.of(synth.stack).getLogicalId(identityPool)];
    expect(pool?.Properties).toEqual({
      AllowUnauthenticatedIdentities: false,
      AllowClassicFlow: false,
      CognitoIdentityProviders: [
        {
          ClientId: { Ref: id(userPoolClient) },
          ProviderName: { 'Fn::GetAtt': [id(userPool), 'ProviderName'] },
          ServerSideTokenCheck: true,
        },
      ],
    });
  });

  it('attaches the authenticated role and nothing for unauthenticated identities', () => {
    const { identityPool, authenticatedRole } = synth.stack.userFiles;
    const attachments = ofType('AWS::Cognito::IdentityPoolRoleAttachment');
    expect(attachments).toHaveLength(1);
    expect(attachments[0]?.[1].Properties).toEqual({
      IdentityPoolId: { Ref: Stack.of(synth.stack).getLogicalId(identityPool) },
      Roles: { authenticated: { 'Fn::GetAtt': [id(authenticatedRole), 'Arn'] } },
    });
  });
});

describe('authenticated role', () => {
  it('trusts only authenticated identities of this identity pool', () => {
    const { identityPool, authenticatedRole } = synth.stack.userFiles;
    const role = resources[id(authenticatedRole)];
    expect(role?.Properties?.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: 'cognito-identity.amazonaws.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              'cognito-identity.amazonaws.com:aud': { Ref: Stack.of(synth.stack).getLogicalId(identityPool) },
            },
            'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
          },
        },
      ],
    });
  });

  it("has exactly the access-policy builder's document, for this bucket", () => {
    const { bucket, authenticatedRole } = synth.stack.userFiles;
    const role = resources[id(authenticatedRole)];
    const policies = role?.Properties?.Policies as { PolicyDocument: Json }[];
    expect(policies).toHaveLength(1);
    const arn = 'arn:aws:s3:::user-files-under-test';
    const names = { [id(bucket)]: { Ref: 'user-files-under-test', Arn: arn } };
    const deployed = canonicalPolicy(
      resolve((policies[0] as { PolicyDocument: Json }).PolicyDocument, names),
    );
    const built = canonicalPolicy(buildAuthenticatedRolePolicy({ bucketArn: arn }) as unknown as Json);
    expect(deployed).toEqual(built);
    expect(role?.Properties?.ManagedPolicyArns).toBeUndefined();
  });
});

describe('function', () => {
  it('runs on ARM64 with a Node.js 22+ runtime and the contract environment', () => {
    const { handler, userPool, userPoolClient, identityPool, bucket, identityDirectory } =
      synth.stack.userFiles;
    const fn = resources[id(handler)];
    expect(fn?.Properties?.Architectures).toEqual(['arm64']);
    const runtime = String(fn?.Properties?.Runtime);
    expect(runtime).toMatch(/^nodejs\d+\.x$/);
    expect(Number(runtime.replace(/\D/g, ''))).toBeGreaterThanOrEqual(22);
    expect(fn?.Properties?.Handler).toBe('index.handler');
    expect(fn?.Properties?.Environment).toEqual({
      Variables: {
        USER_POOL_ID: { Ref: id(userPool) },
        USER_POOL_CLIENT_IDS: { Ref: id(userPoolClient) },
        IDENTITY_POOL_ID: { Ref: Stack.of(synth.stack).getLogicalId(identityPool) },
        BUCKET_NAME: { Ref: id(bucket) },
        ALLOWED_ORIGINS: 'http://localhost:5173',
        MAX_UPLOAD_BYTES: '104857600',
        DEFAULT_URL_LIFETIME_SECONDS: '900',
        MAX_URL_LIFETIME_SECONDS: '3600',
        IDENTITY_DIRECTORY_TABLE: { Ref: id(identityDirectory) },
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
  });

  it('has an execution role with no S3 permission at all: its logs and the directory entries only', () => {
    const roleId = id(synth.stack.userFiles.handlerRole);
    const tableId = id(synth.stack.userFiles.identityDirectory);
    const fn = resources[id(synth.stack.userFiles.handler)];
    expect(fn?.Properties?.Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    const role = resources[roleId];
    // Managed policies (even AWSLambdaBasicExecutionRole) would be opaque here: none at all.
    expect(role?.Properties?.ManagedPolicyArns).toBeUndefined();
    expect(role?.Properties?.PermissionsBoundary).toBeUndefined();
    const documents = [
      ...((role?.Properties?.Policies as { PolicyDocument: Json }[] | undefined) ?? []).map(
        (p) => p.PolicyDocument,
      ),
      ...ofType('AWS::IAM::Policy')
        .filter(([, policy]) => JSON.stringify(policy.Properties?.Roles).includes(`"${roleId}"`))
        .map(([, policy]) => policy.Properties?.PolicyDocument as Json),
    ];
    expect(ofType('AWS::IAM::ManagedPolicy')).toEqual([]);
    const statements = documents.flatMap(
      (document) =>
        (document as { Statement: { Action: string | string[]; Resource: unknown; Effect: string }[] })
          .Statement,
    );
    const actions = statements.flatMap((s) => [s.Action].flat());
    // It writes its own logs and reads or writes single directory entries, and that is all.
    expect(actions.sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    expect(actions.filter((action) => /^s3:|^\*$|^dynamodb:\*$/i.test(action))).toEqual([]);
    const directory = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(directory).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: [{ 'Fn::GetAtt': [tableId, 'Arn'] }],
      },
    ]);
  });

  it('keeps the identity directory in an on-demand, encrypted, recoverable table', () => {
    const table = resources[id(synth.stack.userFiles.identityDirectory)];
    expect(table?.Type).toBe('AWS::DynamoDB::Table');
    expect(table?.Properties?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(table?.Properties?.AttributeDefinitions).toEqual([{ AttributeName: 'id', AttributeType: 'S' }]);
    expect(table?.Properties?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table?.Properties?.PointInTimeRecoverySpecification).toEqual({
      PointInTimeRecoveryEnabled: true,
    });
    expect(table?.Properties?.SSESpecification).toEqual({ SSEEnabled: true });
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(table?.UpdateReplacePolicy).toBe('Retain');
  });

  it('logs to its own group with a retention period', () => {
    const fn = resources[id(synth.stack.userFiles.handler)];
    const groupId = id(synth.stack.userFiles.handlerLogGroup);
    expect(fn?.Properties?.LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: { Ref: groupId } });
    expect(resources[groupId]?.Properties?.RetentionInDays).toBe(30);
  });
});

describe('REST API', () => {
  /** `METHOD /path` for every method in the template, from its resource tree. */
  function routes(): Map<string, Record<string, Json>> {
    const apiId = id(synth.stack.userFiles.api);
    const pathOf = (ref: Json): string => {
      if (JSON.stringify(ref) === JSON.stringify({ 'Fn::GetAtt': [apiId, 'RootResourceId'] })) return '';
      const resource = resources[(ref as { Ref: string }).Ref];
      return `${pathOf(resource?.Properties?.ParentId ?? null)}/${String(resource?.Properties?.PathPart)}`;
    };
    return new Map(
      ofType('AWS::ApiGateway::Method').map(([, method]) => {
        const properties = method.Properties ?? {};
        return [
          `${String(properties.HttpMethod)} ${pathOf(properties.ResourceId ?? null) || '/'}`,
          properties,
        ];
      }),
    );
  }

  it('serves exactly the operations of openapi.yaml, all through the one function', () => {
    const spec = parseYaml(readFileSync(join(PROJECT_ROOT, 'openapi.yaml'), 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const verbs = ['get', 'put', 'post', 'delete', 'patch', 'head'];
    const specified = Object.entries(spec.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => verbs.includes(key))
        .map((verb) => `${verb.toUpperCase()} ${path}`),
    );
    const deployed = [...routes().keys()].filter((route) => !route.startsWith('OPTIONS '));
    expect(deployed.sort()).toEqual(specified.sort());
    expect(deployed.sort()).toEqual(
      [
        'GET /me',
        'GET /files',
        'DELETE /files',
        'POST /files/uploads',
        'POST /files/downloads',
        'GET /files/properties',
        'POST /files/copies',
        'POST /files/downloads/batch',
        'DELETE /me/data',
      ].sort(),
    );
    const fnId = id(synth.stack.userFiles.handler);
    for (const [route, method] of routes()) {
      if (route.startsWith('OPTIONS ')) continue;
      expect(method.Integration, route).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
      expect(JSON.stringify(method.Integration), route).toContain(`"${fnId}","Arn"`);
    }
  });

  it('puts every method except CORS preflight behind the Cognito user-pools authorizer', () => {
    const { authorizer, userPool } = synth.stack.userFiles;
    const authorizers = ofType('AWS::ApiGateway::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [authorizerId, resource] = authorizers[0] as [string, Resource];
    expect(authorizerId).toBe(
      Stack.of(synth.stack).getLogicalId(authorizer.node.defaultChild as CfnResource),
    );
    expect(resource.Properties).toMatchObject({
      Type: 'COGNITO_USER_POOLS',
      IdentitySource: 'method.request.header.Authorization',
      ProviderARNs: [{ 'Fn::GetAtt': [id(userPool), 'Arn'] }],
    });
    const all = routes();
    expect(all.size).toBeGreaterThan(6);
    for (const [route, method] of all) {
      if (route.startsWith('OPTIONS ')) {
        // Browsers send preflight without credentials; it is a mock that only answers CORS.
        expect(method.AuthorizationType, route).toBe('NONE');
        expect(method.Integration, route).toMatchObject({ Type: 'MOCK' });
      } else {
        expect(method.AuthorizationType, route).toBe('COGNITO_USER_POOLS');
        expect(method.AuthorizerId, route).toEqual({ Ref: authorizerId });
      }
    }
  });

  it('answers preflight for the allowed origin with Authorization and Content-Type', () => {
    const preflight = routes().get('OPTIONS /files/uploads');
    const integration = preflight?.Integration as { IntegrationResponses: { ResponseParameters: Json }[] };
    expect(integration.IntegrationResponses[0]?.ResponseParameters).toMatchObject({
      'method.response.header.Access-Control-Allow-Origin': "'http://localhost:5173'",
      'method.response.header.Access-Control-Allow-Headers': "'Authorization,Content-Type,X-Correlation-Id'",
    });
  });

  it("sends API Gateway's own errors as problem documents with CORS headers", () => {
    const spec = parseYaml(readFileSync(join(PROJECT_ROOT, 'openapi.yaml'), 'utf8')) as {
      components: { schemas: { Problem: { properties: { code: { enum: string[] } } } } };
    };
    const codes = spec.components.schemas.Problem.properties.code.enum;
    const responses = new Map(
      ofType('AWS::ApiGateway::GatewayResponse').map(([, r]) => [
        String(r.Properties?.ResponseType),
        r.Properties,
      ]),
    );
    expect([...responses.keys()]).toEqual(
      expect.arrayContaining(['DEFAULT_4XX', 'DEFAULT_5XX', 'UNAUTHORIZED']),
    );
    expect(responses.size).toBe(GATEWAY_PROBLEMS.length);
    for (const [type, properties] of responses) {
      const retryAfter = GATEWAY_PROBLEMS.find((p) => p.responseType === type)?.retryAfterSeconds;
      expect(properties?.ResponseParameters, type).toEqual({
        'gatewayresponse.header.Access-Control-Allow-Origin': "'http://localhost:5173'",
        'gatewayresponse.header.Access-Control-Allow-Headers':
          "'Authorization,Content-Type,X-Correlation-Id'",
        'gatewayresponse.header.Content-Type': "'application/problem+json'",
        ...(retryAfter === undefined ? {} : { 'gatewayresponse.header.Retry-After': `'${retryAfter}'` }),
      });
      const templates = (properties?.ResponseTemplates ?? {}) as Record<string, string>;
      const template = templates['application/json'] ?? '';
      // What API Gateway substitutes: the message as a JSON string, the request ID as plain text.
      const body = JSON.parse(
        template
          .replace('$context.error.messageString', JSON.stringify('Unauthorized'))
          .replace('$context.requestId', 'c0ffee00-0000-4000-8000-000000000000'),
      ) as Record<string, unknown>;
      expect(body, type).toEqual({
        type: `urn:user-files-api:problem:${String(body.code)}`,
        title: expect.any(String),
        status: Number(properties?.StatusCode),
        code: expect.any(String),
        detail: 'Unauthorized',
        requestId: 'c0ffee00-0000-4000-8000-000000000000',
      });
      expect(codes, type).toContain(body.code);
      expect(body.status, type).toBeGreaterThanOrEqual(400);
      expect(body.status, type).toBeLessThanOrEqual(599);
    }
    expect(responses.get('UNAUTHORIZED')).toMatchObject({ StatusCode: '401' });
    expect(responses.get('DEFAULT_4XX')?.StatusCode).toMatch(/^4\d\d$/);
    expect(responses.get('DEFAULT_5XX')?.StatusCode).toMatch(/^5\d\d$/);
  });

  it('stage: throttled, traced, JSON access logs that never include the token', () => {
    const stages = ofType('AWS::ApiGateway::Stage');
    expect(stages).toHaveLength(1);
    const stage = stages[0]?.[1].Properties ?? {};
    expect(stage.TracingEnabled).toBe(true);
    expect(stage.MethodSettings).toEqual([
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
      }),
    ]);
    const access = stage.AccessLogSetting as { DestinationArn: Json; Format: string };
    expect(access.DestinationArn).toEqual({
      'Fn::GetAtt': [id(synth.stack.userFiles.accessLogGroup), 'Arn'],
    });
    const fields = JSON.parse(access.Format) as Record<string, string>;
    expect(fields).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    expect(access.Format).not.toMatch(/Authorization|authorizer\.token|identity\.(accessKey|cognito)/i);
  });
});

describe('per-user rate limit', () => {
  it("API Gateway's own 429s (stage throttling, quotas) are problems with Retry-After", () => {
    const responses = new Map(
      ofType('AWS::ApiGateway::GatewayResponse').map(([, r]) => [
        String(r.Properties?.ResponseType),
        r.Properties,
      ]),
    );
    for (const type of ['THROTTLED', 'QUOTA_EXCEEDED']) {
      const response = responses.get(type);
      expect(response?.StatusCode, type).toBe('429');
      expect(response?.ResponseParameters, type).toMatchObject({
        'gatewayresponse.header.Content-Type': "'application/problem+json'",
        'gatewayresponse.header.Retry-After': expect.stringMatching(/^'[1-9]\d*'$/),
      });
    }
  });

  it('is a regional web ACL with one rate-based rule per Authorization header, answering 429 problems', () => {
    const acls = ofType('AWS::WAFv2::WebACL');
    expect(acls).toHaveLength(1);
    const acl = acls[0]?.[1].Properties ?? {};
    expect(acl.Scope).toBe('REGIONAL');
    expect(acl.DefaultAction).toEqual({ Allow: {} });
    const rules = acl.Rules as Array<Record<string, Json>>;
    expect(rules).toHaveLength(1);
    expect(rules[0]?.Statement).toEqual({
      RateBasedStatement: {
        Limit: 300,
        EvaluationWindowSec: 60,
        AggregateKeyType: 'CUSTOM_KEYS',
        CustomKeys: [
          { Header: { Name: 'authorization', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } },
        ],
      },
    });
    const rule = rules[0] as { Action: { Block: { CustomResponse: Record<string, Json> } } };
    const block = rule.Action.Block.CustomResponse;
    expect(block.ResponseCode).toBe(429);
    expect(block.ResponseHeaders).toEqual(expect.arrayContaining([{ Name: 'Retry-After', Value: '60' }]));
    const bodies = acl.CustomResponseBodies as Record<string, { ContentType: string; Content: string }>;
    const body = bodies[String(block.CustomResponseBodyKey)];
    expect(body?.ContentType).toBe('APPLICATION_JSON');
    expect(JSON.parse(body?.Content ?? '{}')).toMatchObject({
      type: 'urn:user-files-api:problem:rate_limited',
      status: 429,
      code: 'rate_limited',
    });
  });

  it('is associated with the API stage', () => {
    const webAcl = synth.stack.userFiles.webAcl;
    if (!webAcl) throw new Error('a web ACL by default');
    const associations = ofType('AWS::WAFv2::WebACLAssociation');
    expect(associations).toHaveLength(1);
    const association = associations[0]?.[1].Properties ?? {};
    expect(association.WebACLArn).toEqual({
      'Fn::GetAtt': [Stack.of(synth.stack).getLogicalId(webAcl), 'Arn'],
    });
    const stageId = ofType('AWS::ApiGateway::Stage')[0]?.[0] ?? '';
    expect(JSON.stringify(association.ResourceArn)).toContain(`"Ref":"${stageId}"`);
    expect(JSON.stringify(association.ResourceArn)).toContain('/stages/');
  });
});

describe('outputs', () => {
  it('are exactly the six the clients and the local stack share', () => {
    const outputs = synth.template.toJSON().Outputs as Record<string, { Value: Json }>;
    expect(Object.keys(outputs).sort()).toEqual(
      ['ApiUrl', 'BucketName', 'IdentityPoolId', 'Region', 'UserPoolClientId', 'UserPoolId'].sort(),
    );
    const { userPool, userPoolClient, identityPool, bucket } = synth.stack.userFiles;
    expect(outputs.Region?.Value).toEqual({ Ref: 'AWS::Region' });
    expect(outputs.UserPoolId?.Value).toEqual({ Ref: id(userPool) });
    expect(outputs.UserPoolClientId?.Value).toEqual({ Ref: id(userPoolClient) });
    expect(outputs.IdentityPoolId?.Value).toEqual({ Ref: Stack.of(synth.stack).getLogicalId(identityPool) });
    expect(outputs.BucketName?.Value).toEqual({ Ref: id(bucket) });
    expect(JSON.stringify(outputs.ApiUrl?.Value)).toContain('.execute-api.');
  });
});
