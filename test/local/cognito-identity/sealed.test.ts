/**
 * The identity service of a sealed pool (a developer provider and no user-pool login): only the
 * function's credentials, correctly signed, get OpenID tokens for a developer login; anyone else
 * gets the refusal AWS gives, and a user's own ID token is no login of the pool at all.
 */
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cognitoProviderName } from '../../../local/core/credential-store';
import { type LocalStack, startLocalStack } from '../../../local/stack/local-stack';
import { localAppClient, signInWithPassword } from '../../support/sign-in';

let stack: LocalStack;
let idToken: string;

type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

const client = (credentials?: Keys) =>
  new CognitoIdentityClient({
    region: stack.outputs.Region,
    endpoint: stack.outputs.CognitoIdentityEndpoint,
    // No credentials at all: the SDK signs nothing (the unsigned operations need none).
    ...(credentials ? { credentials } : { signer: { sign: async (request: unknown) => request } as never }),
  });

const developerToken = (credentials: Keys, identifier?: string) =>
  client(credentials).send(
    new GetOpenIdTokenForDeveloperIdentityCommand({
      IdentityPoolId: stack.outputs.IdentityPoolId,
      Logins: { [stack.developerProviderName ?? '']: identifier ?? `${stack.outputs.UserPoolId}:someone` },
    }),
  );

beforeAll(async () => {
  stack = await startLocalStack({ quiet: true, api: false });
  const [alice] = stack.outputs.DemoUsers;
  if (!alice) throw new Error('a demo user expected');
  idToken = (await signInWithPassword(localAppClient(stack.outputs), alice)).idToken;
});

afterAll(async () => {
  await stack?.stop();
});

describe('GetOpenIdTokenForDeveloperIdentity', () => {
  it("answers the function's signed call with a stable identity per identifier", async () => {
    const first = await developerToken(stack.functionCredentials, 'pool:alice');
    const again = await developerToken(stack.functionCredentials, 'pool:alice');
    const other = await developerToken(stack.functionCredentials, 'pool:bob');
    expect(first.IdentityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    expect(again.IdentityId).toBe(first.IdentityId);
    expect(other.IdentityId).not.toBe(first.IdentityId);
    expect(first.Token?.split('.')).toHaveLength(3);
  });

  it('refuses an unsigned call, an unknown key and a wrong secret, as AWS does', async () => {
    // The SDK will not send this operation unsigned: plain HTTP does.
    const unsigned = await fetch(stack.outputs.CognitoIdentityEndpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': 'AWSCognitoIdentityService.GetOpenIdTokenForDeveloperIdentity',
      },
      body: JSON.stringify({
        IdentityPoolId: stack.outputs.IdentityPoolId,
        Logins: { [stack.developerProviderName ?? '']: 'pool:alice' },
      }),
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    await expect(
      developerToken({
        accessKeyId: 'AKIAUNKNOWN',
        secretAccessKey: stack.functionCredentials.secretAccessKey,
      }),
    ).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    await expect(
      developerToken({ accessKeyId: stack.functionCredentials.accessKeyId, secretAccessKey: 'wrong' }),
    ).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  });

  it("refuses a user's own identity credentials (their role may not mint tokens)", async () => {
    const minted = await developerToken(stack.functionCredentials, 'pool:carol');
    const sts = new STSClient({ region: stack.outputs.Region, endpoint: stack.outputs.StsEndpoint });
    const { Credentials } = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: stack.authenticatedRoleArn,
        RoleSessionName: 'carol',
        WebIdentityToken: minted.Token,
      }),
    );
    sts.destroy();
    await expect(
      developerToken({
        accessKeyId: Credentials?.AccessKeyId ?? '',
        secretAccessKey: Credentials?.SecretAccessKey ?? '',
        sessionToken: Credentials?.SessionToken ?? '',
      }),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('refuses a login of another provider, even from the function', async () => {
    await expect(
      client(stack.functionCredentials).send(
        new GetOpenIdTokenForDeveloperIdentityCommand({
          IdentityPoolId: stack.outputs.IdentityPoolId,
          Logins: { 'some.other.provider': 'pool:alice' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });
});

describe("a user's ID token on the sealed pool", () => {
  it('is no login: GetId, GetCredentialsForIdentity and GetOpenIdToken all refuse it', async () => {
    const logins = { [cognitoProviderName(stack.outputs.Region, stack.outputs.UserPoolId)]: idToken };
    const unsigned = client();
    await expect(
      unsigned.send(new GetIdCommand({ IdentityPoolId: stack.outputs.IdentityPoolId, Logins: logins })),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    // Even knowing the user's real identity ID (the API's GET /me tells it).
    const { IdentityId } = await developerToken(stack.functionCredentials, `${stack.outputs.UserPoolId}:x`);
    await expect(
      unsigned.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins })),
    ).rejects.toMatchObject({ name: 'NotAuthorizedException' });
    await expect(
      unsigned.send(new GetOpenIdTokenCommand({ IdentityId, Logins: logins })),
    ).rejects.toMatchObject({
      name: 'NotAuthorizedException',
    });
  });
});
