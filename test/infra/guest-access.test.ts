/**
 * Guest access (issue 18) as synthesized: by default the identity pool's unauthenticated role with
 * exactly the guest policy and trust, the guest routes without authorizer, the function told the
 * role, and a WAF rule per client IP on the guest routes; with `guestAccess: false` none of it;
 * `guestRateLimit` validated and removable on its own.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { STAGE_NAME } from '../../lib/api-function';
import type { UserFilesApiProps } from '../../lib/user-files-api';
import { isGuestRoute, ROUTES } from '../../shared/contract/routes';
import { buildUnauthenticatedRolePolicy } from '../../shared/policy/access-policy';
import { type Synthesized, synthesize, synthesized } from '../support/synth';
import { canonicalPolicy, resolve } from '../support/synthesized-policy';
import {
  build,
  variables as handlerVariables,
  type Json,
  logicalId,
  ofType,
  type Resources,
} from './support';

interface Rule {
  Name: string;
  Priority: number;
  Statement: { RateBasedStatement: Record<string, Json> };
  Action: {
    Block: {
      CustomResponse: { ResponseCode: number; CustomResponseBodyKey: string; ResponseHeaders: Json[] };
    };
  };
}

/** The web ACL's rules by name, and its response bodies. */
function webAcl(resources: Resources) {
  const acls = ofType(resources, 'AWS::WAFv2::WebACL');
  expect(acls).toHaveLength(1);
  const properties = acls[0]?.[1].Properties ?? {};
  const rules = properties.Rules as unknown as Rule[];
  return {
    rules: new Map(rules.map((rule) => [rule.Name, rule])),
    bodies: properties.CustomResponseBodies as Record<string, { ContentType: string; Content: string }>,
  };
}

/** `METHOD /path` of every method but CORS preflight, with its authorization type. */
function methods(resources: Resources): Map<string, Record<string, Json>> {
  const pathOf = (ref: Json): string => {
    const resource = resources[(ref as { Ref?: string }).Ref ?? ''];
    if (!resource) return '';
    return `${pathOf(resource.Properties?.ParentId ?? null)}/${String(resource.Properties?.PathPart)}`;
  };
  return new Map(
    ofType(resources, 'AWS::ApiGateway::Method')
      .map(([, method]) => method.Properties ?? {})
      .filter((properties) => properties.HttpMethod !== 'OPTIONS')
      .map((properties) => [
        `${String(properties.HttpMethod)} ${pathOf(properties.ResourceId ?? null)}`,
        properties,
      ]),
  );
}

const GUEST_ROUTES = ROUTES.filter(isGuestRoute).map((route) => `${route.method} ${route.path}`);

