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
import { PROJECT_ROOT, type Synthesized, synthesize, synthesized } from '../support/synth';
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
let id: (construct: { node: { defaultChild?: unknown } | undefined } | undefined) => string;
/** The same app in direct mode (not bundled: only the template is read). */
let direct: Synthesized;
let directResources: Record<string, Resource>;
let directId: typeof id;

beforeAll(() => {
  synth = synthesized();
  resources = synth.template.toJSON().Resources as Record<string, Resource>;
  id = (construct) => Stack.of(synth.stack).getLogicalId(construct?.node?.defaultChild as CfnResource);
  direct = synthesize({ context: { accessMode: 'direct' }, bundle: false });
  directResources = direct.template.toJSON().Resources as Record<string, Resource>;
  directId = (construct) => Stack.of(direct.stack).getLogicalId(construct?.node?.defaultChild as CfnResource);
});

const ofType = (type: string, from = resources) =>
  Object.entries(from).filter(([, resource]) => resource.Type === type);

/** Every statement of the policies attached to a role. */
function roleStatements(from: Record<string, Resource>, roleId: string) {
  const role = from[roleId];
  const documents = [
    ...((role?.Properties?.Policies as { PolicyDocument: Json }[] | undefined) ?? []).map(
      (p) => p.PolicyDocument,
    ),
    ...ofType('AWS::IAM::Policy', from)
      .filter(([, policy]) => JSON.stringify(policy.Properties?.Roles).includes(`"${roleId}"`))
      .map(([, policy]) => policy.Properties?.PolicyDocument as Json),
  ];
  return documents.flatMap(
    (document) =>
      (document as { Statement: { Action: string | string[]; Resource: unknown; Effect: string }[] })
        .Statement,
  );
}

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

  it('identity pool (sealed, the default): a developer provider only, no user-pool login, classic flow on, guests', () => {
    const { identityPool } = synth.stack.userFiles;
    const pool = resources[Stack.of(synth.stack).getLogicalId(identityPool)];
    expect(pool?.Properties).toEqual({
      // Guest access is on by default: the unauthenticated role reads `public` (guest-access.test.ts).
      AllowUnauthenticatedIdentities: true,
      AllowClassicFlow: true,
      DeveloperProviderName: `user-files.${synth.stack.stackName}`,
    });
    expect(synth.stack.userFiles.accessMode).toBe('sealed');
  });

  it('identity pool (direct): signed-in identities from this user pool and client, and guests', () => {
    const { identityPool, userPool, userPoolClient } = direct.stack.userFiles;
    const pool = directResources[Stack.of(direct.stack).getLogicalId(identityPool)];
    expect(pool?.Properties).toEqual({
      AllowUnauthenticatedIdentities: true,
      AllowClassicFlow: true,
      CognitoIdentityProviders: [
        {
          ClientId: { Ref: directId(userPoolClient) },
          ProviderName: { 'Fn::GetAtt': [directId(userPool), 'ProviderName'] },
          ServerSideTokenCheck: true,
        },
      ],
    });
  });

  it('attaches the authenticated role, and the unauthenticated role for guests', () => {
    const { identityPool, authenticatedRole, unauthenticatedRole } = synth.stack.userFiles;
    const attachments = ofType('AWS::Cognito::IdentityPoolRoleAttachment');
    expect(attachments).toHaveLength(1);
    expect(attachments[0]?.[1].Properties).toEqual({
      IdentityPoolId: { Ref: Stack.of(synth.stack).getLogicalId(identityPool) },
      Roles: {
        authenticated: { 'Fn::GetAtt': [id(authenticatedRole), 'Arn'] },
        unauthenticated: { 'Fn::GetAtt': [id(unauthenticatedRole), 'Arn'] },
      },
    });
    expect(id(authenticatedRole)).not.toBe(id(unauthenticatedRole));
  });
});

