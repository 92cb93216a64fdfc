/**
 * The policy engine's own contract, beyond the matrix: keys are taken literally (no wildcard or
 * line-terminator surprises from the simulator), conditions work, decisions follow the document's
 * content, and repeated decisions come from the cache.
 */
import { describe, expect, test, vi } from 'vitest';
import { evaluate, isAllowed } from '../../local/core/policy-engine';
import {
  buildAuthenticatedRolePolicy,
  IDENTITY_ID_VARIABLE,
  type PolicyDocument,
} from '../../shared/policy/access-policy';
import { BUCKET_ARN, IDENTITIES, identityContext } from './matrix';

// Counts the engine's real evaluations, so caching is observed rather than timed.
const simulations = vi.hoisted(() => vi.fn());
vi.mock('@cloud-copilot/iam-simulate', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@cloud-copilot/iam-simulate')>();
  return {
    ...actual,
    runUnsafeSimulation: (...args: Parameters<typeof actual.runUnsafeSimulation>) => {
      simulations();
      return actual.runUnsafeSimulation(...args);
    },
  };
});

const policy = buildAuthenticatedRolePolicy({ bucketArn: BUCKET_ARN });
const { A, B } = IDENTITIES;

function put(key: string, context = identityContext('A')) {
  return isAllowed({ policy, action: 's3:PutObject', resource: `${BUCKET_ARN}/${key}`, context });
}

function list(prefix: string) {
  return isAllowed({
    policy,
    action: 's3:ListBucket',
    resource: BUCKET_ARN,
    context: identityContext('A', { 's3:prefix': prefix }),
  });
}

describe('keys are taken literally, as S3 does', () => {
  // The simulator reads `*` in a request resource as a wildcard; in S3 it is just a character of
  // the key, and these keys lie outside every owner's folder.
  test.each([
    ['private/*/x'],
    ['protected/*/x'],
    ['public/*/notes.txt'],
    ['private/*'],
    [`private/${A.slice(0, 10)}*/x`],
    ['*'],
  ])('a "*" in the key does not act as a wildcard: PutObject %j is denied', async (key) => {
    await expect(put(key)).resolves.toBe(false);
  });

  test('a wildcard bucket name in the resource does not match the bucket', async () => {
    await expect(
      isAllowed({
        policy,
        action: 's3:PutObject',
        resource: `arn:aws:s3:::user-files-*/private/${A}/x`,
        context: identityContext('A'),
      }),
    ).resolves.toBe(false);
  });

  test.each([[`private/${A}/a*b`], [`private/${A}/*`], [`public/${A}/*/x`]])(
    'a "*" inside the caller’s own folder is an ordinary character: PutObject %j is allowed',
    async (key) => {
      await expect(put(key)).resolves.toBe(true);
    },
  );

  test.each([
    ['line feed', '\n'],
    ['carriage return', '\r'],
    ['line separator', '\u2028'],
    ['paragraph separator', '\u2029'],
  ])('a %s in a key of the own folder is allowed, in another folder denied', async (_name, character) => {
    await expect(put(`private/${A}/a${character}b`)).resolves.toBe(true);
    await expect(put(`private/${B}/a${character}b`)).resolves.toBe(false);
    await expect(list(`private/${A}/a${character}b`)).resolves.toBe(true);
    await expect(list(`private/${B}/a${character}b`)).resolves.toBe(false);
  });

  test('a string that is not well-formed UTF-16 is refused outright, even in the own folder (fail closed)', async () => {
    await expect(put(`private/${A}/a\ud800b`)).resolves.toBe(false);
    await expect(put(`private/${A}/\udc00`)).resolves.toBe(false);
    await expect(list(`private/${A}/\udc01`)).resolves.toBe(false);
  });

  test('noncharacters and other unusual code points in the own folder are ordinary characters', async () => {
    await expect(put(`private/${A}/\ufdd0\uffff\u{10ffff}`)).resolves.toBe(true);
    await expect(put(`private/${B}/\ufdd0\uffff\u{10ffff}`)).resolves.toBe(false);
  });

  test.each([
    ['own folder with the identity upper-cased', `private/${A.toUpperCase()}/x`],
    ['level upper-cased', `PRIVATE/${A}/x`],
    ['the policy variable written literally', `private/${IDENTITY_ID_VARIABLE}/x`],
    ['the identity as a prefix of the folder name', `private/${A}x/y`],
    ['a folder nested under another folder', `private/other/private/${A}/x`],
  ])('resource matching is exact and case-sensitive: %s is denied', async (_name, key) => {
    await expect(put(key)).resolves.toBe(false);
  });

  test('another bucket is denied', async () => {
    await expect(
      isAllowed({
        policy,
        action: 's3:PutObject',
        resource: `arn:aws:s3:::${'another-bucket'}/private/${A}/x`,
        context: identityContext('A'),
      }),
    ).resolves.toBe(false);
  });

  test('unicode keys in the own folder are allowed', async () => {
    await expect(put(`private/${A}/写真/😀 holiday (1).jpg`)).resolves.toBe(true);
  });
});

