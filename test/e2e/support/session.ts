/**
 * Signed-in users for the e2e suite: their tokens (Cognito user pool), their API client (the
 * generated openapi-fetch client, every response validated against openapi.yaml), and their
 * identity's storage credentials, used directly against storage to show what IAM allows them: in
 * direct mode the user's own (as any SDK gets them), in sealed mode the ones the function gets.
 */
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from '@aws-sdk/client-cognito-identity';
import { S3Client } from '@aws-sdk/client-s3';
import type { Middleware } from 'openapi-fetch';
import { createIdentityService, createStsClient } from '../../../lambdas/aws/identity';
import { createFilesClient } from '../../../shared/api/client';
import { validateResponse } from '../../support/openapi-validator';
import { signInWithPassword, type Tokens } from '../../support/sign-in';
import type { E2eTarget, TestUser } from './target';

export type FilesApi = ReturnType<typeof createFilesClient>;

export interface IdentityCredentials {
  readonly identityId: string;
  readonly credentials: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken: string;
    readonly expiration: Date;
  };
}

export interface Session {
  readonly username: string;
  readonly idToken: string;
  readonly accessToken: string;
  readonly api: FilesApi;
  /** From `GET /me`. */
  readonly identityId: string;
}

/** Holds every API response to the contract: a response the spec does not document fails the call. */
const validating: Middleware = {
  async onResponse({ request, response, schemaPath }) {
    const body = await response.clone().text();
    validateResponse(
      request.method,
      schemaPath,
      response.status,
      response.headers.get('content-type') ?? undefined,
      body,
      Object.fromEntries(response.headers),
    );
    return undefined;
  },
};

export function apiFor(target: E2eTarget, idToken: string | (() => string)): FilesApi {
  const token = typeof idToken === 'string' ? () => idToken : idToken;
  const api = createFilesClient({ baseUrl: target.apiUrl, getIdToken: async () => token() });
  api.use(validating);
  return api;
}

export function signInTokens(target: E2eTarget, user: TestUser): Promise<Tokens> {
  const { region, endpoints, userPoolClientId: clientId } = target;
  return signInWithPassword({ region, endpoint: endpoints.cognitoIdp, clientId }, user);
}

export async function signIn(target: E2eTarget, user: TestUser): Promise<Session> {
  const tokens = await signInTokens(target, user);
  const api = apiFor(target, tokens.idToken);
  const me = await api.GET('/me');
  if (!me.data) throw new Error(`GET /me failed for ${user.username}: ${me.response.status}`);
  return { username: user.username, ...tokens, api, identityId: me.data.identityId };
}

/** The claims of a (verified elsewhere) ID token. */
function claimsOf(idToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

/** The `cognito:groups` of a (verified elsewhere) ID token. */
export function groupsOf(idToken: string): string[] {
  const groups = claimsOf(idToken)['cognito:groups'];
  return Array.isArray(groups) ? groups.filter((name): name is string => typeof name === 'string') : [];
}

/** The `sub` of a (verified elsewhere) ID token. */
export function subOf(idToken: string): string {
  const { sub } = claimsOf(idToken);
  if (typeof sub !== 'string') throw new Error('the ID token has no sub');
  return sub;
}

/**
 * The storage credentials of a user's identity: in direct mode the user's own, from the identity
 * pool (GetId, GetCredentialsForIdentity), as any AWS SDK client gets them; in sealed mode, where
 * a user can get none, the session the function gets for them (its identity adapter, signing with
 * the function's credentials). `cognito` lets a test alter the function's Cognito calls.
 */
export async function identityCredentials(
  target: E2eTarget,
  idToken: string,
  cognito?: CognitoIdentityClient,
): Promise<IdentityCredentials> {
  if (target.accessMode === 'sealed') return functionSession(target, idToken, cognito);
  const client = new CognitoIdentityClient({
    region: target.region,
    ...(target.endpoints.cognitoIdentity ? { endpoint: target.endpoints.cognitoIdentity } : {}),
  });
  const logins = { [`cognito-idp.${target.region}.amazonaws.com/${target.userPoolId}`]: idToken };
  try {
    const { IdentityId } = await client.send(
      new GetIdCommand({ IdentityPoolId: target.identityPoolId, Logins: logins }),
    );
    if (!IdentityId) throw new Error('GetId returned no identity ID');
    const { Credentials } = await client.send(
      new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }),
    );
    if (
      !Credentials?.AccessKeyId ||
      !Credentials.SecretKey ||
      !Credentials.SessionToken ||
      !Credentials.Expiration
    ) {
      throw new Error('GetCredentialsForIdentity returned incomplete credentials');
    }
    return {
      identityId: IdentityId,
      credentials: {
        accessKeyId: Credentials.AccessKeyId,
        secretAccessKey: Credentials.SecretKey,
        sessionToken: Credentials.SessionToken,
        expiration: Credentials.Expiration,
      },
    };
  } finally {
    client.destroy();
  }
}

async function functionSession(
  target: E2eTarget,
  idToken: string,
  cognito?: CognitoIdentityClient,
): Promise<IdentityCredentials> {
  const side = target.functionSide;
  if (!side) {
    throw new Error(
      "storage probes of a sealed stack need the function's credentials, which only a local stack shares",
    );
  }
  const client =
    cognito ??
    new CognitoIdentityClient({
      region: target.region,
      endpoint: target.endpoints.cognitoIdentity,
      credentials: side.credentials,
    });
  const sts = createStsClient(target.region, { endpoint: target.endpoints.sts });
  try {
    const identity = createIdentityService({
      mode: 'sealed',
      client,
      sts,
      userPoolId: target.userPoolId,
      identityPoolId: target.identityPoolId,
      loginsKey: `cognito-idp.${target.region}.amazonaws.com/${target.userPoolId}`,
      developerProviderName: side.developerProviderName,
      roleArn: side.authenticatedRoleArn,
      sessionDurationSeconds: 3600,
    });
    const sub = subOf(idToken);
    // The verified token's groups, as the function reads them: its session carries them as tags.
    return await identity.session({ sub, username: sub, idToken, groups: groupsOf(idToken) });
  } finally {
    if (!cognito) client.destroy();
    sts.destroy();
  }
}

/** An S3 client acting with one identity's own credentials (path-style on the local endpoint). */
export function storageAs(target: E2eTarget, identity: IdentityCredentials): S3Client {
  return new S3Client({
    region: target.region,
    credentials: identity.credentials,
    ...(target.endpoints.s3 ? { endpoint: target.endpoints.s3, forcePathStyle: true } : {}),
    // A refusal must surface as the refusal, not be retried into a timeout.
    maxAttempts: 1,
  });
}

/** Deletes, through the API, everything the user stored under `prefix` in any level (test cleanup). */
export async function deleteAllUnder(api: FilesApi, prefix: string): Promise<void> {
  for (const level of ['private', 'protected', 'public'] as const) {
    let cursor: string | undefined;
    do {
      const page = await api.GET('/files', {
        params: { query: { level, prefix, ...(cursor ? { cursor } : {}) } },
      });
      if (!page.data) throw new Error(`listing ${level} for cleanup failed: ${page.response.status}`);
      for (const item of page.data.items) {
        const deleted = await api.DELETE('/files', { params: { query: { level, key: item.key } } });
        if (deleted.response.status !== 204)
          throw new Error(`cleanup delete failed: ${deleted.response.status}`);
      }
      cursor = page.data.nextCursor;
    } while (cursor);
  }
}