describe('authenticated role', () => {
  it.each(['sealed', 'direct'])('%s: sessions of up to 12 hours (MaxSessionDuration)', (mode) => {
    const [from, logical, stack] =
      mode === 'sealed' ? [resources, id, synth.stack] : [directResources, directId, direct.stack];
    expect(from[logical(stack.userFiles.authenticatedRole)]?.Properties?.MaxSessionDuration).toBe(43_200);
  });

  it('trusts only authenticated identities of this identity pool, which may carry session tags (groups)', () => {
    const { identityPool, authenticatedRole } = synth.stack.userFiles;
    const role = resources[id(authenticatedRole)];
    expect(role?.Properties?.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: 'cognito-identity.amazonaws.com' },
          // One statement: sts:TagSession under exactly the conditions of assuming the role.
          Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
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

  it.each(['sealed', 'direct'])(
    '%s: no other role of the stack may be assumed with session tags (the guest role above all)',
    (mode) => {
      const [from, logical, stack] =
        mode === 'sealed' ? [resources, id, synth.stack] : [directResources, directId, direct.stack];
      const tagging = ofType('AWS::IAM::Role', from)
        .filter(([, role]) =>
          JSON.stringify(role.Properties?.AssumeRolePolicyDocument).includes('sts:TagSession'),
        )
        .map(([logicalId]) => logicalId);
      expect(tagging).toEqual([logical(stack.userFiles.authenticatedRole)]);
      expect(stack.userFiles.unauthenticatedRole).toBeDefined();
      expect(tagging).not.toContain(logical(stack.userFiles.unauthenticatedRole));
    },
  );

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
    const {
      handler,
      userPool,
      userPoolClient,
      identityPool,
      bucket,
      authenticatedRole,
      unauthenticatedRole,
    } = synth.stack.userFiles;
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
        ACCESS_MODE: 'sealed',
        AUTHENTICATED_ROLE_ARN: { 'Fn::GetAtt': [id(authenticatedRole), 'Arn'] },
        UNAUTHENTICATED_ROLE_ARN: { 'Fn::GetAtt': [id(unauthenticatedRole), 'Arn'] },
        SESSION_DURATION_SECONDS: '43200',
        DEVELOPER_PROVIDER_NAME: `user-files.${synth.stack.stackName}`,
        LEDGER_TABLE: { Ref: id(synth.stack.userFiles.storageEvents.ledger) },
        INCOMPLETE_UPLOAD_EXPIRY_DAYS: '2',
        SESSION_TABLE: { Ref: id(synth.stack.userFiles.sessionTable) },
        SESSION_KEY_ID: { 'Fn::GetAtt': [id(synth.stack.userFiles.sessionKey), 'Arn'] },
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    expect(synth.stack.userFiles.identityDirectory).toBeUndefined();
    // Sealed mode needs no identity directory: the tables are the usage ledger and the session store.
    expect(ofType('AWS::DynamoDB::Table').map(([logicalId]) => logicalId)).toEqual([
      id(synth.stack.userFiles.storageEvents.ledger),
      id(synth.stack.userFiles.sessionTable),
    ]);
  });

  it('in direct mode, gets the directory table and no developer provider', () => {
    const { handler, identityDirectory } = direct.stack.userFiles;
    const environment = directResources[directId(handler)]?.Properties?.Environment as
      | { Variables: Record<string, Json> }
      | undefined;
    const variables = environment?.Variables ?? {};
    expect(variables).toMatchObject({
      ACCESS_MODE: 'direct',
      SESSION_DURATION_SECONDS: '43200',
      IDENTITY_DIRECTORY_TABLE: { Ref: directId(identityDirectory) },
    });
    expect(variables.DEVELOPER_PROVIDER_NAME).toBeUndefined();
  });

  it('sealed: an execution role with no S3 permission: its logs and developer-login tokens of this pool only', () => {
    const roleId = id(synth.stack.userFiles.handlerRole);
    const fn = resources[id(synth.stack.userFiles.handler)];
    expect(fn?.Properties?.Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    const role = resources[roleId];
    // Managed policies (even AWSLambdaBasicExecutionRole) would be opaque here: none at all.
    expect(role?.Properties?.ManagedPolicyArns).toBeUndefined();
    expect(role?.Properties?.PermissionsBoundary).toBeUndefined();
    expect(ofType('AWS::IAM::ManagedPolicy')).toEqual([]);
    const statements = roleStatements(resources, roleId);
    const actions = statements.flatMap((s) => [s.Action].flat());
    // It also reads the ledger and the share index, writes upload reservations and people into it,
    // reads a page's names at once (BatchGetItem), and removes one user's partition for
    // DELETE /me/data (BatchWriteItem); it reads, writes and removes stored sessions, with data
    // keys of the session key (session-store.test.ts); it looks up users and lists a group's members.
    expect(actions.sort()).toEqual([
      'cognito-identity:GetOpenIdTokenForDeveloperIdentity',
      'cognito-idp:AdminGetUser',
      'cognito-idp:ListUsersInGroup',
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    const minting = statements.filter((s) =>
      [s.Action].flat().some((a) => a.startsWith('cognito-identity:')),
    );
    expect(minting).toEqual([
      {
        Effect: 'Allow',
        Action: 'cognito-identity:GetOpenIdTokenForDeveloperIdentity',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':cognito-identity:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':identitypool/',
              { Ref: Stack.of(synth.stack).getLogicalId(synth.stack.userFiles.identityPool) },
            ],
          ],
        },
      },
    ]);
  });

  it('direct: an execution role with no S3 permission: its logs and the directory entries only', () => {
    const roleId = directId(direct.stack.userFiles.handlerRole);
    const tableId = directId(direct.stack.userFiles.identityDirectory);
    const statements = roleStatements(directResources, roleId);
    const actions = statements.flatMap((s) => [s.Action].flat());
    // It writes its own logs, reads, writes or removes single directory entries, reads the ledger
    // (a page's names at once), writes reservations and people into it and removes one user's
    // partition, keeps the session store, looks up users and a group's members, and that is all.
    expect(actions.sort()).toEqual([
      'cognito-idp:AdminGetUser',
      'cognito-idp:ListUsersInGroup',
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:GetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:PutItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    // Sharing and GET /users look up one user of this pool, by name; a member lists their group's
    // members: on this pool only.
    expect(statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('cognito-idp:')))).toEqual([
      {
        Effect: 'Allow',
        Action: ['cognito-idp:AdminGetUser', 'cognito-idp:ListUsersInGroup'],
        Resource: { 'Fn::GetAtt': [directId(direct.stack.userFiles.userPool), 'Arn'] },
      },
    ]);
    const directory = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(directory).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        Resource: [{ 'Fn::GetAtt': [tableId, 'Arn'] }],
      },
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:BatchGetItem',
        ],
        Resource: [{ 'Fn::GetAtt': [directId(direct.stack.userFiles.storageEvents.ledger), 'Arn'] }],
      },
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        Resource: [{ 'Fn::GetAtt': [directId(direct.stack.userFiles.sessionTable), 'Arn'] }],
      },
    ]);
  });

  it('keeps the identity directory (direct mode) in an on-demand, encrypted, recoverable table', () => {
    const table = directResources[directId(direct.stack.userFiles.identityDirectory)];
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
    // OpenAPI has no greedy variable: API Gateway's `{key+}` is `{key}` there (decisions.md 23).
    expect(deployed.map((route) => route.replace(/\{(\w+)\+\}/g, '{$1}')).sort()).toEqual(specified.sort());
    expect(deployed.sort()).toEqual(
      [
        'GET /me',
        'GET /files',
        'DELETE /files',
        'POST /files/uploads',
        'POST /files/downloads',
        'GET /files/properties',
        'POST /files/multipart',
        'POST /files/multipart/parts',
        'POST /files/multipart/progress',
        'POST /files/multipart/complete',
        'POST /files/multipart/abort',
        'POST /files/copies',
        'POST /files/downloads/batch',
        'POST /files/shares',
        'GET /files/shares',
        'GET /files/shared-with-me',
        'DELETE /me/data',
        'GET /users/{username}',
        'GET /groups/{group}/members',
        // Guest access is on by default.
        'GET /public/{owner}/{key+}',
        'HEAD /public/{owner}/{key+}',
        'GET /public/{owner}',
      ].sort(),
    );
    const fnId = id(synth.stack.userFiles.handler);
    for (const [route, method] of routes()) {
      if (route.startsWith('OPTIONS ')) continue;
      expect(method.Integration, route).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
      expect(JSON.stringify(method.Integration), route).toContain(`"${fnId}","Arn"`);
    }
  });

  it('puts every method except CORS preflight and the three guest routes behind the Cognito user-pools authorizer', () => {
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
    const guestRoutes = ['GET /public/{owner}/{key+}', 'HEAD /public/{owner}/{key+}', 'GET /public/{owner}'];
    for (const [route, method] of all) {
      if (route.startsWith('OPTIONS ')) {
        // Browsers send preflight without credentials; it is a mock that only answers CORS.
        expect(method.AuthorizationType, route).toBe('NONE');
        expect(method.Integration, route).toMatchObject({ Type: 'MOCK' });
      } else if (guestRoutes.includes(route)) {
        // Public by design: no token, the function answers with the guest session.
        expect(method.AuthorizationType, route).toBe('NONE');
        expect(method.AuthorizerId, route).toBeUndefined();
        expect(method.Integration, route).toMatchObject({ Type: 'AWS_PROXY' });
      } else {
        expect(method.AuthorizationType, route).toBe('COGNITO_USER_POOLS');
        expect(method.AuthorizerId, route).toEqual({ Ref: authorizerId });
      }
    }
    expect([...all.keys()].filter((route) => guestRoutes.includes(route)).sort()).toEqual(guestRoutes.sort());
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
        detail: GATEWAY_PROBLEMS.find((p) => p.responseType === type)?.detail ?? 'Unauthorized',
        requestId: 'c0ffee00-0000-4000-8000-000000000000',
      });
      expect(codes, type).toContain(body.code);
      expect(body.status, type).toBeGreaterThanOrEqual(400);
      expect(body.status, type).toBeLessThanOrEqual(599);
    }
    expect(responses.get('UNAUTHORIZED')).toMatchObject({ StatusCode: '401' });
    expect(responses.get('MISSING_AUTHENTICATION_TOKEN')).toMatchObject({ StatusCode: '404' });
    expect(responses.get('DEFAULT_4XX')?.StatusCode).toMatch(/^4\d\d$/);
    expect(responses.get('DEFAULT_5XX')?.StatusCode).toMatch(/^5\d\d$/);
  });

  it("says what a 401 expects and that an unknown route does not exist, not just API Gateway's words", () => {
    const detailOf = (type: string) => {
      const response = ofType('AWS::ApiGateway::GatewayResponse').find(
        ([, r]) => r.Properties?.ResponseType === type,
      )?.[1];
      const template = ((response?.Properties?.ResponseTemplates ?? {}) as Record<string, string>)[
        'application/json'
      ];
      const body = JSON.parse(
        (template ?? '{}')
          .replace('$context.error.messageString', JSON.stringify('Unauthorized'))
          .replace('$context.requestId', 'c0ffee00-0000-4000-8000-000000000000'),
      ) as Record<string, unknown>;
      return { status: response?.Properties?.StatusCode, body };
    };
    const unauthorized = detailOf('UNAUTHORIZED');
    expect(unauthorized.status).toBe('401');
    expect(unauthorized.body).toMatchObject({ status: 401, code: 'unauthorized', title: 'Unauthorized' });
    expect(unauthorized.body.detail).toMatch(/Cognito ID token/);
    expect(unauthorized.body.detail).toMatch(/not the access token/);
    const noRoute = detailOf('MISSING_AUTHENTICATION_TOKEN');
    expect(noRoute.status).toBe('404');
    expect(noRoute.body).toMatchObject({
      status: 404,
      code: 'not_found',
      detail: 'no such route: check the method and path',
    });
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

  it('is a regional web ACL with a rate-based rule per Authorization header, answering 429 problems', () => {
    const acls = ofType('AWS::WAFv2::WebACL');
    expect(acls).toHaveLength(1);
    const acl = acls[0]?.[1].Properties ?? {};
    expect(acl.Scope).toBe('REGIONAL');
    expect(acl.DefaultAction).toEqual({ Allow: {} });
    const rules = acl.Rules as Array<Record<string, Json>>;
    // The second is the guest routes' per-IP rule (guest-access.test.ts).
    expect(rules.map((rule) => rule.Name)).toEqual(['PerUserRateLimit', 'PerClientIpPublicRateLimit']);
    expect(rules[0]?.Priority).toBe(0);
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
      detail: 'Too many requests from this user; retry after 60 seconds.',
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
  it('are exactly the thirteen the clients, the scripts, the e2e suite and the local stack share', () => {
    const outputs = synth.template.toJSON().Outputs as Record<string, { Value: Json }>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'AccessMode',
        'ApiUrl',
        'AuthenticatedRoleArn',
        'BucketName',
        'GuestAccess',
        'IdentityPoolId',
        'LedgerTable',
        'PublicUrlTemplate',
        'Region',
        'SessionTable',
        'UnauthenticatedRoleArn',
        'UserPoolClientId',
        'UserPoolId',
      ].sort(),
    );
    expect(outputs.GuestAccess?.Value).toBe('true');
    expect(outputs.AuthenticatedRoleArn?.Value).toEqual({
      'Fn::GetAtt': [id(synth.stack.userFiles.authenticatedRole), 'Arn'],
    });
    expect(outputs.UnauthenticatedRoleArn?.Value).toEqual({
      'Fn::GetAtt': [id(synth.stack.userFiles.unauthenticatedRole), 'Arn'],
    });
    expect(outputs.AccessMode?.Value).toBe('sealed');
    const { userPool, userPoolClient, identityPool, bucket } = synth.stack.userFiles;
    expect(outputs.Region?.Value).toEqual({ Ref: 'AWS::Region' });
    expect(outputs.UserPoolId?.Value).toEqual({ Ref: id(userPool) });
    expect(outputs.UserPoolClientId?.Value).toEqual({ Ref: id(userPoolClient) });
    expect(outputs.IdentityPoolId?.Value).toEqual({ Ref: Stack.of(synth.stack).getLogicalId(identityPool) });
    expect(outputs.BucketName?.Value).toEqual({ Ref: id(bucket) });
    expect(JSON.stringify(outputs.ApiUrl?.Value)).toContain('.execute-api.');
    expect(outputs.LedgerTable?.Value).toEqual({ Ref: id(synth.stack.userFiles.storageEvents.ledger) });
    expect(outputs.SessionTable?.Value).toEqual({ Ref: id(synth.stack.userFiles.sessionTable) });
    // The API's URL (ending in `/v1/`) followed by what shared/domain/public-links.ts builds.
    const apiUrl = outputs.ApiUrl?.Value as { 'Fn::Join': [string, Json[]] } | undefined;
    const [separator, parts] = apiUrl?.['Fn::Join'] ?? ['', []];
    expect(parts.at(-1)).toBe('/');
    expect(outputs.PublicUrlTemplate?.Value).toEqual({
      'Fn::Join': [separator, [...parts.slice(0, -1), '/public/{identityId}/{key}']],
    });
  });

  it('leave SessionTable out with -c sessionStore=false, which deploys no session table or key', () => {
    const { template } = synthesize({ bundle: false, context: { sessionStore: 'false' } });
    expect(Object.keys(template.toJSON().Outputs)).not.toContain('SessionTable');
    template.resourceCountIs('AWS::KMS::Key', 0);
  });
});