describe('guest access (the default)', () => {
  let synth: Synthesized;
  let resources: Resources;
  let id: (construct: { node: { defaultChild?: unknown } } | undefined) => string;

  beforeAll(() => {
    synth = synthesized();
    resources = synth.template.toJSON().Resources as Resources;
    id = (construct) => logicalId(synth.stack, construct);
  });

  it('is on, and the construct exposes the unauthenticated role', () => {
    expect(synth.stack.userFiles.guestAccess).toBe(true);
    expect(synth.stack.userFiles.unauthenticatedRole).toBeDefined();
    expect(GUEST_ROUTES.sort()).toEqual(
      ['GET /public/{owner}/{key+}', 'HEAD /public/{owner}/{key+}', 'GET /public/{owner}'].sort(),
    );
  });

  it("the unauthenticated role has exactly buildUnauthenticatedRolePolicy's document, and nothing else", () => {
    const { bucket, unauthenticatedRole } = synth.stack.userFiles;
    const roleId = id(unauthenticatedRole);
    const role = resources[roleId];
    expect(role?.Type).toBe('AWS::IAM::Role');
    const policies = role?.Properties?.Policies as { PolicyDocument: Json }[];
    expect(policies).toHaveLength(1);
    const arn = 'arn:aws:s3:::user-files-under-test';
    const names = { [id(bucket)]: { Ref: 'user-files-under-test', Arn: arn } };
    const deployed = canonicalPolicy(
      resolve((policies[0] as { PolicyDocument: Json }).PolicyDocument, names),
    );
    expect(deployed).toEqual(
      canonicalPolicy(buildUnauthenticatedRolePolicy({ bucketArn: arn }) as unknown as Json),
    );
    expect(role?.Properties?.ManagedPolicyArns).toBeUndefined();
    expect(role?.Properties?.PermissionsBoundary).toBeUndefined();
    const attached = ofType(resources, 'AWS::IAM::Policy').filter(([, policy]) =>
      JSON.stringify(policy.Properties?.Roles ?? []).includes(`"${roleId}"`),
    );
    expect(attached).toEqual([]);
    expect(role?.Properties?.MaxSessionDuration).toBe(43_200);
    expect(role?.Properties?.Description).toMatch(/guest/i);
  });

  it('the unauthenticated role trusts only unauthenticated identities of this identity pool', () => {
    const { identityPool, unauthenticatedRole } = synth.stack.userFiles;
    expect(resources[id(unauthenticatedRole)]?.Properties?.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: 'cognito-identity.amazonaws.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              'cognito-identity.amazonaws.com:aud': { Ref: synth.stack.getLogicalId(identityPool) },
            },
            'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'unauthenticated' },
          },
        },
      ],
    });
  });

  it('the identity pool allows unauthenticated identities and attaches both roles', () => {
    const { identityPool, authenticatedRole, unauthenticatedRole } = synth.stack.userFiles;
    const poolId = synth.stack.getLogicalId(identityPool);
    expect(resources[poolId]?.Properties?.AllowUnauthenticatedIdentities).toBe(true);
    const attachments = ofType(resources, 'AWS::Cognito::IdentityPoolRoleAttachment');
    expect(attachments.map(([, attachment]) => attachment.Properties?.Roles)).toEqual([
      {
        authenticated: { 'Fn::GetAtt': [id(authenticatedRole), 'Arn'] },
        unauthenticated: { 'Fn::GetAtt': [id(unauthenticatedRole), 'Arn'] },
      },
    ]);
  });

  it('the three guest methods have no authorizer; every other method the Cognito one', () => {
    const all = methods(resources);
    const authorizerId = logicalId(synth.stack, synth.stack.userFiles.authorizer);
    expect([...all.keys()].filter((route) => GUEST_ROUTES.includes(route)).sort()).toEqual(
      [...GUEST_ROUTES].sort(),
    );
    for (const [route, method] of all) {
      const guest = GUEST_ROUTES.includes(route);
      expect(method.AuthorizationType, route).toBe(guest ? 'NONE' : 'COGNITO_USER_POOLS');
      expect(method.AuthorizerId, route).toEqual(guest ? undefined : { Ref: authorizerId });
    }
  });

  it("gives the API function the unauthenticated role's ARN", () => {
    const { handler, unauthenticatedRole } = synth.stack.userFiles;
    const variables = handlerVariables(resources, id(handler));
    expect(variables.UNAUTHENTICATED_ROLE_ARN).toEqual({ 'Fn::GetAtt': [id(unauthenticatedRole), 'Arn'] });
  });

  it('limits the guest routes per client IP: a rate-based rule scoped to /v1/public/, answering 429 problems', () => {
    const { rules, bodies } = webAcl(resources);
    const rule = rules.get('PerClientIpPublicRateLimit');
    expect(rule?.Priority).toBe(1);
    expect(rule?.Statement).toEqual({
      RateBasedStatement: {
        Limit: 300,
        EvaluationWindowSec: 60,
        AggregateKeyType: 'IP',
        ScopeDownStatement: {
          ByteMatchStatement: {
            FieldToMatch: { UriPath: {} },
            PositionalConstraint: 'STARTS_WITH',
            SearchString: '/v1/public/',
            TextTransformations: [
              { Priority: 0, Type: 'URL_DECODE' },
              { Priority: 1, Type: 'NORMALIZE_PATH' },
            ],
          },
        },
      },
    });
    const response = rule?.Action.Block.CustomResponse;
    expect(response?.ResponseCode).toBe(429);
    expect(response?.ResponseHeaders).toEqual([
      { Name: 'Retry-After', Value: '60' },
      { Name: 'Access-Control-Allow-Origin', Value: 'http://localhost:5173' },
    ]);
    const body = bodies[String(response?.CustomResponseBodyKey)];
    expect(body?.ContentType).toBe('APPLICATION_JSON');
    expect(JSON.parse(body?.Content ?? '{}')).toEqual({
      type: 'urn:user-files-api:problem:rate_limited',
      title: 'Too Many Requests',
      status: 429,
      code: 'rate_limited',
      detail: 'Too many requests from this address; retry after 60 seconds.',
    });
  });

  it("scopes the guest rule to exactly the guest routes' paths on the deployed stage", () => {
    const stages = ofType(resources, 'AWS::ApiGateway::Stage');
    expect(stages.map(([, stage]) => stage.Properties?.StageName)).toEqual([STAGE_NAME]);
    const statement = webAcl(resources).rules.get('PerClientIpPublicRateLimit')?.Statement
      .RateBasedStatement as
      | { ScopeDownStatement: { ByteMatchStatement: { SearchString: string } } }
      | undefined;
    const prefix = statement?.ScopeDownStatement.ByteMatchStatement.SearchString ?? '(none)';
    for (const route of ROUTES) {
      // The path WAF sees: the stage, then the route with its variables filled in.
      const path = `/${STAGE_NAME}${route.path.replace(/\{[^}]+\}/g, 'x')}`;
      expect(path.startsWith(prefix), path).toBe(isGuestRoute(route));
    }
  });
});

