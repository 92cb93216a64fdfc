/**
 * A local stack without guest access (`guestAccess: false`, `GUEST_ACCESS=0` for `npm start`) has
 * none of it: no unauthenticated role, no guest identities, no guest routes, and the function's
 * `UNAUTHENTICATED_ROLE_ARN` is set empty, so one in the shell's environment cannot turn guest
 * access on behind the stack's back. `GUEST_ACCESS` itself accepts only 0 and 1.
 */
import {
  CognitoIdentityClient,
  DescribeIdentityPoolCommand,
  GetIdCommand,
} from '@aws-sdk/client-cognito-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guestAccessFromEnv, type LocalStack, startLocalStack } from '../../../local/stack/local-stack';

let stack: LocalStack;

beforeAll(async () => {
  // As if the shell had it: the stack must not pass it on.
  process.env.UNAUTHENTICATED_ROLE_ARN = 'arn:aws:iam::000000000000:role/injected-from-the-shell';
  stack = await startLocalStack({ quiet: true, guestAccess: false });
});

afterAll(async () => {
  await stack?.stop();
});

describe('a stack without guest access', () => {
  it('has no unauthenticated role, outputs none, and gives the function none', () => {
    expect(stack.unauthenticatedRoleArn).toBeUndefined();
    expect(stack.outputs.GuestAccess).toBe(false);
    expect(stack.outputs.PublicUrlTemplate).toBe('');
    expect(process.env.UNAUTHENTICATED_ROLE_ARN).toBe('');
  });

  it('refuses GetId without logins and reports the pool as closed to guests', async () => {
    const client = new CognitoIdentityClient({
      region: stack.outputs.Region,
      endpoint: stack.outputs.CognitoIdentityEndpoint,
      credentials: stack.adminCredentials,
    });
    try {
      await expect(
        client.send(new GetIdCommand({ IdentityPoolId: stack.outputs.IdentityPoolId })),
      ).rejects.toMatchObject({
        name: 'NotAuthorizedException',
        message: 'Unauthenticated access is not supported for this identity pool.',
      });
      const described = await client.send(
        new DescribeIdentityPoolCommand({ IdentityPoolId: stack.outputs.IdentityPoolId }),
      );
      expect(described.AllowUnauthenticatedIdentities).toBe(false);
    } finally {
      client.destroy();
    }
  });

  it("serves no guest route: the gateway's own 404, before any function", async () => {
    const response = await fetch(`${stack.outputs.ApiUrl}public/${stack.outputs.Region}:x/a.txt`);
    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });
});

describe('GUEST_ACCESS', () => {
  it('is on unless 0, and refuses anything but 0 and 1, naming itself', () => {
    expect(guestAccessFromEnv({})).toBe(true);
    expect(guestAccessFromEnv({ GUEST_ACCESS: '' })).toBe(true);
    expect(guestAccessFromEnv({ GUEST_ACCESS: '1' })).toBe(true);
    expect(guestAccessFromEnv({ GUEST_ACCESS: '0' })).toBe(false);
    expect(() => guestAccessFromEnv({ GUEST_ACCESS: 'yes' })).toThrow(/GUEST_ACCESS=yes is not 0 or 1/);
  });
});