describe('context', () => {
  test('without the identity in the context, nothing resolves and everything is denied', async () => {
    const context = identityContext('A');
    delete context['cognito-identity.amazonaws.com:sub'];
    await expect(put(`private/${A}/x`, context)).resolves.toBe(false);
    await expect(put(`public/${A}/x`, context)).resolves.toBe(false);
  });

  const denyInsecure: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      ...policy.Statement,
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Action: ['s3:*'],
        Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };

  test.each([
    ['true', 'Allowed'],
    ['false', 'ExplicitlyDenied'],
  ] as const)('conditions are evaluated: aws:SecureTransport=%s gives %s', async (secure, expected) => {
    await expect(
      evaluate({
        policy: denyInsecure,
        action: 's3:GetObject',
        resource: `${BUCKET_ARN}/private/${A}/x`,
        context: identityContext('A', { 'aws:SecureTransport': secure }),
      }),
    ).resolves.toBe(expected);
  });
});

describe('decisions follow the document, not a cached copy', () => {
  test('editing a policy in place changes the next decision', async () => {
    const editable = structuredClone(policy) as { Statement: unknown[] } & PolicyDocument;
    const request = {
      policy: editable,
      action: 's3:PutObject',
      resource: `${BUCKET_ARN}/private/${A}/x`,
      context: identityContext('A'),
    };
    await expect(isAllowed(request)).resolves.toBe(true);
    editable.Statement.splice(0);
    await expect(isAllowed(request)).resolves.toBe(false);
  });

  test('the same request with another identity gets its own decision', async () => {
    const resource = `${BUCKET_ARN}/private/${A}/cached`;
    await expect(
      isAllowed({ policy, action: 's3:PutObject', resource, context: identityContext('A') }),
    ).resolves.toBe(true);
    await expect(
      isAllowed({ policy, action: 's3:PutObject', resource, context: identityContext('B') }),
    ).resolves.toBe(false);
  });
});

describe('bad input is a programming error, not a decision', () => {
  test.each([['s3:*'], ['s3:Get*'], ['GetObject'], ['']])('action %j is rejected', async (action) => {
    await expect(
      isAllowed({ policy, action, resource: `${BUCKET_ARN}/private/${A}/x`, context: identityContext('A') }),
    ).rejects.toThrow(TypeError);
  });

  test('a resource that is not an ARN is rejected', async () => {
    await expect(
      isAllowed({
        policy,
        action: 's3:GetObject',
        resource: `private/${A}/x`,
        context: identityContext('A'),
      }),
    ).rejects.toThrow(TypeError);
  });

  test('a policy with the literal-star escape is rejected (the literal-key mapping could not keep its meaning)', async () => {
    const literalStar: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'S', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [`${BUCKET_ARN}/\${*}`] }],
    };
    await expect(
      isAllowed({
        policy: literalStar,
        action: 's3:GetObject',
        resource: `${BUCKET_ARN}/*`,
        context: {},
      }),
    ).rejects.toThrow(TypeError);
  });
});

describe('decision cache (the S3 gateway evaluates every request)', () => {
  test('a repeated request, or one differing only in keys the policy never reads, is not evaluated again', async () => {
    simulations.mockClear();
    const request = {
      policy,
      action: 's3:GetObject',
      resource: `${BUCKET_ARN}/protected/${B}/cache-probe`,
      context: identityContext('A', { 'aws:CurrentTime': '2026-01-01T00:00:00Z' }),
    };
    expect(await isAllowed(request)).toBe(true);
    expect(await isAllowed(request)).toBe(true);
    expect(
      await isAllowed({
        ...request,
        context: { ...request.context, 'aws:CurrentTime': '2026-01-01T00:00:01Z' },
      }),
    ).toBe(true);
    expect(simulations).toHaveBeenCalledTimes(1);

    // A key the policy does read is part of the decision.
    expect(await isAllowed({ ...request, context: identityContext('B') })).toBe(true);
    expect(simulations).toHaveBeenCalledTimes(2);
  });
});