describe('guestAccess: false (context guestAccess=false)', () => {
  let synth: Synthesized;
  let resources: Resources;

  beforeAll(() => {
    // Synthesis runs cdk-nag: it throws on any finding left unacknowledged.
    synth = synthesize({ bundle: false, context: { guestAccess: 'false' } });
    resources = synth.template.toJSON().Resources as Resources;
  });

  it('has no unauthenticated role, and the identity pool allows no unauthenticated identities', () => {
    expect(synth.stack.userFiles.guestAccess).toBe(false);
    expect(synth.stack.userFiles.unauthenticatedRole).toBeUndefined();
    const trusts = ofType(resources, 'AWS::IAM::Role').map(([, role]) =>
      JSON.stringify(role.Properties?.AssumeRolePolicyDocument),
    );
    expect(trusts.filter((trust) => trust.includes('unauthenticated'))).toEqual([]);
    const { identityPool, authenticatedRole } = synth.stack.userFiles;
    expect(
      resources[synth.stack.getLogicalId(identityPool)]?.Properties?.AllowUnauthenticatedIdentities,
    ).toBe(false);
    expect(
      ofType(resources, 'AWS::Cognito::IdentityPoolRoleAttachment').map(([, a]) => a.Properties?.Roles),
    ).toEqual([{ authenticated: { 'Fn::GetAtt': [logicalId(synth.stack, authenticatedRole), 'Arn'] } }]);
  });

  it('serves no guest route: every method is behind the Cognito authorizer', () => {
    const all = methods(resources);
    expect(all.size).toBe(ROUTES.length - GUEST_ROUTES.length);
    for (const [route, method] of all) expect(method.AuthorizationType, route).toBe('COGNITO_USER_POOLS');
    const parts = ofType(resources, 'AWS::ApiGateway::Resource').map(([, r]) => r.Properties?.PathPart);
    expect(parts).not.toContain('public');
  });

  it('writes no UNAUTHENTICATED_ROLE_ARN, keeps only the per-user WAF rule, and outputs no guest role or link', () => {
    const variables = handlerVariables(resources, logicalId(synth.stack, synth.stack.userFiles.handler));
    expect(variables).not.toHaveProperty('UNAUTHENTICATED_ROLE_ARN');
    expect(variables).toHaveProperty('AUTHENTICATED_ROLE_ARN');
    expect([...webAcl(resources).rules.keys()]).toEqual(['PerUserRateLimit']);
    const outputs = synth.template.toJSON().Outputs as Record<string, { Value: Json }>;
    expect(outputs.GuestAccess?.Value).toBe('false');
    expect(outputs).toHaveProperty('AuthenticatedRoleArn');
    expect(outputs).not.toHaveProperty('UnauthenticatedRoleArn');
    expect(outputs).not.toHaveProperty('PublicUrlTemplate');
  });
});

describe('guestRateLimit', () => {
  it('sets the guest rule from props, Retry-After included', () => {
    const { resources } = build({ guestRateLimit: { limit: 1000, window: Duration.minutes(5) } });
    const { rules, bodies } = webAcl(resources);
    const rule = rules.get('PerClientIpPublicRateLimit');
    expect(rule?.Statement.RateBasedStatement).toMatchObject({ Limit: 1000, EvaluationWindowSec: 300 });
    expect(rule?.Action.Block.CustomResponse.ResponseHeaders).toContainEqual({
      Name: 'Retry-After',
      Value: '300',
    });
    const body = bodies[rule?.Action.Block.CustomResponse.CustomResponseBodyKey ?? ''];
    expect(JSON.parse(body?.Content ?? '{}').detail).toBe(
      'Too many requests from this address; retry after 300 seconds.',
    );
    // The per-user rule keeps its own numbers and body.
    expect(rules.get('PerUserRateLimit')?.Statement.RateBasedStatement).toMatchObject({
      Limit: 300,
      EvaluationWindowSec: 60,
    });
  });

  it('false removes only the guest rule', () => {
    const { api, resources } = build({ guestRateLimit: false });
    expect([...webAcl(resources).rules.keys()]).toEqual(['PerUserRateLimit']);
    expect(api.unauthenticatedRole).toBeDefined();
    expect([...methods(resources).keys()]).toEqual(expect.arrayContaining(GUEST_ROUTES));
  });

  it('keeps the web ACL for the guest rule alone when the per-user limit is off', () => {
    const { api, resources } = build({ perUserRateLimit: false });
    expect(api.webAcl).toBeDefined();
    expect([...webAcl(resources).rules.keys()]).toEqual(['PerClientIpPublicRateLimit']);
    expect(ofType(resources, 'AWS::WAFv2::WebACLAssociation')).toHaveLength(1);
  });

  it.each<[string, Partial<UserFilesApiProps>]>([
    ['both limits off', { perUserRateLimit: false, guestRateLimit: false }],
    ['the per-user limit off and no guests', { perUserRateLimit: false, guestAccess: false }],
  ])('deploys no web ACL with %s', (_name, props) => {
    const { api, resources } = build(props);
    expect(api.webAcl).toBeUndefined();
    expect(ofType(resources, 'AWS::WAFv2::WebACL')).toEqual([]);
    expect(ofType(resources, 'AWS::WAFv2::WebACLAssociation')).toEqual([]);
  });

  it('has no guest rule without guest access, whatever it says', () => {
    const { resources } = build({ guestAccess: false, guestRateLimit: { limit: 1000 } });
    expect([...webAcl(resources).rules.keys()]).toEqual(['PerUserRateLimit']);
  });

  it.each<[string, UserFilesApiProps['guestRateLimit'], RegExp]>([
    [
      'a limit under 10',
      { limit: 9 },
      /^UserFilesApi: guestRateLimit\.limit must be an integer from 10 to 2,000,000,000 \(got 9\)/,
    ],
    ['a fractional limit', { limit: 10.5 }, /guestRateLimit\.limit .*\(got 10\.5\)/],
    ['a limit over WAF’s maximum', { limit: 2_000_000_001 }, /guestRateLimit\.limit .*\(got 2000000001\)/],
    [
      'a 3-minute window',
      { window: Duration.minutes(3) },
      /^UserFilesApi: guestRateLimit\.window must be 1, 2, 5 or 10 minutes \(got 180 s\)/,
    ],
    ['a 30-second window', { window: Duration.seconds(30) }, /guestRateLimit\.window .*\(got 30 s\)/],
  ])('refuses %s, naming guestRateLimit', (_name, guestRateLimit, message) => {
    expect(() => build({ guestRateLimit })).toThrow(message);
    // A bad value is refused even where it would have no effect.
    expect(() => build({ guestRateLimit, guestAccess: false })).toThrow(message);
  });
});

describe('guest access props', () => {
  it('the unauthenticated role follows sessionDuration', () => {
    const { api, resources } = build({
      sessionDuration: Duration.hours(2),
      maxUrlLifetime: Duration.hours(1),
    });
    const role = resources[logicalId(Stack.of(api), api.unauthenticatedRole)];
    expect(role?.Properties?.MaxSessionDuration).toBe(7200);
  });

  it('guestAccess: false as a prop: no unauthenticated role, no guest method, no guest variable', () => {
    const { api, resources } = build({ guestAccess: false });
    expect(api.guestAccess).toBe(false);
    expect(api.unauthenticatedRole).toBeUndefined();
    expect(ofType(resources, 'AWS::IAM::Role').map(([roleId]) => roleId)).not.toContain(
      expect.stringMatching(/Unauthenticated/),
    );
    expect([...methods(resources).keys()].filter((route) => GUEST_ROUTES.includes(route))).toEqual([]);
    const variables = handlerVariables(resources, logicalId(Stack.of(api), api.handler));
    expect(variables).toHaveProperty('AUTHENTICATED_ROLE_ARN');
    expect(variables).not.toHaveProperty('UNAUTHENTICATED_ROLE_ARN');
  });
});
